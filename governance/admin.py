"""Django admin for operators: every governance model, read-mostly for versioned ones."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from guardian.admin import GuardedModelAdmin

from governance import models


@admin.register(models.Person)
class PersonAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Collegia", {"fields": ("display_name",)}))  # type: ignore[misc]
    list_display = ("username", "display_name", "email", "is_staff")


@admin.register(models.Cooperative)
class CooperativeAdmin(GuardedModelAdmin):
    list_display = ("name", "slug", "legal_form", "created_at")
    search_fields = ("name", "slug")


class CollegeWeightInline(admin.TabularInline):
    model = models.CollegeWeight
    extra = 0
    can_delete = False


@admin.register(models.CollegeConfigVersion)
class CollegeConfigVersionAdmin(admin.ModelAdmin):
    list_display = ("cooperative", "number", "created_at", "created_by")
    inlines = [CollegeWeightInline]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # Versions are immutable; a change is a new version made by a service.


class DecisionRulesInline(admin.StackedInline):
    model = models.DecisionRules
    extra = 0
    can_delete = False


@admin.register(models.RulesVersion)
class RulesVersionAdmin(admin.ModelAdmin):
    list_display = ("cooperative", "number", "created_at", "created_by")
    inlines = [DecisionRulesInline]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("member", "cooperative", "category", "college", "status", "started_on")
    list_filter = ("cooperative", "status", "college")
    search_fields = ("member__name",)
    list_select_related = ("member", "cooperative", "category", "college")


for model in (
    models.Category,
    models.College,
    models.CollegeWeight,
    models.DecisionRules,
    models.Member,
    models.Representative,
    models.BoardRole,
    models.Observer,
    models.CooperativeUserPermission,
    models.CooperativeGroupPermission,
):
    admin.site.register(model)
