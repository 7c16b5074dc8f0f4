"""The read-only bulletin board of one college's election in a vote counted end to end:
open to members and observers, to anyone when the electoral board made it public."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse

from core.errors import NotFound
from elections import selectors as election_selectors
from elections.permissions import access_election
from frontend.selectors import e2e as e2e_selectors
from frontend.views.common import paginate, render_coop
from voting.models import VoteStatus

EVENTS_PER_PAGE = 50
TRACKERS_PER_PAGE = 200


def bulletin(request: HttpRequest, pk: int, uuid: str) -> HttpResponse:
    """Events with their chain hashes, the sorted trackers of counted ballots, the counts
    of server-generated credentials and server-encrypted ballots, the result when
    tallied. A board not readable by the viewer is missing: the same 404."""
    try:
        election, role = access_election(request.user, uuid)
    except NotFound as exc:
        raise Http404() from exc
    if election.vote_id != pk:
        raise Http404()
    events = paginate(
        request, election_selectors.bulletin_events(election), EVENTS_PER_PAGE, param="events"
    )
    trackers = paginate(
        request,
        election_selectors.counted_ballots_by_tracker(election),
        TRACKERS_PER_PAGE,
        param="trackers",
    )
    context = {
        **e2e_selectors.bulletin_board(election),
        "vote": election.vote,
        "events": events,
        "event_rows": e2e_selectors.event_rows(events.object_list),
        "trackers": trackers,
        "boards": e2e_selectors.bulletin_links(election.vote),
        "bundle_link": election.vote.status == VoteStatus.CLOSED
        and (role.is_member or role.is_board or role.is_observer),
    }
    return render_coop(
        request, "frontend/votes/bulletin.html", election.vote.cooperative, role, "votes", context
    )
