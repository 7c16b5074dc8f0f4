"""Admin views of assemblies: read-only, since every change goes through the audited services."""

from django.contrib import admin

from assemblies.models import (
    AgendaItem,
    Assembly,
    AssemblyCall,
    AssemblyProxy,
    Attendance,
    AttendanceIntent,
    Convocation,
    Minutes,
    MinutesSignature,
    PostalVote,
)


class CallInline(admin.TabularInline):
    model = AssemblyCall
    extra = 0
    can_delete = False
    fields = ("number", "scheduled_at", "place", "status", "convened_at", "quorum_reached")
    readonly_fields = fields


class ItemInline(admin.TabularInline):
    model = AgendaItem
    extra = 0
    can_delete = False
    fields = ("position", "kind", "title", "status")
    readonly_fields = fields


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):  # type: ignore[no-untyped-def]
        return False

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False

    def has_delete_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


@admin.register(Assembly)
class AssemblyAdmin(ReadOnlyAdmin):
    list_display = ("id", "cooperative", "kind", "title", "status", "current_call")
    list_filter = ("kind", "status")
    search_fields = ("title",)
    inlines = [CallInline, ItemInline]


@admin.register(Convocation)
class ConvocationAdmin(ReadOnlyAdmin):
    list_display = ("id", "call", "member", "person", "channel", "status", "sent_at")
    list_filter = ("channel", "status")


@admin.register(AssemblyProxy)
class AssemblyProxyAdmin(ReadOnlyAdmin):
    list_display = ("id", "assembly", "principal", "holder", "created_at", "revoked_at")


@admin.register(PostalVote)
class PostalVoteAdmin(ReadOnlyAdmin):
    list_display = ("id", "assembly", "resolution", "member", "received_at", "counted_at")
    exclude = ("choice",)


@admin.register(Attendance)
class AttendanceAdmin(ReadOnlyAdmin):
    list_display = ("id", "call", "member", "mode", "checked_in_at", "checked_out_at")


@admin.register(Minutes)
class MinutesAdmin(ReadOnlyAdmin):
    list_display = ("assembly", "generated_at", "pdf_sha256", "audit_hash", "signed_at")
    exclude = ("pdf", "html", "signed_pdf")


@admin.register(MinutesSignature)
class MinutesSignatureAdmin(ReadOnlyAdmin):
    list_display = ("minutes", "role", "person", "signed_at", "audit_hash")


@admin.register(AttendanceIntent)
class AttendanceIntentAdmin(ReadOnlyAdmin):
    list_display = ("assembly", "member", "mode", "declared_at")
