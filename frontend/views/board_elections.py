"""Board pages of votes counted end to end: the electoral boards and their key ceremony,
and a vote's elections from their setup to the close."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError, Forbidden, InvalidInput, NotFound
from elections import selectors, services
from elections.models import CredentialMode, ElectionStatus, ElectoralBoard, TrusteeRole
from elections.services.boards import DEFAULT_THRESHOLD
from elections.weighting import VERIFIABLE_METHODS
from frontend.views.common import (
    cooperative_for,
    page_view,
    paginate,
    perform,
    refusal,
    render_coop,
    signed_in,
)
from governance.models import Person
from voting.models import Vote, VoteStatus
from voting.permissions import access_vote

# A chair, two scrutineers and two substitutes: any three of the five decrypt.
DEFAULT_SEATS = (
    TrusteeRole.CHAIR,
    TrusteeRole.SCRUTINEER,
    TrusteeRole.SCRUTINEER,
    TrusteeRole.SUBSTITUTE,
    TrusteeRole.SUBSTITUTE,
)
SEATS_MAX = 9
CANDIDATES_SHOWN = 100


class ElectoralBoardForm(forms.Form):
    year = forms.IntegerField(label=gettext_lazy("Year"), min_value=2000, max_value=2999)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120, required=False)
    threshold = forms.IntegerField(
        label=gettext_lazy("Trustees needed to decrypt"),
        min_value=2,
        max_value=SEATS_MAX,
        initial=DEFAULT_THRESHOLD,
        help_text=gettext_lazy("Any this many trustees together decrypt a college's totals."),
    )
    bulletin_public = forms.BooleanField(
        label=gettext_lazy("Bulletin boards readable by anyone, signed in or not"),
        required=False,
    )


def _seat_count(value: str) -> int:
    """The number of seats the form shows: as asked (2 to SEATS_MAX), else the default."""
    if value.isdigit():
        return min(max(int(value), 2), SEATS_MAX)
    return len(DEFAULT_SEATS)


def _seats_posted(data: Any, count: int) -> list[dict[str, str]]:
    """Each seat of the form as posted: a person's id and a role (either may be blank)."""
    return [
        {"person": data.get(f"seat-{i}-person", ""), "role": data.get(f"seat-{i}-role", "")}
        for i in range(count)
    ]


def _members(seats: list[dict[str, str]], people: dict[int, Person]) -> list[tuple[Person, str]]:
    """The filled seats, in order, as (person, role) pairs for the service."""
    members = []
    for seat in seats:
        pk = seat["person"]
        if not pk.isdigit() or int(pk) not in people:
            continue
        if seat["role"] not in TrusteeRole.values:
            raise InvalidInput(_("Choose a role for each trustee."))
        members.append((people[int(pk)], seat["role"]))
    return members


@page_view
def electoral_boards(request: HttpRequest, slug: str) -> HttpResponse:
    """The cooperative's electoral boards, and the form that names one (board only)."""
    cooperative, role = cooperative_for(request, slug, manage=True)
    query = " ".join(request.GET.get("q", "").split())[:100]
    count = _seat_count(
        (request.POST if request.method == "POST" else request.GET).get("seats", "")
    )
    form = ElectoralBoardForm(
        request.POST or None,
        initial={"year": timezone.localdate().year, "threshold": DEFAULT_THRESHOLD},
    )
    seats = (
        _seats_posted(request.POST, count)
        if request.method == "POST"
        else [
            {"person": "", "role": str(DEFAULT_SEATS[i]) if i < len(DEFAULT_SEATS) else ""}
            for i in range(count)
        ]
    )
    error = ""
    if request.method == "POST" and form.is_valid():
        values = form.cleaned_data
        chosen = [int(s["person"]) for s in seats if s["person"].isdigit()]
        # Only people of the cooperative may be seated: any other id is left out.
        people = {p.pk: p for p in selectors.trustee_candidates(cooperative, pks=chosen)}
        try:
            members = _members(seats, people)
        except DomainError as exc:
            error = exc.message
        else:
            try:
                with transaction.atomic(durable=True):
                    board = services.electoral_board_create(
                        actor=signed_in(request),
                        cooperative=cooperative,
                        year=values["year"],
                        members=members,
                        threshold=values["threshold"],
                        name=values["name"],
                        bulletin_public=values["bulletin_public"],
                    )
            except (NotFound, Forbidden):
                raise
            except DomainError as exc:
                error = exc.message
            else:
                messages.success(
                    request,
                    _("The electoral board is named. Its trustees now run the key ceremony."),
                )
                return HttpResponseRedirect(
                    reverse("frontend:electoral_board", kwargs={"slug": slug, "pk": board.pk})
                )
    selected = {int(s["person"]) for s in seats if s["person"].isdigit()}
    candidates = selectors.trustee_candidates(cooperative, query, limit=CANDIDATES_SHOWN)
    shown = {p.pk for p in candidates}
    candidates += list(Person.objects.filter(pk__in=selected - shown))
    context = {
        "page": paginate(request, selectors.electoral_board_list(cooperative)),
        "form": form,
        "error": error,
        "query": query,
        "seats": seats,
        "seat_count": count,
        "more_seats": count + 1 if count < SEATS_MAX else None,
        "candidates": candidates,
        "candidates_more": len(candidates) >= CANDIDATES_SHOWN,
        "roles": TrusteeRole.choices,
    }
    return render_coop(
        request,
        "frontend/board/electoral_boards.html",
        cooperative,
        role,
        "electoral_boards",
        context,
        status=400 if form.errors or error else 200,
    )


@page_view
def electoral_board(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """One electoral board: its trustees, the ceremony's progress, how trustees take part."""
    cooperative, role = cooperative_for(request, slug, manage=True)
    board = get_object_or_404(ElectoralBoard, cooperative=cooperative, pk=pk)
    context = {
        "board": board,
        **selectors.ceremony_progress(board),
        "server": request.build_absolute_uri("/").rstrip("/"),
        "tokens_url": request.build_absolute_uri(reverse("frontend:api_tokens")),
    }
    return render_coop(
        request,
        "frontend/board/electoral_board.html",
        cooperative,
        role,
        "electoral_boards",
        context,
    )


def e2e_manage(request: HttpRequest, vote: Vote) -> dict[str, Any]:
    """The board's panel of a secret vote counted end to end, on the vote's page: the setup
    form while the vote has no elections, then each college's progress and the acts."""
    # An assembly's resolution is set up, ended and closed with its point, at the call.
    if vote.method not in VERIFIABLE_METHODS or vote.status == VoteStatus.DRAFT or vote.booth:
        return {}
    progress = selectors.e2e_progress(vote)
    statuses = {p["status"] for p in progress}
    return {
        "e2e_manage": {
            "elections": progress,
            "boards": list(selectors.ready_boards(vote.cooperative))
            if not progress and vote.status == VoteStatus.OPEN
            else [],
            "modes": CredentialMode.choices,
            "can_end": bool(progress) and statuses == {ElectionStatus.OPEN},
            "can_close": bool(progress)
            and statuses == {ElectionStatus.ENDED}
            and all(p["enough"] for p in progress),
            "waits_credentials": ElectionStatus.CREDENTIALS in statuses,
            "ended": statuses == {ElectionStatus.ENDED},
            "server": request.build_absolute_uri("/").rstrip("/"),
            "boards_url": reverse(
                "frontend:electoral_boards", kwargs={"slug": vote.cooperative.slug}
            ),
        }
    }


@page_view
@require_POST
def vote_e2e_act(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """The board sets a secret vote up to be counted end to end, ends its ballots, and
    closes it once enough trustees decrypted each college's totals."""
    vote, _role = access_vote(request.user, pk, manage=True)
    back = reverse("frontend:vote", kwargs={"pk": pk}) + "#e2e-manage"
    actor = signed_in(request)
    if action == "setup":
        board_id = request.POST.get("electoral_board", "")
        board = ElectoralBoard.objects.filter(
            cooperative=vote.cooperative_id, pk=int(board_id) if board_id.isdigit() else 0
        ).first()
        if board is None:
            return refusal(
                request,
                InvalidInput(_("Choose an electoral board of this cooperative.")),
                redirect_to=back,
            )
        mode = request.POST.get("credential_mode", CredentialMode.AUTHORITY)
        if mode not in CredentialMode.values:
            mode = CredentialMode.AUTHORITY
        return perform(
            request,
            lambda: services.e2e_setup(actor=actor, vote=vote, board=board, credential_mode=mode),
            success=_("The vote is now counted end to end: one election per college."),
            redirect_to=back,
        )
    if action == "end":
        return perform(
            request,
            lambda: services.e2e_end_ballots(actor=actor, vote=vote),
            success=_(
                "The ballots are ended and each college's encrypted totals published. "
                "The trustees may now decrypt them."
            ),
            redirect_to=back,
        )
    if action == "close":
        closed: list[Any] = []
        response = perform(
            request,
            lambda: closed.append(services.e2e_vote_close(actor=actor, vote=vote)),
            success=_("The vote is closed and its verified result published."),
            redirect_to=back,
        )
        if closed and response.status_code == 302:
            return HttpResponseRedirect(reverse("frontend:vote_results", kwargs={"pk": pk}))
        return response
    raise Http404()
