"""Turnout and partial results pushed to the proposal room, coalesced per vote.

A ballot does not push an event of its own: after it commits, it asks for a push, and
one push per vote goes out at most every `COLLEGIA["TURNOUT_PUSH_SECONDS"]`, carrying
the figures read when it runs. A room of a thousand members then receives one turnout
event a second while ballots pour in, not one per ballot, and the cast itself neither
reads the turnout nor waits for the room's sequence number. With the setting at 0 the
push runs at once, right after each commit.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.errors import NotFound
from core.live.coalesce import delivery_spread, push_after_commit, turnout_window
from voting import events, selectors
from voting.models import Vote, VoteStatus
from voting.services._common import emit_room, lock_vote_shared


def turnout_changed(vote: Vote) -> None:
    """Ask for a push of the vote's turnout once the current transaction commits."""
    if vote.proposal_id is None:
        return
    vote_id = vote.pk
    push_after_commit(
        _push_key(vote_id),
        lambda: turnout_push(vote_id=vote_id),
        window=turnout_window(),
    )


def _push_key(vote_id: int) -> str:
    return f"voting:turnout-push:{vote_id}"


def turnout_push(*, vote_id: int) -> int | None:
    """Push the current turnout, and the partial results when the vote shows them live;
    return the number of voters on the roll, the room's audience at most.

    Reads the vote in share mode, so a push and a close take turns: a push never lands
    after the result, and a push that finds the vote closed sends nothing."""
    audience = None
    with transaction.atomic():
        try:
            vote = lock_vote_shared(vote_id)
        except NotFound:
            return None
        if vote.status != VoteStatus.OPEN:
            return None

        def turnout() -> dict[str, Any]:
            nonlocal audience
            figures = selectors.vote_turnout(vote)
            audience = int(figures["eligible"])
            return figures

        spread = delivery_spread(lambda: selectors.roll_size(vote))
        emit_room(vote, events.ROOM_VOTE_TURNOUT, turnout, spread=spread)
        if vote.results_live and not vote.is_secret:
            emit_room(
                vote,
                events.ROOM_VOTE_PARTIAL_RESULTS,
                lambda: {"vote_id": vote.pk, "result": selectors.vote_tally(vote).result},
                spread=spread,
            )
    return audience
