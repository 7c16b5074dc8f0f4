"""Member pages: the list of one's cooperatives, a cooperative's home, one's organisations."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse

from core.notifications import notification_mark_read
from core.pagination import count_up_to
from deliberation.selectors import notification_list
from frontend import selectors as page_selectors
from frontend.selectors.agenda import todo_list
from frontend.views.common import cooperative_for, page_view, paginate, render_coop, signed_in
from governance import selectors
from governance.validation import composition_warnings


def home(request: HttpRequest) -> HttpResponse:
    """Signed out: what Collegia is; signed in: what waits for the person ("To do"), then
    the cooperatives they take part in."""
    signed = request.user.is_authenticated
    entries = page_selectors.cooperatives_with_roles(request.user) if signed else []
    todo = todo_list(signed_in(request)) if signed else []
    return render(request, "frontend/home.html", {"entries": entries, "todo": todo, "nav": "home"})


@page_view
def cooperative_home(request: HttpRequest, slug: str) -> HttpResponse:
    cooperative, role = cooperative_for(request, slug)
    version = selectors.college_config_current(cooperative)
    context = {
        "college_version": version,
        "weights": list(version.weights.all()) if version else [],
        "warnings": composition_warnings(cooperative) if role.is_board else [],
        "acting_for": selectors.members_acting_person(cooperative, request.user),
        "members_count": count_up_to(selectors.active_roll(cooperative)),
        **page_selectors.cooperative_dashboard(request.user, cooperative, role),
    }
    return render_coop(request, "frontend/cooperative.html", cooperative, role, "home", context)


@page_view
def territory(request: HttpRequest) -> HttpResponse:
    """A representative's view: the cooperatives their organisation takes part in or observes."""
    rows = page_selectors.representations_of(signed_in(request))
    return render(request, "frontend/territory.html", {"rows": rows, "nav": "territory"})


@page_view
def notifications(request: HttpRequest) -> HttpResponse:
    """One's notices (mentions, amendments, stopped webhooks); opening a notice marks it read."""
    if request.method == "POST":
        ids = [int(v) for v in request.POST.getlist("id") if v.isdigit()][:200]
        with transaction.atomic(durable=True):
            notification_mark_read(person=signed_in(request), ids=ids)
        target = request.POST.get("next", "")
        if target.startswith("/") and not target.startswith("//"):
            return HttpResponseRedirect(target)
        return HttpResponseRedirect(reverse("frontend:notifications"))
    page = paginate(request, notification_list(signed_in(request)))
    return render(request, "frontend/notifications.html", {"page": page, "nav": "notifications"})


@page_view
def person(request: HttpRequest, username: str) -> HttpResponse:
    """Who an @mention names: the person's name and what they are in the cooperatives the
    reader can read (college, organisation represented, board seat, observer)."""
    from django.http import Http404

    from governance.models import BoardRole, Membership, Observer, Person, Representative
    from governance.permissions import cooperative_roles

    shown = Person.objects.filter(username=username, is_active=True).first()
    readable = [pk for pk, role in cooperative_roles(request.user).items() if role.can_read]
    if shown is None or not readable:
        raise Http404()
    memberships = list(
        Membership.objects.filter(
            cooperative_id__in=readable, member__person=shown, status="active"
        ).select_related("cooperative", "college")
    )
    represented = list(
        Representative.objects.filter(
            person=shown, revoked_at__isnull=True, member__cooperative_id__in=readable
        ).select_related("member", "member__cooperative")
    )
    seats = list(
        BoardRole.objects.sitting()
        .filter(person=shown, cooperative_id__in=readable)
        .select_related("cooperative")
    )
    observing = list(
        Observer.objects.filter(
            person=shown, revoked_at__isnull=True, cooperative_id__in=readable
        ).select_related("cooperative")
    )
    if not (memberships or represented or seats or observing):
        raise Http404()
    context = {
        "shown": shown,
        "memberships": memberships,
        "represented": represented,
        "seats": seats,
        "observing": observing,
    }
    return render(request, "frontend/person.html", context)
