"""Assembly pages of the members: the assembly, proxies, postal votes, the booth, minutes."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assemblies import services
from assemblies.models import (
    AssemblyProxy,
    AssemblyStatus,
    Attendance,
    ItemKind,
    Minutes,
)
from assemblies.permissions import access_assembly, access_booth_resolution
from assemblies.room import room_last_seq
from assemblies.selectors import resolutions_of
from core.errors import NotFound
from frontend.selectors import assemblies as page_selectors
from frontend.selectors.agenda import mark_assemblies
from frontend.views.assembly_board import assembly_create_form
from frontend.views.common import (
    assembly_url,
    cooperative_for,
    form_refusal,
    optional_id,
    page_view,
    perform,
    render_coop,
    signed_in,
)
from voting.models import ResolutionChoice

# How long a calendar entry of an assembly lasts when nothing else is known.


@page_view
def assembly_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The assemblies of a cooperative; the board creates one here (see assembly_board)."""
    cooperative, role = cooperative_for(request, slug)
    if request.method == "POST":
        return assembly_create_form(request, slug)
    assemblies = page_selectors.assembly_list(request.user, cooperative)
    mark_assemblies(request.user, cooperative, assemblies)
    context = {
        "assemblies": assemblies,
        "can_manage": role.is_board,
        "notice": page_selectors.notice_rules(cooperative) if role.is_board else [],
    }
    return render_coop(
        request, "frontend/assemblies/list.html", cooperative, role, "assemblies", context
    )


@page_view
def assembly_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assembly, role = access_assembly(request.user, pk)
    context = page_selectors.assembly_page(signed_in(request), assembly, role)
    query = request.GET.get("holder", "")
    context["holder_query"] = query[:100]
    context["holders"] = page_selectors.holder_search(
        assembly, request.user, query, exclude={m["member"].pk for m in context["members"]}
    )
    context["last_seq"] = room_last_seq(assembly.pk)
    context["booth"] = page_selectors.booth_part(request.user, assembly, role)
    return render_coop(
        request,
        "frontend/assemblies/detail.html",
        assembly.cooperative,
        role,
        "assemblies",
        context,
    )


LIVE_PARTS = {
    "booth": "frontend/assemblies/_booth.html",
    "quorum": "frontend/assemblies/_quorum.html",
    "screen": "frontend/assemblies/_screen.html",
    "agenda": "frontend/assemblies/_agenda_live.html",
}


@page_view
def assembly_live_part(request: HttpRequest, pk: int, part: str) -> HttpResponse:
    """One piece of an assembly page, rendered again after a room event."""
    assembly, role = access_assembly(request.user, pk)
    if part not in LIVE_PARTS:
        raise Http404()
    context: dict[str, Any] = {"assembly": assembly, "role": role, "coop": assembly.cooperative}
    if part == "booth":
        context["booth"] = page_selectors.booth_part(request.user, assembly, role)
    elif part == "quorum":
        context["quorum"] = page_selectors.quorum_view(assembly)
    elif part == "screen":
        context.update(page_selectors.screen_part(assembly))
    else:
        context["items"] = page_selectors.assembly_page(signed_in(request), assembly, role)["items"]
        context["controls"] = role.is_board and request.GET.get("controls") == "1"
    return HttpResponse(render_to_string(LIVE_PARTS[part], context, request=request))


@page_view
def assembly_calendar(request: HttpRequest, pk: int) -> HttpResponse:
    """The convened calls as an iCalendar file, for the member's own calendar."""
    from frontend.calendars import assembly_events, new_calendar, to_ics

    assembly, _role = access_assembly(request.user, pk)
    body = to_ics(new_calendar(assembly.title), assembly_events(assembly))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="assembly-{assembly.pk}.ics"'
    return response


@page_view
@require_POST
def assembly_proxy_give(request: HttpRequest, pk: int) -> HttpResponse:
    assembly, _role = access_assembly(request.user, pk)
    back = assembly_url(pk) + "#proxy"
    no_holder = request.POST.get("holder") == "none"
    holder = None if no_holder else optional_id(request.POST, "holder")
    if holder is None and not no_holder:
        return form_refusal(request, _("Choose who will hold your proxy."), redirect_to=back)
    return perform(
        request,
        lambda: services.assembly_proxy_give(
            actor=signed_in(request),
            assembly=assembly,
            holder_id=holder,
            principal_id=optional_id(request.POST, "member_id"),
        ),
        success=_("Your proxy is given. You may revoke it until the meeting opens."),
        redirect_to=back,
    )


@page_view
@require_POST
def assembly_proxy_revoke(request: HttpRequest, pk: int, proxy_id: int) -> HttpResponse:
    assembly, _role = access_assembly(request.user, pk)
    proxy = AssemblyProxy.objects.filter(assembly=assembly, pk=proxy_id).first()
    if proxy is None:
        raise NotFound()
    return perform(
        request,
        lambda: services.assembly_proxy_revoke(actor=signed_in(request), proxy=proxy),
        success=_("Your proxy is revoked."),
        redirect_to=assembly_url(pk) + "#proxy",
    )


@page_view
@require_POST
def assembly_postal_vote(request: HttpRequest, pk: int) -> HttpResponse:
    """The postal voting form: one answer per resolution; unanswered ones are left out."""
    assembly, _role = access_assembly(request.user, pk)
    back = assembly_url(pk) + "#postal"
    ballots: dict[int, str] = {}
    for resolution in resolutions_of(assembly):
        if resolution.item.kind == ItemKind.INFORMATION:
            continue
        choice = request.POST.get(f"r{resolution.pk}", "")
        if choice in ResolutionChoice.values:
            ballots[resolution.pk] = choice
    return perform(
        request,
        lambda: services.postal_vote_submit(
            actor=signed_in(request),
            assembly=assembly,
            ballots=ballots,
            member_id=optional_id(request.POST, "member_id"),
        ),
        success=_("Your postal vote is recorded. It counts when each resolution opens."),
        redirect_to=back,
    )


@page_view
@require_POST
def assembly_intent(request: HttpRequest, pk: int) -> HttpResponse:
    """A member says how they will attend; the desk sees the counts."""
    assembly, _role = access_assembly(request.user, pk)
    return perform(
        request,
        lambda: services.attendance_intent_declare(
            actor=signed_in(request),
            assembly=assembly,
            mode=request.POST.get("mode", ""),
            member_id=optional_id(request.POST, "member_id"),
        ),
        success=_("Thank you: the desk knows how you will attend."),
        redirect_to=assembly_url(pk) + "#participation",
    )


@page_view
@require_POST
def assembly_attend(request: HttpRequest, pk: int) -> HttpResponse:
    """A member signs in remotely on the day (presence in the room is taken at the desk)."""
    assembly, _role = access_assembly(request.user, pk)
    return perform(
        request,
        lambda: services.attendance_check_in(
            actor=signed_in(request),
            assembly=assembly,
            mode="remote",
            member_id=optional_id(request.POST, "member_id"),
        ),
        success=_("You are signed in remotely. The booth opens here with each point."),
        redirect_to=assembly_url(pk) + "#booth",
    )


@page_view
@require_POST
def assembly_leave(request: HttpRequest, pk: int, attendance_id: int) -> HttpResponse:
    assembly, _role = access_assembly(request.user, pk)
    attendance = Attendance.objects.filter(call__assembly=assembly, pk=attendance_id).first()
    if attendance is None:
        raise NotFound()
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = assembly_url(pk)
    return perform(
        request,
        lambda: services.attendance_check_out(actor=signed_in(request), attendance=attendance),
        success=_("The departure is recorded."),
        redirect_to=back,
    )


@page_view
@require_POST
def assembly_ballot(request: HttpRequest, pk: int, resolution_id: int) -> HttpResponse:
    """Cast in the assembly's booth, in person or as a proxy holder."""
    assembly, resolution, role = access_booth_resolution(request.user, pk, resolution_id)
    back = assembly_url(pk) + "#booth"
    choice = request.POST.get("choice", "")
    if not choice:
        return form_refusal(request, _("Choose an answer before voting."), redirect_to=back)
    cast: list[Any] = []
    response = perform(
        request,
        lambda: cast.append(
            services.assembly_ballot_cast(
                actor=signed_in(request),
                resolution=resolution,
                choice=choice,
                member_id=optional_id(request.POST, "member_id"),
                on_behalf_of=optional_id(request.POST, "on_behalf_of"),
            )
        ),
        success=_("Your ballot is recorded."),
        redirect_to=back,
    )
    if cast and cast[0].receipt:
        # The tracker of the sealed ballot, shown in this answer only, as in the voting booth.
        # The booth's read holds only what the role needs of the cooperative: the page
        # reads the rest in one query.
        assembly.cooperative.refresh_from_db()
        context = {
            "vote": cast[0].vote,
            "receipt": cast[0].receipt,
            "college": cast[0].roll_entry.vote_college.name,
            "back": back,
        }
        return render_coop(
            request,
            "frontend/votes/receipt.html",
            assembly.cooperative,
            role,
            "assemblies",
            context,
        )
    return response


@page_view
def assembly_screen(request: HttpRequest, pk: int) -> HttpResponse:
    """The projector view: large type, no controls, following the meeting by itself."""
    assembly, role = access_assembly(request.user, pk)
    context = {
        **page_selectors.screen_part(assembly),
        "coop": assembly.cooperative,
        "last_seq": room_last_seq(assembly.pk),
    }
    return render_coop(
        request,
        "frontend/assemblies/screen.html",
        assembly.cooperative,
        role,
        "assemblies",
        context,
    )


@page_view
def assembly_minutes(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The stored minutes, byte for byte, as generated at the close."""
    assembly, _role = access_assembly(request.user, pk)
    if assembly.status != AssemblyStatus.CLOSED:
        raise NotFound()
    minutes = Minutes.objects.filter(assembly=assembly).first()
    if minutes is None or fmt not in ("html", "pdf", "signed.pdf"):
        raise NotFound()
    if fmt == "signed.pdf":
        if minutes.signed_pdf is None:
            raise NotFound()
        response = HttpResponse(bytes(minutes.signed_pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="minutes-{assembly.pk}-signed.pdf"'
        response["X-Content-SHA256"] = minutes.signed_pdf_sha256
        return response
    if fmt == "pdf":
        response = HttpResponse(bytes(minutes.pdf), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="minutes-{assembly.pk}.pdf"'
        response["X-Content-SHA256"] = minutes.pdf_sha256
        return response
    response = HttpResponse(minutes.html, content_type="text/html; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="minutes-{assembly.pk}.html"'
    response["X-Content-SHA256"] = minutes.html_sha256
    return response
