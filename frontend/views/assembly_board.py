"""Assembly pages of the board: preparing, convening, the desk, the chair, the minutes."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from assemblies import services
from assemblies.models import AgendaItem, AssemblyKind, ItemKind
from assemblies.permissions import access_assembly
from assemblies.room import room_last_seq
from assemblies.selectors import assembly_rules, convocation_list
from core.errors import NotFound
from deliberation.models import Proposal
from frontend.selectors import assemblies as page_selectors
from frontend.views.common import (
    assembly_url,
    cooperative_for,
    form_refusal,
    optional_id,
    page_view,
    paginate,
    perform,
    render_coop,
    signed_in,
)
from governance.models import College, Person

# Rows of a call's proof of sending on one page of the convocations page.
CONVOCATIONS_PER_PAGE = 100
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class AssemblyForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=AssemblyKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    first_call_at = forms.DateTimeField(label=gettext_lazy("First call"), widget=DATETIME)
    second_call_at = forms.DateTimeField(
        label=gettext_lazy("Second call"), required=False, widget=DATETIME
    )
    place = forms.CharField(label=gettext_lazy("Place"), max_length=300, required=False)
    remote_url = forms.URLField(label=gettext_lazy("Remote link"), max_length=500, required=False)
    remote_allowed = forms.BooleanField(
        label=gettext_lazy("Members may attend remotely"), required=False, initial=True
    )
    postal_allowed = forms.BooleanField(
        label=gettext_lazy("Members may vote by post"), required=False, initial=True
    )
    results_live = forms.BooleanField(
        label=gettext_lazy("Results shown live"), required=False, initial=False
    )


class ItemForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind of point"), choices=ItemKind.choices)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    text = forms.CharField(label=gettext_lazy("Text"), max_length=40000, required=False)
    board_backed = forms.BooleanField(required=False)
    secret = forms.ChoiceField(required=False, choices=[("", ""), ("yes", "yes"), ("no", "no")])
    proposal = forms.IntegerField(required=False, min_value=1)
    seats = forms.IntegerField(required=False, min_value=1, max_value=50)
    term_years = forms.IntegerField(required=False, min_value=1, max_value=6)


def _errors(form: forms.Form) -> str:
    return " ".join(str(e) for errs in form.errors.values() for e in errs)


def assembly_create_form(request: HttpRequest, slug: str) -> HttpResponse:
    """The board creates a draft assembly, then builds its agenda on the preparation page."""
    cooperative, _role = cooperative_for(request, slug, manage=True)
    back = reverse("frontend:assemblies", kwargs={"slug": slug})
    form = AssemblyForm(request.POST)
    if not form.is_valid():
        return form_refusal(request, _errors(form), redirect_to=back)
    values = form.cleaned_data
    created: list[Any] = []
    response = perform(
        request,
        lambda: created.append(
            services.assembly_create(
                actor=signed_in(request),
                cooperative=cooperative,
                kind=values["kind"],
                title=values["title"],
                first_call_at=values["first_call_at"],
                second_call_at=values["second_call_at"],
                place=values["place"],
                remote_url=values["remote_url"],
                remote_allowed=values["remote_allowed"],
                postal_allowed=values["postal_allowed"],
                results_live=values["results_live"],
            )
        ),
        success=_("The assembly is prepared as a draft: build its agenda, then convene it."),
        redirect_to=back,
    )
    if created:
        return HttpResponseRedirect(assembly_url(created[0].pk, "assembly_prepare"))
    return response


@page_view
def assembly_prepare(request: HttpRequest, pk: int) -> HttpResponse:
    """The agenda, documents and candidates of a draft; convening with the notice rule."""
    assembly, role = access_assembly(request.user, pk, manage=True)
    context = page_selectors.assembly_page(signed_in(request), assembly, role)
    notice = page_selectors.notice_rules(assembly.cooperative)
    context.update(
        {
            "notice": next(n for n in notice if n["kind"] == assembly.kind),
            "proposals": list(
                Proposal.objects.filter(
                    cooperative=assembly.cooperative, decision_kind=assembly.kind
                ).order_by("-id")[:50]
            ),
            "colleges": list(College.objects.filter(cooperative=assembly.cooperative)),
            "item_kinds": ItemKind.choices,
        }
    )
    return render_coop(
        request,
        "frontend/assemblies/prepare.html",
        assembly.cooperative,
        role,
        "assemblies",
        context,
    )


@page_view
@require_POST
def assembly_item_add(request: HttpRequest, pk: int) -> HttpResponse:
    assembly, _role = access_assembly(request.user, pk, manage=True)
    back = assembly_url(pk, "assembly_prepare") + "#agenda"
    form = ItemForm(request.POST)
    if not form.is_valid():
        return form_refusal(request, _errors(form), redirect_to=back)
    values = form.cleaned_data
    proposal = None
    if values["proposal"]:
        proposal = Proposal.objects.filter(
            pk=values["proposal"], cooperative=assembly.cooperative
        ).first()
        if proposal is None:
            return form_refusal(
                request, _("Choose a proposal of this cooperative."), redirect_to=back
            )
    reserved = []
    for college in College.objects.filter(cooperative=assembly.cooperative):
        seats = optional_id(request.POST, f"reserved-{college.pk}")
        if seats:
            reserved.append((college, seats))
    secret = {"yes": True, "no": False}.get(values["secret"])
    text = values["text"]
    return perform(
        request,
        lambda: services.agenda_item_add(
            actor=signed_in(request),
            assembly=assembly,
            kind=values["kind"],
            title=values["title"],
            text="".join(f"<p>{p}</p>" for p in _paragraphs(text)),
            board_backed=values["board_backed"] or values["kind"] != ItemKind.RESOLUTION,
            is_secret=secret,
            proposal=proposal,
            seats=values["seats"],
            term_years=values["term_years"],
            reserved=reserved,
        ),
        success=_("The point is on the agenda."),
        redirect_to=back,
    )


def _paragraphs(text: str) -> list[str]:
    from django.utils.html import escape

    return [escape(p.strip()) for p in text.split("\n\n") if p.strip()]


@page_view
@require_POST
def assembly_item_remove(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    assembly, _role = access_assembly(request.user, pk, manage=True)
    item = AgendaItem.objects.filter(assembly=assembly, pk=item_id).first()
    if item is None:
        raise NotFound()
    return perform(
        request,
        lambda: services.agenda_item_remove(actor=signed_in(request), item=item),
        success=_("The point is removed from the agenda."),
        redirect_to=assembly_url(pk, "assembly_prepare") + "#agenda",
    )


@page_view
@require_POST
def assembly_candidate_add(request: HttpRequest, pk: int, item_id: int) -> HttpResponse:
    """The board registers a candidate, found by user name."""
    assembly, _role = access_assembly(request.user, pk, manage=True)
    item = AgendaItem.objects.filter(assembly=assembly, pk=item_id).first()
    if item is None:
        raise NotFound()
    back = assembly_url(pk, "assembly_prepare") + f"#item-{item.pk}"
    username = request.POST.get("username", "").strip()[:150]
    person = get_user_model().objects.filter(username=username).first()
    if person is None:
        return form_refusal(
            request, _("No one has the user name %(u)s.") % {"u": username}, redirect_to=back
        )
    return perform(
        request,
        lambda: services.candidate_add(
            actor=signed_in(request),
            item=item,
            person=person,
            statement=request.POST.get("statement", "")[:2000],
        ),
        success=_("The candidate is registered."),
        redirect_to=back,
    )


@page_view
@require_POST
def assembly_document_add(request: HttpRequest, pk: int) -> HttpResponse:
    assembly, _role = access_assembly(request.user, pk, manage=True)
    return perform(
        request,
        lambda: services.document_add(
            actor=signed_in(request),
            assembly=assembly,
            title=request.POST.get("title", "")[:200],
            url=request.POST.get("url", "").strip()[:500],
            sha256=request.POST.get("sha256", "").strip()[:64],
        ),
        success=_("The document is attached to the convocation."),
        redirect_to=assembly_url(pk, "assembly_prepare") + "#documents",
    )


@page_view
@require_POST
def assembly_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The board's acts on the whole assembly; each refusal says why (notice, quorum...)."""
    assembly, _role = access_assembly(request.user, pk, manage=True)
    actor = signed_in(request)
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = assembly_url(pk)
    if action == "convene":
        return perform(
            request,
            lambda: services.assembly_convene(actor=actor, assembly=assembly),
            success=_("The assembly is convened: every member is notified by email and in-app."),
            redirect_to=back,
        )
    if action == "no-quorum":
        return perform(
            request,
            lambda: services.assembly_record_no_quorum(actor=actor, assembly=assembly),
            success=_("The missing quorum is recorded with its figures."),
            redirect_to=back,
        )
    if action == "second-call":
        return perform(
            request,
            lambda: services.assembly_convene_second_call(actor=actor, assembly=assembly),
            success=_("The second call is convened: every member is notified again."),
            redirect_to=back,
        )
    if action == "open":
        return _open(request, assembly, actor, back)
    if action == "close":
        return perform(
            request,
            lambda: services.assembly_close(actor=actor, assembly=assembly),
            success=_("The assembly is closed; its minutes are written."),
            redirect_to=assembly_url(pk) + "#minutes",
        )
    if action == "cancel":
        return perform(
            request,
            lambda: services.assembly_cancel(
                actor=actor, assembly=assembly, reason=request.POST.get("reason", "")
            ),
            success=_("The assembly is called off."),
            redirect_to=back,
        )
    if action == "resend":
        number = 2 if request.POST.get("call") == "2" else 1
        return perform(
            request,
            lambda: services.convocations_resend(
                actor=actor, assembly=assembly, call_number=number
            ),
            success=_("The convocations not delivered are sent again."),
            redirect_to=assembly_url(pk, "assembly_convocations"),
        )
    raise Http404()


def _person(value: str) -> Person | None:
    value = value.strip()[:150]
    if not value:
        return None
    return get_user_model().objects.filter(username=value).first()


def _open(request: HttpRequest, assembly: Any, actor: Person, back: str) -> HttpResponse:
    """Open the meeting with its bureau: the chair (the one opening), two scrutineers and
    the secretary, named by user name."""
    names = [request.POST.get(f, "") for f in ("scrutineer_1", "scrutineer_2", "secretary")]
    people = [_person(name) for name in names]
    if any(p is None for p in people):
        return form_refusal(
            request,
            _("Name the two scrutineers and the secretary by their user names."),
            redirect_to=back,
        )
    first, second, secretary = people
    assert first is not None and second is not None
    return perform(
        request,
        lambda: services.assembly_open(
            actor=actor, assembly=assembly, secretary=secretary, scrutineers=[first, second]
        ),
        success=_("The meeting is open; its bureau is recorded."),
        redirect_to=assembly_url(assembly.pk, "assembly_chair"),
    )


@page_view
def assembly_convocations(request: HttpRequest, pk: int) -> HttpResponse:
    assembly, role = access_assembly(request.user, pk, manage=True)
    context = {"assembly": assembly, **page_selectors.convocations_page(assembly, role)}
    # Each call's rows page on their own: its link keeps the other call's position.
    for row in context["calls"]:
        row["page"] = paginate(
            request,
            convocation_list(assembly, row["call"]),
            CONVOCATIONS_PER_PAGE,
            param=f"call{row['call'].number}",
        )
    return render_coop(
        request,
        "frontend/assemblies/convocations.html",
        assembly.cooperative,
        role,
        "assemblies",
        context,
    )


@page_view
def assembly_desk(request: HttpRequest, pk: int) -> HttpResponse:
    """The desk on the day: find a member by name, sign them in, watch the quorum."""
    assembly, role = access_assembly(request.user, pk, manage=True)
    query = request.GET.get("q", "")[:100]
    context = {
        "assembly": assembly,
        "query": query,
        "rows": page_selectors.desk_rows(assembly, query) if query else [],
        "quorum": page_selectors.quorum_view(assembly),
        "last_seq": room_last_seq(assembly.pk),
        "rules": assembly_rules(assembly),
    }
    return render_coop(
        request, "frontend/assemblies/desk.html", assembly.cooperative, role, "assemblies", context
    )


@page_view
@require_POST
def assembly_check_in(request: HttpRequest, pk: int) -> HttpResponse:
    assembly, _role = access_assembly(request.user, pk, manage=True)
    member_id = optional_id(request.POST, "member_id")
    mode = request.POST.get("mode", "present")
    back = assembly_url(pk, "assembly_desk") + "?q=" + request.POST.get("q", "")[:100]
    if member_id is None:
        return form_refusal(request, _("Choose a member."), redirect_to=back)
    return perform(
        request,
        lambda: services.attendance_check_in(
            actor=signed_in(request), assembly=assembly, mode=mode, member_id=member_id
        ),
        success=_("Signed in."),
        redirect_to=back,
    )


@page_view
@require_POST
def assembly_check_in_batch(request: HttpRequest, pk: int) -> HttpResponse:
    """The desk signs in the members ticked in its search results, all at once."""
    assembly, _role = access_assembly(request.user, pk, manage=True)
    mode = request.POST.get("mode", "present")
    back = assembly_url(pk, "assembly_desk") + "?q=" + request.POST.get("q", "")[:100]
    member_ids = sorted(
        {int(v) for v in request.POST.getlist("member_id")[:1000] if v.isdigit() and len(v) < 12}
    )
    if not member_ids:
        return form_refusal(request, _("Choose at least one member."), redirect_to=back)
    return perform(
        request,
        lambda: services.attendance_check_in_batch(
            actor=signed_in(request), assembly=assembly, mode=mode, member_ids=member_ids
        ),
        success=_("The selected members are signed in."),
        redirect_to=back,
    )


@page_view
def assembly_chair(request: HttpRequest, pk: int) -> HttpResponse:
    """The chair's console: open and close the points one at a time, close the meeting."""
    assembly, role = access_assembly(request.user, pk, manage=True)
    page = page_selectors.assembly_page(signed_in(request), assembly, role)
    context = {
        **page_selectors.screen_part(assembly),
        "items": page["items"],
        "quorum": page_selectors.quorum_view(assembly),
        "last_seq": room_last_seq(assembly.pk),
        "can_manage": True,
    }
    return render_coop(
        request, "frontend/assemblies/chair.html", assembly.cooperative, role, "assemblies", context
    )


@page_view
@require_POST
def assembly_item_act(request: HttpRequest, pk: int, item_id: int, action: str) -> HttpResponse:
    assembly, _role = access_assembly(request.user, pk, manage=True)
    item = AgendaItem.objects.filter(assembly=assembly, pk=item_id).first()
    if item is None or action not in ("open", "close"):
        raise NotFound()
    service = services.item_open if action == "open" else services.item_close
    success = _("The point is open for voting.") if action == "open" else _("The point is closed.")
    return perform(
        request,
        lambda: service(actor=signed_in(request), item=item),
        success=success,
        redirect_to=assembly_url(pk, "assembly_chair"),
    )


@page_view
@require_POST
def assembly_minutes_sign(request: HttpRequest, pk: int) -> HttpResponse:
    assembly, _role = access_assembly(request.user, pk)
    return perform(
        request,
        lambda: services.minutes_sign(actor=signed_in(request), assembly=assembly),
        success=_("Your signature is recorded in the audit log and on the minutes."),
        redirect_to=assembly_url(pk) + "#minutes",
    )
