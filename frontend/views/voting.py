"""Vote pages: the board's controls, the voting booth of each method, proxies, results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError, InvalidInput, NotFound
from deliberation.permissions import access_proposal
from frontend import selectors as page_selectors
from frontend.selectors import e2e as e2e_selectors
from frontend.selectors.agenda import mark_votes
from frontend.views import board_elections
from frontend.views.common import (
    cooperative_for,
    form_refusal,
    is_fetch,
    optional_id,
    page_view,
    paginate,
    perform,
    refusal,
    render_coop,
    signed_in,
)
from governance.models import DecisionKind
from voting import selectors, services
from voting.models import Objection, ObjectionState, Proxy, VoteMethod, VoteStatus
from voting.permissions import access_vote, can_see_box

OPTIONS_MAX = 20


class VoteForm(forms.Form):
    method = forms.ChoiceField(label=gettext_lazy("Way to decide"), choices=VoteMethod.choices)
    title = forms.CharField(label=gettext_lazy("Question"), max_length=200, required=False)
    options = forms.CharField(
        label=gettext_lazy("Options, one per line"),
        required=False,
        max_length=4000,
        widget=forms.Textarea,
        help_text=gettext_lazy("For majority judgment, approval and ranked votes."),
    )
    grades = forms.CharField(
        label=gettext_lazy("Grades, worst first, one per line"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=gettext_lazy(
            "For majority judgment only. Leave empty for the usual scale, from "
            "“To reject” to “Very good”."
        ),
    )
    is_secret = forms.BooleanField(label=gettext_lazy("Secret ballot"), required=False)
    results_live = forms.BooleanField(
        label=gettext_lazy("Show results while the vote runs"), required=False
    )
    allow_change = forms.BooleanField(
        label=gettext_lazy("Voters may change their ballot until the close"),
        required=False,
        initial=True,
    )
    closes_at = forms.DateTimeField(
        label=gettext_lazy("Closes at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}),
    )
    decision_kind = forms.ChoiceField(
        label=gettext_lazy("Kind of decision"), required=False, choices=DecisionKind.choices
    )


def _vote_url(pk: int, name: str = "vote") -> str:
    return reverse(f"frontend:{name}", kwargs={"pk": pk})


def _options(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()][: OPTIONS_MAX + 1]


def _create_vote(request: HttpRequest, cooperative: Any, proposal: Any, back: str) -> HttpResponse:
    form = VoteForm(request.POST)
    if not form.is_valid():
        errors = " ".join(str(e) for errs in form.errors.values() for e in errs)
        return form_refusal(request, errors, redirect_to=back)
    values = form.cleaned_data
    created: list[Any] = []
    response = perform(
        request,
        lambda: created.append(
            services.vote_create(
                actor=signed_in(request),
                cooperative=cooperative,
                proposal=proposal,
                method=values["method"],
                title=values["title"],
                decision_kind=None
                if proposal is not None
                else (values["decision_kind"] or DecisionKind.ADVISORY),
                options=_options(values["options"]),
                grades=_options(values["grades"])
                if values["method"] == VoteMethod.MAJORITY_JUDGMENT
                else [],
                is_secret=values["is_secret"],
                results_live=values["results_live"],
                allow_change=values["allow_change"],
                closes_at=values["closes_at"],
            )
        ),
        success=_("The vote is prepared. Open it when the members may vote."),
        redirect_to=back,
    )
    if created and proposal is None:
        return HttpResponseRedirect(_vote_url(created[0].pk))
    return response


@page_view
@require_POST
def proposal_vote_create(request: HttpRequest, pk: int) -> HttpResponse:
    """The board prepares the vote on a proposal."""
    proposal = access_proposal(request.user, pk)
    back = reverse("frontend:proposal", kwargs={"pk": pk}) + "#vote"
    return _create_vote(request, proposal.cooperative, proposal, back)


@page_view
def vote_list(request: HttpRequest, slug: str) -> HttpResponse:
    """The votes of a cooperative; the board prepares standalone advisory polls here."""
    cooperative, role = cooperative_for(request, slug)
    back = reverse("frontend:votes", kwargs={"slug": slug})
    if request.method == "POST":
        cooperative, role = cooperative_for(request, slug, manage=True)
        return _create_vote(request, cooperative, None, back)
    votes = mark_votes(
        request.user, cooperative, page_selectors.vote_list(request.user, cooperative)
    )
    context = {
        "page": paginate(request, votes),
        "form": VoteForm(
            initial={
                "method": VoteMethod.APPROVAL,
                "allow_change": True,
                "decision_kind": DecisionKind.ADVISORY,
            }
        ),
        "can_manage": role.is_board,
    }
    return render_coop(request, "frontend/votes/list.html", cooperative, role, "votes", context)


@page_view
@require_POST
def vote_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The board opens, closes or cancels a vote."""
    vote, _role = access_vote(request.user, pk)
    back = request.POST.get("next", "")
    if not back.startswith("/") or back.startswith("//"):
        back = _vote_url(pk)
    actions: dict[str, tuple[Callable[..., Any], str]] = {
        "open": (services.vote_open, _("The vote is open: the roll is frozen.")),
        "close": (services.vote_close, _("The vote is closed and its result recorded.")),
        "cancel": (services.vote_cancel, _("The vote is cancelled.")),
    }
    if action not in actions:
        raise Http404()
    service, success = actions[action]
    if action == "close":
        back = _vote_url(pk, "vote_results")
    response = perform(
        request,
        lambda: service(actor=signed_in(request), vote=vote),
        success=success,
        redirect_to=back,
    )
    if action == "open" and not is_fetch(request):
        vote.refresh_from_db()
        for warning in selectors.small_college_warnings(vote):
            messages.warning(request, warning["message"])
    return response


# The booth.


def choice_from_post(vote: Any, data: QueryDict) -> Any:
    """Read the method's form into the choice the voting service validates."""
    if vote.method in (VoteMethod.RESOLUTION, VoteMethod.CONSENT):
        choice = data.get("choice", "")
        if not choice:
            raise InvalidInput(_("Choose an answer before voting."))
        return choice
    if vote.method == VoteMethod.APPROVAL:
        chosen = set(data.getlist("approve"))
        return [option for index, option in enumerate(vote.options) if str(index) in chosen]
    if vote.method == VoteMethod.MAJORITY_JUDGMENT:
        grades: dict[str, str] = {}
        for index, option in enumerate(vote.options):
            value = data.get(f"grade-{index}", "")
            if value.isdigit() and int(value) < len(vote.grades):
                grades[option] = vote.grades[int(value)]
        return grades
    ranks: dict[int, list[str]] = {}
    for index, option in enumerate(vote.options):
        value = data.get(f"rank-{index}", "")
        if value.isdigit() and 0 < int(value) <= len(vote.options):
            ranks.setdefault(int(value), []).append(option)
    if not ranks:
        raise InvalidInput(_("Rank at least one option."))
    return [ranks[rank] for rank in sorted(ranks)]


@page_view
def booth(request: HttpRequest, pk: int) -> HttpResponse:
    vote, role = access_vote(request.user, pk)
    back = _vote_url(pk)
    if request.method == "POST":
        try:
            choice = choice_from_post(vote, request.POST)
        except DomainError as exc:
            return refusal(request, exc, redirect_to=back)
        cast: list[Any] = []
        response = perform(
            request,
            lambda: cast.append(
                services.ballot_cast(
                    actor=signed_in(request),
                    vote=vote,
                    choice=choice,
                    member_id=optional_id(request.POST, "member_id"),
                    on_behalf_of=optional_id(request.POST, "on_behalf_of"),
                )
            ),
            success=_("Your ballot is recorded."),
            redirect_to=back,
        )
        if cast and cast[0].receipt:
            # The tracker is shown in this answer only; it proves that the sealed ballot
            # counts, never what it says.
            context = {
                "vote": vote,
                "receipt": cast[0].receipt,
                "college": cast[0].roll_entry.vote_college.name,
            }
            return render_coop(
                request, "frontend/votes/receipt.html", vote.cooperative, role, "votes", context
            )
        return response
    context = page_selectors.booth(
        request.user, vote, role, holder_search=request.GET.get("holder_search", "").strip()[:200]
    )
    if vote.is_secret:
        context.update(e2e_selectors.e2e_booth(vote, context["entries"]))
        if context.get("can_manage"):
            context.update(board_elections.e2e_manage(request, vote))
    return render_coop(
        request, "frontend/votes/booth.html", vote.cooperative, role, "votes", context
    )


@page_view
@require_POST
def proxy_give(request: HttpRequest, pk: int) -> HttpResponse:
    vote, _role = access_vote(request.user, pk)
    back = _vote_url(pk) + "#proxies"
    holder = optional_id(request.POST, "holder")
    if holder is None:
        return form_refusal(
            request, _("Choose the member who will hold your proxy."), redirect_to=back
        )
    return perform(
        request,
        lambda: services.proxy_give(
            actor=signed_in(request),
            vote=vote,
            holder_id=holder,
            principal_id=optional_id(request.POST, "member_id"),
        ),
        success=_("Your proxy is given. You may revoke it until it is used."),
        redirect_to=back,
    )


@page_view
@require_POST
def proxy_revoke(request: HttpRequest, pk: int, proxy_id: int) -> HttpResponse:
    vote, _role = access_vote(request.user, pk)
    proxy = Proxy.objects.filter(vote=vote, pk=proxy_id).first()
    if proxy is None:
        raise NotFound()
    return perform(
        request,
        lambda: services.proxy_revoke(actor=signed_in(request), proxy=proxy),
        success=_("Your proxy is revoked."),
        redirect_to=_vote_url(pk) + "#proxies",
    )


@page_view
@require_POST
def objection_raise(request: HttpRequest, pk: int) -> HttpResponse:
    vote, _role = access_vote(request.user, pk)
    back = _vote_url(pk) + "#objections"
    reason = request.POST.get("reason", "").strip()[:4000]
    return perform(
        request,
        lambda: services.objection_raise(
            actor=signed_in(request),
            vote=vote,
            reason=reason,
            is_paramount=request.POST.get("is_paramount") == "on",
            member_id=optional_id(request.POST, "member_id"),
        ),
        success=_("Your objection is recorded."),
        redirect_to=back,
    )


@page_view
@require_POST
def objection_decide(request: HttpRequest, pk: int, objection_id: int) -> HttpResponse:
    vote, _role = access_vote(request.user, pk)
    objection = Objection.objects.filter(vote=vote, pk=objection_id).first()
    if objection is None:
        raise NotFound()
    state = request.POST.get("state", "")
    if state not in (ObjectionState.WITHDRAWN, ObjectionState.RESOLVED, ObjectionState.UPHELD):
        raise Http404()
    return perform(
        request,
        lambda: services.objection_decide(
            actor=signed_in(request),
            objection=objection,
            state=state,
            note=request.POST.get("note", "")[:1000],
        ),
        success=_("The objection is updated."),
        redirect_to=_vote_url(pk) + "#objections",
    )


# Results.


@page_view
def results(request: HttpRequest, pk: int) -> HttpResponse:
    vote, role = access_vote(request.user, pk)
    context = page_selectors.results(request.user, vote, role)
    context["e2e_boards"] = e2e_selectors.bulletin_links(vote) if vote.is_secret else []
    if request.method == "POST":
        code = request.POST.get("receipt", "").strip()[:100]
        context["receipt_checked"] = True
        context["receipt_counted"] = bool(
            code and can_see_box(vote) and selectors.tracker_counted(vote, code)
        )
    status = 200 if vote.status != VoteStatus.DRAFT else 404
    if status == 404:
        raise Http404()
    return render_coop(
        request, "frontend/votes/results.html", vote.cooperative, role, "votes", context
    )


@page_view
def box(request: HttpRequest, pk: int) -> HttpResponse:
    """The published box of a closed secret vote: college and choice of each ballot."""
    vote, role = access_vote(request.user, pk)
    if not can_see_box(vote):
        raise Http404()
    context = {"vote": vote, "page": paginate(request, selectors.box_list(vote), per_page=100)}
    return render_coop(request, "frontend/votes/box.html", vote.cooperative, role, "votes", context)


@page_view
def trackers(request: HttpRequest, pk: int) -> HttpResponse:
    """The trackers of the ballots counted in a closed secret vote, sorted."""
    vote, role = access_vote(request.user, pk)
    if not can_see_box(vote):
        raise Http404()
    page = paginate(request, selectors.counted_trackers(vote), per_page=200)
    context = {"vote": vote, "page": page}
    return render_coop(
        request, "frontend/votes/trackers.html", vote.cooperative, role, "votes", context
    )
