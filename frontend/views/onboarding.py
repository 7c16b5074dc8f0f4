"""Onboarding pages: the board's invitations and import, the invitation link, applying."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.contrib import messages
from django.contrib.auth import login
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError
from frontend.views.common import (
    cooperative_for,
    page_view,
    perform,
    refusal,
    render_coop,
    signed_in,
)
from governance.models import (
    Category,
    College,
    Cooperative,
    Member,
    MemberKind,
    MembershipStatus,
    OrganisationType,
)
from onboarding import selectors, services
from onboarding.adapters import APPLY_SESSION_KEY
from onboarding.errors import InvitationInvalid
from onboarding.models import Invitation
from onboarding.ratelimit import invitation_rate_hit


def _url(name: str, slug: str, **kwargs: Any) -> str:
    return reverse(f"frontend:{name}", kwargs={"slug": slug, **kwargs})


def _college_of(cooperative: Cooperative, value: str) -> College | None:
    """The cooperative's college chosen in a form, or None when none was chosen."""
    if not value:
        return None
    return College.objects.filter(cooperative=cooperative, pk=int(value)).first()


class AssociateForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    kind = forms.ChoiceField(label=gettext_lazy("Kind of person"), choices=MemberKind.choices)
    organisation_type = forms.ChoiceField(
        label=gettext_lazy("Kind of organisation (legal person)"),
        choices=[("", "—"), *OrganisationType.choices],
        required=False,
    )
    college = forms.ChoiceField(label=gettext_lazy("College"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"))
    shares = forms.IntegerField(label=gettext_lazy("Shares"), min_value=0, initial=0)

    def __init__(self, *args: Any, cooperative: Cooperative, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["college"]).choices = [("", "—")] + [
            (c.pk, c.name) for c in College.objects.filter(cooperative=cooperative, is_active=True)
        ]
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            (c.pk, c.name) for c in Category.objects.filter(cooperative=cooperative)
        ]


class DesignateForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    name = forms.CharField(
        label=gettext_lazy("Name (if the person has no account yet)"),
        max_length=150,
        required=False,
    )
    target = forms.CharField(required=False)


class SettingsForm(forms.Form):
    applications_open = forms.BooleanField(
        label=gettext_lazy("Applications are open (public page)"), required=False
    )
    admission_by_vote = forms.BooleanField(
        label=gettext_lazy("The statutes require a vote of admission"), required=False
    )
    board_requires_mfa = forms.BooleanField(
        label=gettext_lazy("Board members must use two-factor authentication"), required=False
    )


class ImportForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file (UTF-8)"))


@page_view
def board_onboarding(request: HttpRequest, slug: str) -> HttpResponse:
    """The board brings people in: settings, add an associate, invitations, CSV import."""
    cooperative, role = cooperative_for(request, slug, manage=True)
    actor = signed_in(request)
    here = _url("board_onboarding", slug)
    form = AssociateForm(cooperative=cooperative)
    preview = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "settings":
            values = SettingsForm(request.POST)
            values.is_valid()
            return perform(
                request,
                lambda: services.cooperative_onboarding_configure(
                    actor=actor, cooperative=cooperative, **values.cleaned_data
                ),
                success=_("The settings are saved."),
                redirect_to=here,
            )
        if action == "add":
            form = AssociateForm(request.POST, cooperative=cooperative)
            if form.is_valid():
                values_ = form.cleaned_data
                spec = services.AssociateSpec(
                    name=values_["name"],
                    email=values_["email"],
                    kind=values_["kind"],
                    organisation_type=values_["organisation_type"],
                    college=_college_of(cooperative, values_["college"]),
                    category=Category.objects.filter(
                        cooperative=cooperative, pk=values_["category"]
                    ).first(),
                    shares=values_["shares"],
                )
                try:
                    invitation_rate_hit(person_id=actor.pk)
                    with transaction.atomic(durable=True):
                        services.associate_add(actor=actor, cooperative=cooperative, spec=spec)
                except DomainError as exc:
                    form.add_error(None, exc.message)
                else:
                    messages.success(
                        request,
                        _("%(name)s is added; an e-mail went to %(email)s.")
                        % {"name": spec.name, "email": spec.email},
                    )
                    return HttpResponseRedirect(here)
        if action == "import":
            upload = ImportForm(request.POST, request.FILES)
            if not upload.is_valid():
                messages.error(request, _("Choose a CSV file."))
                return HttpResponseRedirect(here)
            try:
                preview = services.associates_import_preview(
                    actor=actor, cooperative=cooperative, data=upload.cleaned_data["file"].read()
                )
            except DomainError as exc:
                return refusal(request, exc, redirect_to=here)
        if action == "import_confirm":
            try:
                invitation_rate_hit(person_id=actor.pk)
                with transaction.atomic(durable=True):
                    created = services.associates_import_confirm(
                        actor=actor,
                        cooperative=cooperative,
                        confirmation=request.POST.get("confirmation", ""),
                    )
            except DomainError as exc:
                lines = exc.details.get("errors") or []
                message = exc.message + "".join(
                    f" {_('Line')} {e['line']}: {e['message']}" for e in lines
                )
                messages.error(request, message)
                return HttpResponseRedirect(here)
            messages.success(
                request, _("%(n)d associates are imported and invited.") % {"n": len(created)}
            )
            return HttpResponseRedirect(here)
    context = {
        "form": form,
        "settings_form": SettingsForm(
            initial={
                "applications_open": cooperative.applications_open,
                "admission_by_vote": cooperative.admission_by_vote,
                "board_requires_mfa": cooperative.board_requires_mfa,
            }
        ),
        "import_form": ImportForm(),
        "preview": preview,
        "invitations": list(selectors.invitation_list(cooperative)[:200]),
        "legal_members": Member.objects.filter(
            cooperative=cooperative,
            kind=MemberKind.LEGAL,
            memberships__status__in=[MembershipStatus.ACTIVE, MembershipStatus.APPLICANT],
        ).distinct(),
        "designate_form": DesignateForm(),
        "apply_url": request.build_absolute_uri(_url("apply", slug)),
    }
    return render_coop(
        request, "frontend/board/onboarding.html", cooperative, role, "onboarding", context
    )


@page_view
@require_POST
def invitation_act(request: HttpRequest, slug: str, pk: int, action: str) -> HttpResponse:
    cooperative, _role = cooperative_for(request, slug, manage=True)
    invitation = get_object_or_404(Invitation, cooperative=cooperative, pk=pk)
    actor = signed_in(request)
    here = _url("board_onboarding", slug)
    if action == "resend":

        def resend() -> Any:
            invitation_rate_hit(person_id=actor.pk)
            return services.invitation_resend(actor=actor, invitation=invitation)

        return perform(
            request,
            resend,
            success=_("The invitation is sent again to %(email)s.") % {"email": invitation.email},
            redirect_to=here,
        )
    if action == "revoke":
        return perform(
            request,
            lambda: services.invitation_revoke(actor=actor, invitation=invitation),
            success=_("The invitation of %(email)s is revoked.") % {"email": invitation.email},
            redirect_to=here,
        )
    raise Http404()


@page_view
@require_POST
def designate_by_email(request: HttpRequest, slug: str, what: str) -> HttpResponse:
    """A representative of a legal person, or an observer, designated by e-mail."""
    cooperative, _role = cooperative_for(request, slug, manage=True)
    actor = signed_in(request)
    here = _url("board_onboarding", slug)
    form = DesignateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Enter a valid e-mail address."))
        return HttpResponseRedirect(here)
    values = form.cleaned_data
    if what == "representative":
        member = get_object_or_404(
            Member, cooperative=cooperative, kind=MemberKind.LEGAL, pk=values["target"] or 0
        )

        def act() -> Any:
            invitation_rate_hit(person_id=actor.pk)
            return services.representative_invite(
                actor=actor, member=member, email=values["email"], name=values["name"]
            )

    elif what == "observer":

        def act() -> Any:
            invitation_rate_hit(person_id=actor.pk)
            return services.observer_invite_by_email(
                actor=actor,
                cooperative=cooperative,
                email=values["email"],
                name=values["name"],
                organisation=values["target"],
            )

    else:
        raise Http404()
    return perform(
        request,
        act,
        success=_("%(email)s is designated and told by e-mail.") % {"email": values["email"]},
        redirect_to=here,
    )


class ChoosePasswordForm(forms.Form):
    password1 = forms.CharField(
        label=gettext_lazy("Password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=gettext_lazy("Password (again)"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        if cleaned.get("password1") != cleaned.get("password2"):
            raise forms.ValidationError(_("The two passwords differ."))
        return cleaned


def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link of an invitation: choose a password, then be signed in. An unknown,
    expired, revoked or used link says which, with status 410."""
    try:
        invitation = services.invitation_for_token(token)
    except InvitationInvalid as exc:
        return render(
            request,
            "frontend/invitation.html",
            {"error": exc.message, "code": exc.code},
            status=exc.http_status,
        )
    form = ChoosePasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic(durable=True):
                person = services.invitation_accept(
                    token=token, password=form.cleaned_data["password1"]
                )
        except InvitationInvalid as exc:
            return render(
                request,
                "frontend/invitation.html",
                {"error": exc.message, "code": exc.code},
                status=exc.http_status,
            )
        except DomainError as exc:
            form.add_error("password1", exc.message)
        else:
            login(request, person, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request,
                _(
                    "Welcome! Your password is set; you can sign in with %(username)s or your "
                    "e-mail."
                )
                % {"username": person.username},
            )
            return HttpResponseRedirect(
                reverse("frontend:cooperative", kwargs={"slug": invitation.cooperative.slug})
            )
    return render(request, "frontend/invitation.html", {"invitation": invitation, "form": form})


class ApplyForm(forms.Form):
    college = forms.ChoiceField(label=gettext_lazy("College"), required=False)
    category = forms.ChoiceField(label=gettext_lazy("Category"))
    message = forms.CharField(
        label=gettext_lazy("A word for the board"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
        required=False,
    )

    def __init__(self, *args: Any, cooperative: Cooperative, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        colleges = list(College.objects.filter(cooperative=cooperative, is_active=True))
        choices: list[tuple[Any, str]] = [(c.pk, c.name) for c in colleges] or [("", "—")]
        cast(forms.ChoiceField, self.fields["college"]).choices = choices
        self.fields["college"].required = bool(colleges)
        cast(forms.ChoiceField, self.fields["category"]).choices = [
            (c.pk, c.name) for c in Category.objects.filter(cooperative=cooperative)
        ]


def apply(request: HttpRequest, slug: str) -> HttpResponse:
    """The cooperative's public page for candidates, while the board takes applications."""
    cooperative = get_object_or_404(Cooperative, slug=slug)
    context: dict[str, Any] = {"cooperative": cooperative}
    if not cooperative.applications_open:
        return render(request, "frontend/apply.html", {**context, "closed": True})
    if not request.user.is_authenticated:
        # allauth opens sign-up to people coming from this page (onboarding.adapters).
        request.session[APPLY_SESSION_KEY] = cooperative.slug
        return render(request, "frontend/apply.html", context)
    person = signed_in(request)
    form = ApplyForm(request.POST or None, cooperative=cooperative)
    context.update(form=form, verified=services.email_verified(person))
    existing = person.applications.filter(cooperative=cooperative).order_by("-filed_at").first()
    context["existing"] = existing
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        try:
            with transaction.atomic(durable=True):
                services.application_file(
                    actor=person,
                    cooperative=cooperative,
                    category=get_object_or_404(
                        Category, cooperative=cooperative, pk=values["category"]
                    ),
                    college=_college_of(cooperative, values["college"]),
                    message=values["message"],
                )
        except DomainError as exc:
            form.add_error(None, exc.message)
        else:
            request.session.pop(APPLY_SESSION_KEY, None)
            messages.success(
                request,
                _(
                    "Your application is filed. The board will decide, and you will be told by "
                    "e-mail."
                ),
            )
            return HttpResponseRedirect(_url("apply", slug))
    return render(request, "frontend/apply.html", context)
