"""Live events in the proposal room: turnout per college, partial results when live, the result.

Turnout is pushed after the ballot commits (voting.live); the test settings push
at once, so most tests here run the commit callbacks and read the room right away.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any
from unittest.mock import patch

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.core.cache import cache
from django.test import override_settings

from deliberation.models import RoomEvent
from deliberation.room import room_group
from tests.voting.factories import make_coop, make_proposal, make_vote
from voting import services
from voting.live import turnout_push
from voting.services import _common as voting_common

pytestmark = pytest.mark.django_db


def settings_collegia() -> dict[str, Any]:
    from django.conf import settings

    return dict(settings.COLLEGIA)


SMALL = {"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1}


@pytest.fixture
def cast(capture_on_commit: Any) -> Callable[..., services.CastResult]:
    """Cast a ballot and run what waits for its commit, as a committed request would."""

    def cast(person: Any, vote: Any, choice: Any) -> services.CastResult:
        with capture_on_commit(execute=True):
            return services.ballot_cast(actor=person, vote=vote, choice=choice)

    return cast


def room_types(proposal: Any) -> list[str]:
    return list(
        RoomEvent.objects.filter(proposal=proposal).order_by("seq").values_list("type", flat=True)
    )


def test_turnout_per_college_is_pushed_and_results_wait_for_the_close(cast: Any) -> None:
    coop = make_coop(SMALL)
    proposal = make_proposal(coop)
    vote = make_vote(coop, proposal=proposal)
    cast(coop.person("Workers"), vote, "for")
    turnout = RoomEvent.objects.filter(proposal=proposal, type="vote.turnout").latest("seq")
    workers = next(c for c in turnout.data["colleges"] if c["name"] == "Workers")
    assert (workers["eligible"], workers["voted"]) == (2, 1)
    assert (turnout.data["eligible"], turnout.data["voted"]) == (5, 1)
    assert "vote.partial_results" not in room_types(proposal)
    services.vote_close(actor=coop.chair, vote=vote)
    assert room_types(proposal)[-1] == "vote.closed"


def test_partial_results_are_pushed_when_the_vote_shows_them_live(cast: Any) -> None:
    coop = make_coop(SMALL)
    proposal = make_proposal(coop)
    vote = make_vote(coop, proposal=proposal, results_live=True)
    cast(coop.person("Workers"), vote, "for")
    cast(coop.person("Users"), vote, "against")
    partial = RoomEvent.objects.filter(proposal=proposal, type="vote.partial_results").latest("seq")
    assert partial.data["result"]["tally"]["totals"]["yes"] == 1
    assert partial.data["result"]["tally"]["totals"]["no"] == 1


def test_changing_a_ballot_pushes_no_turnout_when_results_are_not_live(cast: Any) -> None:
    coop = make_coop(SMALL)
    proposal = make_proposal(coop)
    vote = make_vote(coop, proposal=proposal)
    cast(coop.person("Workers"), vote, "for")
    before = RoomEvent.objects.filter(proposal=proposal).count()
    cast(coop.person("Workers"), vote, "against")
    assert RoomEvent.objects.filter(proposal=proposal).count() == before


def test_standalone_poll_publishes_nothing_to_rooms(cast: Any) -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, results_live=True)
    cast(coop.person("Workers"), vote, "for")
    services.vote_close(actor=coop.chair, vote=vote)
    assert not RoomEvent.objects.exists()


def test_room_members_receive_turnout_after_commit(capture_on_commit: Any) -> None:
    coop = make_coop(SMALL)
    proposal = make_proposal(coop)
    vote = make_vote(coop, proposal=proposal)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(room_group(proposal.pk), channel)
    with capture_on_commit(execute=False) as callbacks:
        services.ballot_cast(actor=coop.person("Workers"), vote=vote, choice="for")
    assert callbacks, "the push waits for the commit"
    # The push is a transaction of its own, whose broadcast in turn waits for its commit.
    with capture_on_commit(execute=True):
        for callback in callbacks:
            callback()
    message = async_to_sync(layer.receive)(channel)
    frame = json.loads(message["text"])
    assert frame["type"] == "vote.turnout"
    assert frame["data"]["voted"] == 1


def test_a_push_after_the_close_sends_nothing(cast: Any) -> None:
    coop = make_coop(SMALL)
    proposal = make_proposal(coop)
    vote = make_vote(coop, proposal=proposal)
    cast(coop.person("Workers"), vote, "for")
    services.vote_close(actor=coop.chair, vote=vote)
    before = room_types(proposal)
    turnout_push(vote_id=vote.pk)
    assert room_types(proposal) == before
    assert before[-1] == "vote.closed"


def _wait_for(predicate: Callable[[], bool], seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("the push did not arrive in time")
        time.sleep(0.05)


@pytest.mark.django_db(transaction=True)
@override_settings(COLLEGIA={**settings_collegia(), "TURNOUT_PUSH_SECONDS": 0.5})
def test_ballots_in_quick_succession_share_one_push_that_counts_them_all() -> None:
    coop = make_coop(SMALL)
    proposal = make_proposal(coop)
    vote = make_vote(coop, proposal=proposal)

    def turnouts() -> list[int]:
        return [
            data["voted"]
            for data in RoomEvent.objects.filter(proposal=proposal, type="vote.turnout")
            .order_by("seq")
            .values_list("data", flat=True)
        ]

    opened = len(turnouts())
    claims: list[str] = []
    add = cache.add

    def counted_add(key: str, *args: Any, **kwargs: Any) -> bool:
        claims.append(key)
        return bool(add(key, *args, **kwargs))

    with patch.object(cache, "add", counted_add):
        for person in coop.people("Workers") + coop.people("Users"):
            services.ballot_cast(actor=person, vote=vote, choice="for")
    # The first ballot claims the push in the shared cache; the others find it pending
    # in this process and ask the cache nothing.
    assert len(claims) == 1
    # Nothing is pushed while the delay runs, then one push carries the three ballots.
    assert len(turnouts()) == opened
    _wait_for(lambda: len(turnouts()) > opened)
    time.sleep(0.7)
    assert turnouts()[opened:] == [3]
    # A later ballot gets a push of its own.
    services.ballot_cast(actor=coop.person("Suppliers"), vote=vote, choice="against")
    _wait_for(lambda: len(turnouts()) > opened + 1)
    assert turnouts()[opened:] == [3, 4]


@pytest.mark.django_db(transaction=True)
@override_settings(
    COLLEGIA={**settings_collegia(), "TURNOUT_PUSH_SECONDS": 0.2, "LIVE_FRAMES_PER_SECOND": 2}
)
def test_a_large_roll_is_pushed_its_turnout_further_apart(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A push says how many people it reached (the roll); the next window of that vote is
    stretched so that the room gets at most LIVE_FRAMES_PER_SECOND frames a second."""
    from core.live import coalesce

    coop = make_coop(SMALL)
    proposal = make_proposal(coop)
    vote = make_vote(coop, proposal=proposal)
    key = f"voting:turnout-push:{vote.pk}"
    assert coalesce.spaced_window(key, 0.2) == 0.2
    spreads: list[float] = []
    room_emit = voting_common.room_emit

    def emitted(**kwargs: Any) -> Any:
        spreads.append(kwargs["spread"])
        return room_emit(**kwargs)

    monkeypatch.setattr(voting_common, "room_emit", emitted)
    services.ballot_cast(actor=coop.person("Workers"), vote=vote, choice="for")
    _wait_for(lambda: key in coalesce._audience)
    # Five voters on the roll, two frames a second: one push every 2.5 s, not every 0.2 s.
    assert coalesce._audience[key] == 5
    assert coalesce.spaced_window(key, 0.2) == 2.5
    # ...and the room's relays hand each push out over that time, not all in one turn:
    # the first push too, before any audience was remembered.
    assert spreads == [2.5]
    assert coalesce.delivery_spread(5) == 2.5
    # Pushing at once (a window of 0) is never delayed.
    assert coalesce.spaced_window(key, 0) == 0


@override_settings(
    COLLEGIA={**settings_collegia(), "TURNOUT_PUSH_SECONDS": 0, "LIVE_FRAMES_PER_SECOND": 2}
)
def test_an_audience_to_count_is_not_counted_when_pushes_go_at_once() -> None:
    """A push sent at once is not spread: the count of its audience, given as a callable
    (a statement to run), is then not read; coalesced, it is read once."""
    from core.live import coalesce

    counted: list[int] = []

    def audience() -> int:
        counted.append(1)
        return 5

    assert coalesce.delivery_spread(audience) == 0
    assert counted == []
    coalesced = {**settings_collegia(), "TURNOUT_PUSH_SECONDS": 0.2, "LIVE_FRAMES_PER_SECOND": 2}
    with override_settings(COLLEGIA=coalesced):
        assert coalesce.delivery_spread(audience) == 2.5
    assert counted == [1]


def test_the_audiences_remembered_are_the_most_recent_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A process pushing for ever more subjects keeps a bounded memory of their audiences;
    a push that reached nobody leaves nothing to stretch."""
    from collections import OrderedDict

    from core.live import coalesce

    monkeypatch.setattr(coalesce, "_audience", OrderedDict())
    monkeypatch.setattr(coalesce, "AUDIENCES_KEPT", 3)
    for number in range(5):
        coalesce._run_logged(f"subject:{number}", lambda n=number: 2000 + n)
    assert dict(coalesce._audience) == {"subject:2": 2002, "subject:3": 2003, "subject:4": 2004}
    coalesce._run_logged("subject:2", lambda: 10)
    coalesce._run_logged("subject:5", lambda: 5)
    assert list(coalesce._audience) == ["subject:4", "subject:2", "subject:5"]
    coalesce._run_logged("subject:4", lambda: 0)
    assert list(coalesce._audience) == ["subject:2", "subject:5"]
    assert coalesce.spaced_window("subject:4", 1.0) == 1.0
