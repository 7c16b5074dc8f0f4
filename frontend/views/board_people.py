"""Board pages of the people: memberships, representatives, observers, and the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.audit import audit_verify
from core.models import AuditEntry
from core.pagination import count_up_to
from frontend import audit_words
from frontend.forms import (
    EndMembershipForm,
    MoveCollegeForm,
    ObserverForm,
    PersonForm,
    ReasonForm,
)
from frontend.views.common import (
    cooperative_for,
    page_view,
    paginate,
    perform,
    render_coop,
    signed_in,
)
from governance import selectors, services
from governance.models import (
    College,
    Member,
    MemberKind,
    Membership,
    MembershipStatus,
    Observer,
    Representative,
)
from governance.validation import (
    composition_warnings,
)
from onboarding import services as onboarding


def _url(name: str, slug: str, **kwargs: Any) -> str:
    return reverse(f"frontend:{name}", kwargs={"slug": slug, **kwargs})


# Memberships.

MEMBERSHIP_TABS = (
    ("applicant", [MembershipStatus.APPLICANT]),
    ("active", [MembershipStatus.ACTIVE]),
    ("ended", [MembershipStatus.RESIGNED, MembershipStatus.EXCLUDED, MembershipStatus.REFUSED]),
)


@page_view
def members(request: HttpRequest, slug: str) -> HttpResponse:
    """The membership queue: applications to decide, then active and past members."""
    cooperative, role = cooperative_for(request, slug, manage=True)
    tab = request.GET.get("status", "applicant")
    statuses = dict(MEMBERSHIP_TABS).get(tab)
    if statuses is None:
        tab, statuses = "applicant", [MembershipStatus.APPLICANT]
    memberships = selectors.membership_list(cooperative).filter(status__in=statuses)
    query = " ".join(request.GET.get("q", "").split())[:100]
    if query:
        memberships = memberships.filter(
            Q(member__name__icontains=query)
            | Q(member__person__display_name__icontains=query)
            | Q(member__person__username__icontains=query)
            | Q(member__person__email__icontains=query)
            | Q(college__name__icontains=query)
        )
    counts = {
        name: count_up_to(selectors.membership_list_by_status(cooperative).filter(status__in=s))
        for name, s in MEMBERSHIP_TABS
    }
    context = {
        "tab": tab,
        "query": query,
        "found": count_up_to(memberships) if query else None,
        "counts": counts,
        "page": paginate(request, memberships),
        "colleges": selectors.college_list(cooperative),
        "end_form": EndMembershipForm(),
        "warnings": composition_warnings(cooperative),
    }
    return render_coop(
        request, "frontend/board/members.html", cooperative, role, "members", context
    )


def _membership(request: HttpRequest, slug: str, pk: int) -> Membership:
    cooperative, _role = cooperative_for(request, slug, manage=True)
    return get_object_or_404(Membership, cooperative=cooperative, pk=pk)


def _back_to_members(request: HttpRequest, slug: str) -> str:
    tab = request.POST.get("tab", "")
    base = _url("board_members", slug)
    return f"{base}?status={tab}" if tab in dict(MEMBERSHIP_TABS) else base


@page_view
@require_POST
def membership_admit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership = _membership(request, slug, pk)
    return perform(
        request,
        lambda: onboarding.application_accept(actor=signed_in(request), membership=membership),
        success=_("%(name)s is admitted.") % {"name": membership.member.name},
        redirect_to=_back_to_members(request, slug),
    )


@page_view
@require_POST
def membership_refuse(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership = _membership(request, slug, pk)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return perform(
        request,
        lambda: onboarding.application_reject(
            actor=signed_in(request), membership=membership, reason=reason
        ),
        success=_("The application of %(name)s is refused.") % {"name": membership.member.name},
        redirect_to=_back_to_members(request, slug),
    )


@page_view
@require_POST
def membership_move(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership = _membership(request, slug, pk)
    form = MoveCollegeForm(request.POST)
    college = None
    if form.is_valid():
        college = College.objects.filter(
            cooperative_id=membership.cooperative_id, pk=form.cleaned_data["college"]
        ).first()
    if college is None:
        messages.error(request, _("Choose a college of this cooperative."))
        return HttpResponseRedirect(_back_to_members(request, slug))
    return perform(
        request,
        lambda: services.membership_move_college(
            actor=signed_in(request), membership=membership, college=college
        ),
        success=_("%(name)s now votes in the college %(college)s.")
        % {"name": membership.member.name, "college": college.name},
        redirect_to=_back_to_members(request, slug),
    )


@page_view
@require_POST
def membership_end(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    membership = _membership(request, slug, pk)
    form = EndMembershipForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errs in form.errors.values() for e in errs))
        return HttpResponseRedirect(_back_to_members(request, slug))
    values = form.cleaned_data

    def end() -> Any:
        if values["how"] == "excluded":
            return services.membership_exclude(
                actor=signed_in(request),
                membership=membership,
                reason=values["reason"],
                ended_on=values["ended_on"],
            )
        return services.membership_resign(
            actor=signed_in(request),
            membership=membership,
            reason=values["reason"],
            ended_on=values["ended_on"],
        )

    return perform(
        request,
        end,
        success=_("The membership of %(name)s has ended.") % {"name": membership.member.name},
        redirect_to=_back_to_members(request, slug),
    )


# Representatives of legal persons.


@page_view
def representatives(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative, role = cooperative_for(request, slug, manage=True)
    legal = [m for m in selectors.member_list(cooperative) if m.kind == MemberKind.LEGAL]
    context = {"legal_members": legal, "form": PersonForm()}
    return render_coop(
        request,
        "frontend/board/representatives.html",
        cooperative,
        role,
        "representatives",
        context,
    )


@page_view
@require_POST
def representative_designate(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    cooperative, _role = cooperative_for(request, slug, manage=True)
    member = get_object_or_404(Member, cooperative=cooperative, pk=member_id)
    back = _url("board_representatives", slug)
    form = PersonForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors["person"]))
        return HttpResponseRedirect(back)
    person = form.cleaned_data["person"]
    return perform(
        request,
        lambda: services.representative_designate(
            actor=signed_in(request), member=member, person=person
        ),
        success=_("%(person)s now represents %(member)s.")
        % {"person": person, "member": member.name},
        redirect_to=back,
    )


@page_view
@require_POST
def representative_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    cooperative, _role = cooperative_for(request, slug, manage=True)
    representative = get_object_or_404(
        Representative.objects.select_related("member__cooperative", "person"),
        member__cooperative=cooperative,
        pk=pk,
    )
    return perform(
        request,
        lambda: services.representative_revoke(
            actor=signed_in(request), representative=representative
        ),
        success=_("%(person)s no longer represents %(member)s.")
        % {"person": representative.person, "member": representative.member.name},
        redirect_to=_url("board_representatives", slug),
    )


# Observers.


@page_view
def observers(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative, role = cooperative_for(request, slug, manage=True)
    form = ObserverForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        return perform(
            request,
            lambda: services.observer_invite(
                actor=signed_in(request),
                cooperative=cooperative,
                person=form.cleaned_data["person"],
                organisation=form.cleaned_data["organisation"],
            ),
            success=_("%(person)s now observes this cooperative.")
            % {"person": form.cleaned_data["person"]},
            redirect_to=_url("board_observers", slug),
        )
    context = {"observers": selectors.observer_list(cooperative), "form": form}
    return render_coop(
        request,
        "frontend/board/observers.html",
        cooperative,
        role,
        "observers",
        context,
        status=400 if form.errors else 200,
    )


@page_view
@require_POST
def observer_revoke(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    cooperative, _role = cooperative_for(request, slug, manage=True)
    observer = get_object_or_404(
        Observer.objects.select_related("person", "cooperative"), cooperative=cooperative, pk=pk
    )
    return perform(
        request,
        lambda: services.observer_revoke(actor=signed_in(request), observer=observer),
        success=_("%(person)s no longer observes this cooperative.") % {"person": observer.person},
        redirect_to=_url("board_observers", slug),
    )


# Audit log.


@page_view
def audit(request: HttpRequest, slug: str) -> HttpResponse:
    """This cooperative's audit entries told in words, filtered by kind of act and person,
    and, when the reader asks (`verify`), whether the whole hash chain verifies. The check
    reads every entry of every cooperative, so it is not run on each view of each page."""
    cooperative, role = cooperative_for(request, slug, manage=True)
    kind = request.GET.get("kind", "")
    person = " ".join(request.GET.get("person", "").split())[:100]
    entries = audit_words.filtered(
        AuditEntry.objects.filter(cooperative_id=cooperative.pk)
        .select_related("actor")
        .order_by("-id"),
        kind=kind,
        person=person,
    )
    # The pages of the log do not run the check again: it is asked for once.
    page = paginate(request, entries, forget=("verify",))
    context = {
        "page": page,
        "lines": audit_words.describe(page.object_list),
        "verification": audit_verify() if request.GET.get("verify") else None,
        "kinds": audit_words.kind_choices(),
        "kind": kind if kind in audit_words.KINDS else "",
        "person": person,
    }
    return render_coop(request, "frontend/board/audit.html", cooperative, role, "audit", context)
