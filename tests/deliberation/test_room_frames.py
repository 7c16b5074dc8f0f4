"""The frames of amendments, new text versions and the vote's opening carry what the
proposal page draws, sanitized or escaped by the server; the stored events keep ids and
state only, and a replay reads the content again from the records."""

from __future__ import annotations

import json
import unittest.mock
from collections.abc import Callable
from typing import Any

import pytest

from core import events as core_events
from deliberation import selectors, services
from deliberation.models import RoomEvent
from deliberation.room import room_last_seq
from tests.deliberation.factories import Room

pytestmark = pytest.mark.django_db


def _broadcast(capture_on_commit: Any, act: Callable[[], Any]) -> list[dict[str, Any]]:
    """The frames `act` sends to the room once its transaction commits."""
    sent: list[dict[str, Any]] = []
    with unittest.mock.patch.object(
        core_events, "_send_now", lambda groups, message: sent.append(message)
    ):
        with capture_on_commit(execute=False) as callbacks:
            act()
        for callback in callbacks:
            callback()
    return [json.loads(m["text"]) for m in sent if "text" in m]


def _one(frames: list[dict[str, Any]], type: str) -> dict[str, Any]:
    [frame] = [f for f in frames if f["type"] == type]
    return frame


def _propose(room: Room, body: str, reason: str = "") -> Any:
    return services.amendment_propose(
        actor=room.member, proposal=room.proposal, body=body, title="Antenne à Lyon", reason=reason
    )


def test_a_proposed_amendment_arrives_with_what_the_page_shows(
    room: Room, capture_on_commit: Any
) -> None:
    frames = _broadcast(
        capture_on_commit,
        lambda: _propose(room, "<p>Ouvrir une antenne à Lyon <b>&lt;vite&gt;</b></p>", "Coûts"),
    )
    data = _one(frames, "amendment.proposed")["data"]
    assert data["number"] == 1
    assert data["author"]["id"] == room.member.pk
    assert data["reason"] == "Coûts"
    assert data["title_changed"] is True
    assert (data["old_title"], data["new_title"]) == ("Ouvrir une antenne à Lyon", "Antenne à Lyon")
    # The changes as the page shows them: escaped text marked with <ins> and <del>.
    assert "<ins>" in data["diff"]
    assert "&lt;vite&gt;" in data["diff"] and "<vite>" not in data["diff"]
    # The event stored for replays keeps the state, not the text.
    stored = RoomEvent.objects.get(proposal=room.proposal, type="amendment.proposed").data
    assert "diff" not in stored and "reason" not in stored


def test_a_replayed_amendment_reads_its_content_again(room: Room, capture_on_commit: Any) -> None:
    base = room_last_seq(room.proposal.pk)
    live = _one(
        _broadcast(capture_on_commit, lambda: _propose(room, "<p>Une antenne à Lyon.</p>")),
        "amendment.proposed",
    )
    second = _propose(room, "<p>Deux antennes.</p>")
    replayed = selectors.room_events_since(room.proposal.pk, base)
    proposed = [f for f in replayed if f["type"] == "amendment.proposed"]
    assert proposed[0]["data"] == live["data"]
    assert proposed[1]["data"]["amendment_id"] == second.pk
    assert proposed[1]["data"]["number"] == 2


def test_an_accepted_amendment_sends_the_new_text_sanitized(
    room: Room, capture_on_commit: Any
) -> None:
    amendment = _propose(room, "<p>Une antenne à <em>Lyon</em><script>alert(1)</script></p>")
    frames = _broadcast(
        capture_on_commit,
        lambda: services.amendment_accept(actor=room.chair, amendment=amendment, note="Bien"),
    )
    decided = _one(frames, "amendment.decided")["data"]
    assert (decided["status"], decided["decision_note"], decided["version"]) == (
        "accepted",
        "Bien",
        2,
    )
    updated = _one(frames, "proposal.updated")["data"]
    assert updated["text_changed"] is True and updated["current_version"] == 2
    assert "<em>Lyon</em>" in updated["body"] and "script" not in updated["body"]
    assert updated["plain"].strip() == "Une antenne à Lyon"
    assert updated["title"] == "Antenne à Lyon"
    stored = RoomEvent.objects.filter(type="proposal.updated").order_by("seq").last()
    assert stored is not None and "body" not in stored.data


def test_a_replay_gives_each_new_version_its_own_text(room: Room) -> None:
    base = room_last_seq(room.proposal.pk)
    first = _propose(room, "<p>Version deux.</p>")
    services.amendment_accept(actor=room.chair, amendment=first)
    second = services.amendment_propose(
        actor=room.member, proposal=room.proposal, body="<p>Version trois.</p>", title="Trois"
    )
    services.amendment_accept(actor=room.chair, amendment=second)
    replayed = selectors.room_events_since(room.proposal.pk, base)
    texts = [
        (f["data"]["current_version"], f["data"]["body"])
        for f in replayed
        if f["type"] == "proposal.updated"
    ]
    assert texts == [(2, "<p>Version deux.</p>"), (3, "<p>Version trois.</p>")]


def test_a_change_of_status_sends_no_text(room: Room, capture_on_commit: Any) -> None:
    frames = _broadcast(
        capture_on_commit,
        lambda: services.proposal_withdraw(actor=room.author, proposal=room.proposal),
    )
    data = _one(frames, "proposal.updated")["data"]
    assert data["status"] == "withdrawn" and data["text_changed"] is False
    assert "body" not in data


def test_the_vote_opening_carries_the_panel_figures(capture_on_commit: Any) -> None:
    from tests.voting.factories import make_coop, make_proposal
    from voting import services as voting

    coop = make_coop({"Workers": 2, "Users": 1})
    proposal = make_proposal(coop)
    vote = voting.vote_create(
        actor=coop.chair,
        cooperative=coop.cooperative,
        proposal=proposal,
        method="resolution",
        results_live=True,
    )
    frames = _broadcast(capture_on_commit, lambda: voting.vote_open(actor=coop.chair, vote=vote))
    data = _one(frames, "vote.opened")["data"]
    assert data["vote"]["id"] == vote.pk
    assert (data["vote"]["status"], data["vote"]["results_live"]) == ("open", True)
    assert data["vote"]["method"] == "resolution"
    assert data["turnout"]["eligible"] == 3 and data["turnout"]["voted"] == 0
    eligible = {c["name"]: (c["eligible"], c["voted"]) for c in data["turnout"]["colleges"]}
    assert eligible == {
        "Workers": (2, 0),
        "Users": (1, 0),
        "Suppliers": (0, 0),
        "Authorities": (0, 0),
    }
    # Nothing in it names a voter: the page finds its reader's line from what it knows.
    assert "roll" not in json.dumps(data) and coop.person("Users").username not in json.dumps(data)
