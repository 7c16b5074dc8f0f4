"""Live events in the proposal room: turnout per college, partial results when live, the result."""

from __future__ import annotations

from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

from deliberation.models import RoomEvent
from deliberation.room import room_group
from tests.voting.factories import cast, make_coop, make_proposal, make_vote
from voting import services

pytestmark = pytest.mark.django_db

SMALL = {"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1}


def room_types(proposal: Any) -> list[str]:
    return list(
        RoomEvent.objects.filter(proposal=proposal).order_by("seq").values_list("type", flat=True)
    )


def test_turnout_per_college_is_pushed_and_results_wait_for_the_close() -> None:
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


def test_partial_results_are_pushed_when_the_vote_shows_them_live() -> None:
    coop = make_coop(SMALL)
    proposal = make_proposal(coop)
    vote = make_vote(coop, proposal=proposal, results_live=True)
    cast(coop.person("Workers"), vote, "for")
    cast(coop.person("Users"), vote, "against")
    partial = RoomEvent.objects.filter(proposal=proposal, type="vote.partial_results").latest("seq")
    assert partial.data["result"]["tally"]["totals"]["yes"] == 1
    assert partial.data["result"]["tally"]["totals"]["no"] == 1


def test_changing_a_ballot_pushes_no_turnout_when_results_are_not_live() -> None:
    coop = make_coop(SMALL)
    proposal = make_proposal(coop)
    vote = make_vote(coop, proposal=proposal)
    cast(coop.person("Workers"), vote, "for")
    before = RoomEvent.objects.filter(proposal=proposal).count()
    cast(coop.person("Workers"), vote, "against")
    assert RoomEvent.objects.filter(proposal=proposal).count() == before


def test_standalone_poll_publishes_nothing_to_rooms() -> None:
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
        cast(coop.person("Workers"), vote, "for")
    assert callbacks, "the push waits for the commit"
    for callback in callbacks:
        callback()
    message = async_to_sync(layer.receive)(channel)
    assert message["event"]["type"] == "vote.turnout"
    assert message["event"]["data"]["voted"] == 1
