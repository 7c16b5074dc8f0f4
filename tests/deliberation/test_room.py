"""The room event log: numbered in commit order, stored before broadcast, replayable."""

from __future__ import annotations

import json
import unittest.mock
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from core import events as core_events
from deliberation import selectors
from deliberation.models import RoomEvent
from deliberation.room import room_emit, room_last_seq
from tests.deliberation.factories import Room

pytestmark = pytest.mark.django_db


def test_sequence_numbers_follow_each_other_per_room(room: Room) -> None:
    from tests.deliberation.factories import make_proposal

    other = make_proposal(room.cooperative)
    start = RoomEvent.objects.filter(proposal=room.proposal).count()
    first = room_emit(proposal=room.proposal, type="test.one", data={"n": 1})
    room_emit(proposal=other, type="test.other", data={})
    second = room_emit(proposal=room.proposal, type="test.two", data={"n": 2})
    assert (first.seq, second.seq) == (start + 1, start + 2)
    assert RoomEvent.objects.filter(proposal=other).order_by("seq").last().seq == 2


def test_the_database_refuses_two_events_with_one_number(room: Room) -> None:
    event = room_emit(proposal=room.proposal, type="test.one", data={})
    with pytest.raises(IntegrityError), transaction.atomic():
        RoomEvent.objects.create(proposal=room.proposal, seq=event.seq, type="dup", data={})


def test_an_event_is_broadcast_only_after_commit(room: Room, capture_on_commit: Any) -> None:
    sent: list[dict[str, Any]] = []
    with unittest.mock.patch.object(
        core_events, "_send_now", lambda groups, message: sent.append(message)
    ):
        with capture_on_commit(execute=False) as callbacks:
            event = room_emit(proposal=room.proposal, type="vote.turnout", data={"voted": 3})
        assert RoomEvent.objects.filter(pk=event.pk).exists()
        assert sent == []
        for callback in callbacks:
            callback()
    frame = json.loads(sent[0]["text"])
    assert (sent[0]["seq"], frame["seq"]) == (event.seq, event.seq)
    assert frame["type"] == "vote.turnout"
    assert frame["data"] == {"voted": 3}


def test_a_rolled_back_event_frees_its_number(room: Room) -> None:
    with transaction.atomic():
        kept_before = room_emit(proposal=room.proposal, type="a", data={}).seq
    with pytest.raises(RuntimeError), transaction.atomic():
        room_emit(proposal=room.proposal, type="lost", data={})
        raise RuntimeError
    assert room_emit(proposal=room.proposal, type="b", data={}).seq == kept_before + 1


def test_replay_returns_what_followed_a_number_in_order(room: Room) -> None:
    base = room_last_seq(room.proposal.pk)
    for n in range(5):
        room_emit(proposal=room.proposal, type="test.n", data={"n": n})
    frames = selectors.room_events_since(room.proposal.pk, base + 2)
    assert [f["data"]["n"] for f in frames] == [2, 3, 4]
    assert [f["seq"] for f in frames] == [base + 3, base + 4, base + 5]
    bounded = selectors.room_events_since(room.proposal.pk, base, until=base + 2)
    assert [f["data"]["n"] for f in bounded] == [0, 1]
