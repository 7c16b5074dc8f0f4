"""Django admin for operators.

Records that decide who may do what (memberships, board seats, representatives,
observers, and the grants derived from them) are shown read-only; every change to them
is an admin action that calls the same service as the API and the board's pages, so
the grants, the audit log, the webhooks and the open sockets follow. The versioned
configurations are read-only too: a change is a new version made by a service.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.admin import UserAdmin
from django.db import transaction
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError
from governance import models, services


@admin.register(models.Person)
class PersonAdmin(UserAdmin[models.Person]):
    fieldsets = (*UserAdmin.fieldsets, ("Collegia", {"fields": ("display_name",)}))  # type: ignore[misc]
    list_display = ("username", "display_name", "email", "is_staff")


@admin.register(models.Cooperative)
class CooperativeAdmin(admin.ModelAdmin[models.Cooperative]):
    """No per-object permission editor: grants come from the records, through services,
    which the actions below call."""

    list_display = ("name", "slug", "legal_form", "created_at")
    search_fields = ("name", "slug")
    actions = ["grant_board_seat", "invite_observer"]

    @admin.action(description=gettext_lazy("Give a board seat in the selected cooperatives"))
    def grant_board_seat(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponse | None:
        return run_service_action(
            self,
            request,
            queryset,
            form=BoardSeatForm(_posted(request)),
            title=_("Give a board seat in the selected cooperatives"),
            perform=lambda c, d: services.board_role_grant(
                actor=_operator(request),
                cooperative=c,
                person=d["person"],
                role=d["role"],
                term_ends_on=d["term_ends_on"],
            ),
        )

    @admin.action(description=gettext_lazy("Invite an observer to the selected cooperatives"))
    def invite_observer(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        return run_service_action(
            self,
            request,
            queryset,
            form=ObserverForm(_posted(request)),
            title=_("Invite an observer to the selected cooperatives"),
            perform=lambda c, d: services.observer_invite(
                actor=_operator(request),
                cooperative=c,
                person=d["person"],
                organisation=d["organisation"],
            ),
        )


class CollegeWeightInline(admin.TabularInline[models.CollegeWeight, models.CollegeConfigVersion]):
    model = models.CollegeWeight
    extra = 0
    can_delete = False


@admin.register(models.CollegeConfigVersion)
class CollegeConfigVersionAdmin(admin.ModelAdmin[models.CollegeConfigVersion]):
    list_display = ("cooperative", "number", "created_at", "created_by")
    inlines = [CollegeWeightInline]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False  # Versions are immutable; a change is a new version made by a service.


class DecisionRulesInline(admin.StackedInline[models.DecisionRules, models.RulesVersion]):
    model = models.DecisionRules
    extra = 0
    can_delete = False


@admin.register(models.RulesVersion)
class RulesVersionAdmin(admin.ModelAdmin[models.RulesVersion]):
    list_display = ("cooperative", "number", "created_at", "created_by")
    inlines = [DecisionRulesInline]

    def has_change_permission(self, request, obj=None):  # type: ignore[no-untyped-def]
        return False


# Access records: read-only, changed by actions that call the services.


class ServiceActionAdmin(admin.ModelAdmin[Any]):
    """Shows records read-only; they change only through the actions below."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300, required=False)


class RequiredReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=300)


class CollegeForm(forms.Form):
    college = forms.ModelChoiceField(
        label=gettext_lazy("College"), queryset=models.College.objects.none()
    )

    def __init__(self, *args: Any, cooperative_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["college"]
        field.queryset = models.College.objects.filter(
            cooperative_id__in=cooperative_ids, is_active=True
        ).select_related("cooperative")


class PersonField(forms.CharField):
    """A person by user name (a list of every account would not scale)."""

    def clean(self, value: Any) -> Any:
        username = super().clean(value)
        person = models.Person.objects.filter(username=username).first()
        if person is None:
            raise forms.ValidationError(_("No account has this user name."))
        return person


class BoardSeatForm(forms.Form):
    person = PersonField(label=gettext_lazy("User name"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=models.BoardRoleKind.choices)
    term_ends_on = forms.DateField(
        label=gettext_lazy("Term ends on (six years by default)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class ObserverForm(forms.Form):
    person = PersonField(label=gettext_lazy("User name"))
    organisation = forms.CharField(
        label=gettext_lazy("Organisation"), max_length=200, required=False
    )


class PersonForm(forms.Form):
    person = PersonField(label=gettext_lazy("User name"))


class TermForm(forms.Form):
    term_ends_on = forms.DateField(
        label=gettext_lazy("New term ends on"), widget=forms.DateInput(attrs={"type": "date"})
    )


def run_service_action(
    modeladmin: admin.ModelAdmin[Any],
    request: HttpRequest,
    queryset: QuerySet[Any],
    *,
    perform: Callable[[Any, dict[str, Any]], Any],
    form: forms.Form | None = None,
    title: str = "",
) -> HttpResponse | None:
    """Call `perform(record, cleaned_data)` for each selected record, each in its own
    transaction, as the signed-in operator; report each refusal by its domain message.
    With a form, first show it (the selection carried along) until it is valid."""
    if form is not None and ("apply" not in request.POST or not form.is_valid()):
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "records": list(queryset),
            "action": request.POST.get("action", ""),
            "selected": request.POST.getlist(ACTION_CHECKBOX_NAME),
            "opts": modeladmin.model._meta,
        }
        return TemplateResponse(request, "admin/governance/service_action.html", context)
    data = form.cleaned_data if form is not None else {}
    done = 0
    for record in queryset:
        try:
            with transaction.atomic():
                perform(record, data)
        except DomainError as exc:
            modeladmin.message_user(request, f"{record}: {exc.message}", messages.ERROR)
        else:
            done += 1
    if done:
        modeladmin.message_user(
            request, _("%(n)d record(s) changed.") % {"n": done}, messages.SUCCESS
        )
    return None


def _operator(request: HttpRequest) -> models.Person:
    """The signed-in operator, who acts (and is audited) as the services' actor."""
    return cast(models.Person, request.user)


def _posted(request: HttpRequest) -> Any:
    return request.POST if "apply" in request.POST else None


@admin.register(models.Membership)
class MembershipAdmin(ServiceActionAdmin):
    list_display = ("member", "cooperative", "category", "college", "status", "started_on")
    list_filter = ("cooperative", "status", "college")
    search_fields = ("member__name",)
    list_select_related = ("member", "cooperative", "category", "college")
    actions = ["admit", "refuse", "resign", "exclude_members", "move_college"]

    @admin.action(description=gettext_lazy("Admit the selected applications"))
    def admit(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        return run_service_action(
            self,
            request,
            queryset,
            perform=lambda m, _d: services.membership_admit(actor=_operator(request), membership=m),
        )

    @admin.action(description=gettext_lazy("Refuse the selected applications"))
    def refuse(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        return run_service_action(
            self,
            request,
            queryset,
            form=ReasonForm(_posted(request)),
            title=_("Refuse the selected applications"),
            perform=lambda m, d: services.membership_refuse(
                actor=_operator(request), membership=m, reason=d["reason"]
            ),
        )

    @admin.action(description=gettext_lazy("Record the resignation of the selected members"))
    def resign(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        return run_service_action(
            self,
            request,
            queryset,
            form=ReasonForm(_posted(request)),
            title=_("Record the resignation of the selected members"),
            perform=lambda m, d: services.membership_resign(
                actor=_operator(request), membership=m, reason=d["reason"]
            ),
        )

    @admin.action(description=gettext_lazy("Exclude the selected members"))
    def exclude_members(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        return run_service_action(
            self,
            request,
            queryset,
            form=RequiredReasonForm(_posted(request)),
            title=_("Exclude the selected members"),
            perform=lambda m, d: services.membership_exclude(
                actor=_operator(request), membership=m, reason=d["reason"]
            ),
        )

    @admin.action(description=gettext_lazy("Move the selected members to another college"))
    def move_college(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        cooperative_ids = sorted(set(queryset.values_list("cooperative_id", flat=True)))
        return run_service_action(
            self,
            request,
            queryset,
            form=CollegeForm(_posted(request), cooperative_ids=cooperative_ids),
            title=_("Move the selected members to another college"),
            perform=lambda m, d: services.membership_move_college(
                actor=_operator(request), membership=m, college=d["college"]
            ),
        )


@admin.register(models.BoardRole)
class BoardRoleAdmin(ServiceActionAdmin):
    list_display = ("person", "cooperative", "role", "started_on", "term_ends_on", "revoked_at")
    list_filter = ("cooperative", "role")
    list_select_related = ("person", "cooperative")
    actions = ["revoke", "renew"]

    @admin.action(description=gettext_lazy("End the selected board seats"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        return run_service_action(
            self,
            request,
            queryset,
            perform=lambda r, _d: services.board_role_revoke(
                actor=_operator(request), board_role=r
            ),
        )

    @admin.action(description=gettext_lazy("Renew the selected board seats"))
    def renew(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        return run_service_action(
            self,
            request,
            queryset,
            form=TermForm(_posted(request)),
            title=_("Renew the selected board seats"),
            perform=lambda r, d: services.board_role_renew(
                actor=_operator(request), board_role=r, term_ends_on=d["term_ends_on"]
            ),
        )


@admin.register(models.Representative)
class RepresentativeAdmin(ServiceActionAdmin):
    list_display = ("person", "member", "designated_at", "revoked_at")
    list_select_related = ("person", "member")
    actions = ["revoke"]

    @admin.action(description=gettext_lazy("End the selected designations"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        return run_service_action(
            self,
            request,
            queryset.select_related("member__cooperative"),
            perform=lambda r, _d: services.representative_revoke(
                actor=_operator(request), representative=r
            ),
        )


@admin.register(models.Observer)
class ObserverAdmin(ServiceActionAdmin):
    list_display = ("person", "cooperative", "organisation", "invited_at", "revoked_at")
    list_filter = ("cooperative",)
    list_select_related = ("person", "cooperative")
    actions = ["revoke"]

    @admin.action(description=gettext_lazy("Remove the selected observers"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[Any]) -> HttpResponse | None:
        return run_service_action(
            self,
            request,
            queryset,
            perform=lambda o, _d: services.observer_revoke(actor=_operator(request), observer=o),
        )


@admin.register(models.Member)
class MemberAdmin(admin.ModelAdmin[models.Member]):
    """A member's name may be corrected; who it is (and so who acts for it) may not."""

    list_display = ("name", "cooperative", "kind", "organisation_type", "person")
    list_filter = ("cooperative", "kind")
    search_fields = ("name",)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        return ("cooperative", "kind", "person", "created_at")

    actions = ["designate_representative"]

    @admin.action(description=gettext_lazy("Designate a representative of the selected members"))
    def designate_representative(
        self, request: HttpRequest, queryset: QuerySet[Any]
    ) -> HttpResponse | None:
        return run_service_action(
            self,
            request,
            queryset.select_related("cooperative"),
            form=PersonForm(_posted(request)),
            title=_("Designate a representative of the selected members"),
            perform=lambda m, d: services.representative_designate(
                actor=_operator(request), member=m, person=d["person"]
            ),
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # Members come from applications (membership_apply).

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(models.CooperativeUserPermission, models.CooperativeGroupPermission)
class GrantAdmin(ServiceActionAdmin):
    """The grants are derived from the records above; shown for inspection only."""

    list_display = ("content_object", "permission", "__str__")
    list_select_related = ("content_object", "permission")


for model in (models.Category, models.College, models.CollegeWeight, models.DecisionRules):
    admin.site.register(model)
