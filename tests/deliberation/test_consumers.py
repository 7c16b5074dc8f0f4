"""The proposal room over WebSocket: access, ordered events across reconnects, presence, frames."""

from __future__ import annotations

import asyncio
import json
import unittest.mock
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator

from core import events as core_events
from core.live import presence
from deliberation import services
from deliberation.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED, MAX_FRAME_CHARS
from deliberation.models import ProposalVisibility
from deliberation.room import announce_logout, room_emit
from governance import services as governance_services
from governance.models import Membership
from tests.deliberation.factories import Room, make_room
from tests.deliberation.wsutil import closed_with, communicator, frames, next_frame

pytestmark = pytest.mark.django_db(transaction=True)

db = database_sync_to_async


@pytest.fixture(autouse=True)
def _quick_presence_and_clean_layer(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(presence, "BROADCAST_DELAY_SECONDS", 0.02)
    async_to_sync(get_channel_layer().flush)()
    yield
    async_to_sync(get_channel_layer().flush)()


@pytest.fixture
def live_room(transactional_db: None, settings: Any) -> Room:
    settings.COLLEGIA = {**settings.COLLEGIA, "COMMENT_RATE_LIMIT": "1000/60"}
    return make_room()


def run(scenario: Any) -> None:
    async def with_settle() -> None:
        await scenario()
        # Let presence broadcasts scheduled by the last disconnects finish in this loop.
        await asyncio.sleep(0.05)

    async_to_sync(with_settle)()


async def _connect(
    person: Any, proposal_id: int, query: str = "", **options: Any
) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    comm = communicator(person, proposal_id, query, **options)
    connected, _code = await comm.connect()
    assert connected
    welcome = await next_frame(comm, "room.welcome")
    return comm, welcome


def _post(room: Room, person: Any, body: str, **kw: Any) -> Any:
    return services.comment_create(actor=person, proposal=room.proposal, body=body, **kw)


def test_the_handshake_refuses_who_may_not_read(live_room: Room) -> None:
    from django.contrib.auth.models import AnonymousUser

    board_only = make_room(visibility=ProposalVisibility.BOARD)

    async def scenario() -> None:
        for person, proposal_id in (
            (live_room.outsider, live_room.proposal.pk),
            (AnonymousUser(), live_room.proposal.pk),
            (live_room.member, live_room.proposal.pk + 10_000),
            (board_only.member, board_only.proposal.pk),
            (board_only.observer, board_only.proposal.pk),
        ):
            comm = communicator(person, proposal_id)
            connected, code = await comm.connect()
            assert not connected
            assert code == CLOSE_FORBIDDEN
        comm, welcome = await _connect(live_room.observer, live_room.proposal.pk)
        assert welcome["you"]["id"] == live_room.observer.pk
        assert welcome["you"]["can_moderate"] is False
        await comm.disconnect()

    run(scenario)


def test_every_kind_of_event_is_pushed_in_order(live_room: Room) -> None:
    room = live_room

    async def scenario() -> None:
        comm, welcome = await _connect(room.observer, room.proposal.pk)
        start = welcome["last_seq"]
        comment = await db(_post)(room, room.member, "<p>Pour, avec @nobody</p>", stance="for")
        await db(services.comment_edit)(actor=room.member, comment=comment, body="<p>Pour !</p>")
        await db(services.reaction_add)(actor=room.author, comment=comment, kind="agree")
        await db(services.comment_hide)(actor=room.chair, comment=comment, reason="Test")
        await db(services.comment_unhide)(actor=room.chair, comment=comment)
        await db(services.comment_delete)(actor=room.member, comment=comment)
        amendment = await db(services.amendment_propose)(
            actor=room.member, proposal=room.proposal, body="<p>Autre</p>"
        )
        await db(services.amendment_accept)(actor=room.author, amendment=amendment)
        await db(room_emit)(proposal=room.proposal, type="vote.turnout", data={"voted": 1})
        received = await frames(comm)
        assert [f["type"] for f in received] == [
            "comment.created",
            "comment.edited",
            "reaction.changed",
            "comment.hidden",
            "comment.unhidden",
            "comment.deleted",
            "amendment.proposed",
            "amendment.decided",
            "proposal.updated",
            "vote.turnout",
        ]
        assert [f["seq"] for f in received] == list(range(start + 1, start + 11))
        created = received[0]
        assert created["data"]["body"] == "<p>Pour, avec @nobody</p>"
        assert created["data"]["author"]["id"] == room.member.pk
        assert created["data"]["stance"] == "for"
        assert received[1]["data"]["body"] == "<p>Pour !</p>"
        assert received[2]["data"]["counts"]["agree"] == 1
        assert received[3]["data"] == {"comment_id": comment.pk, "is_hidden": True}
        assert received[7]["data"]["version"] == 2
        assert received[8]["data"]["current_version"] == 2
        assert received[9]["data"] == {"voted": 1}
        await comm.disconnect()

    run(scenario)


def test_a_client_that_reconnects_gets_exactly_what_it_missed(live_room: Room) -> None:
    room = live_room

    async def scenario() -> None:
        comm, _welcome = await _connect(room.observer, room.proposal.pk)
        await db(_post)(room, room.member, "<p>avant</p>")
        seen = await frames(comm)
        assert [f["data"]["body"] for f in seen] == ["<p>avant</p>"]
        last_seq = seen[-1]["seq"]
        await comm.disconnect()

        for n in range(3):
            await db(_post)(room, room.member, f"<p>absent {n}</p>")

        comm, welcome = await _connect(room.observer, room.proposal.pk, f"last_seq={last_seq}")
        assert welcome["last_seq"] == last_seq + 3
        await db(_post)(room, room.member, "<p>après</p>")
        received = await frames(comm)
        assert [f["seq"] for f in received] == [
            last_seq + 1,
            last_seq + 2,
            last_seq + 3,
            last_seq + 4,
        ]
        assert [f["data"]["body"] for f in received] == [
            "<p>absent 0</p>",
            "<p>absent 1</p>",
            "<p>absent 2</p>",
            "<p>après</p>",
        ]
        await comm.disconnect()

    run(scenario)


def test_a_resume_frame_replays_from_the_given_number(live_room: Room) -> None:
    room = live_room

    async def scenario() -> None:
        comm, welcome = await _connect(room.observer, room.proposal.pk)
        for n in range(2):
            await db(_post)(room, room.member, f"<p>{n}</p>")
        first = await frames(comm)
        await comm.send_json_to({"type": "resume", "last_seq": welcome["last_seq"]})
        again = await frames(comm)
        assert [f["seq"] for f in again] == [f["seq"] for f in first]
        await comm.send_json_to({"type": "resume", "last_seq": "x"})
        error = await next_frame(comm, "error")
        assert error["code"] == "bad_last_seq"
        await comm.disconnect()

    run(scenario)


def test_a_dropped_broadcast_is_filled_from_the_log(live_room: Room) -> None:
    """Channel layers may drop a message; the next event reveals the gap."""
    room = live_room
    real_send = core_events._send_now
    dropped: list[int] = []

    def lossy_send(groups: list[str], message: dict[str, Any]) -> None:
        if message.get("type") == "room.event" and not dropped:
            dropped.append(message["seq"])
            return
        real_send(groups, message)

    async def scenario() -> None:
        comm, _welcome = await _connect(room.observer, room.proposal.pk)
        with unittest.mock.patch.object(core_events, "_send_now", lossy_send):
            await db(_post)(room, room.member, "<p>perdu en route</p>")
            assert await frames(comm) == []
            await db(_post)(room, room.member, "<p>suivant</p>")
        received = await frames(comm)
        assert [f["data"]["body"] for f in received] == ["<p>perdu en route</p>", "<p>suivant</p>"]
        assert received[0]["seq"] == dropped[0]
        await comm.disconnect()

    run(scenario)


def test_duplicates_and_late_deliveries_are_sent_once_in_order(live_room: Room) -> None:
    room = live_room

    async def scenario() -> None:
        comm, welcome = await _connect(room.observer, room.proposal.pk)
        captured: list[dict[str, Any]] = []
        with unittest.mock.patch.object(
            core_events, "_send_now", lambda groups, message: captured.append(message)
        ):
            for n in range(3):
                await db(_post)(room, room.member, f"<p>{n}</p>")
        layer = get_channel_layer()
        group = f"proposal.{room.proposal.pk}"
        # Delivered out of order, with repeats, as two publishing processes might.
        for index in (1, 0, 1, 2, 0, 2):
            await layer.group_send(group, captured[index])
        received = await frames(comm)
        start = welcome["last_seq"]
        assert [f["seq"] for f in received] == [start + 1, start + 2, start + 3]
        await comm.disconnect()

    run(scenario)


def test_bad_frames_get_error_events_and_the_connection_lives_on(live_room: Room) -> None:
    room = live_room

    async def scenario() -> None:
        comm, _welcome = await _connect(room.member, room.proposal.pk)
        bad: list[tuple[dict[str, Any], str]] = [
            ({"text_data": "not json {"}, "bad_json"),
            ({"text_data": "[1, 2]"}, "bad_frame"),
            ({"text_data": '{"no": "type"}'}, "bad_frame"),
            ({"text_data": '{"type": "launch.missiles", "ref": 7}'}, "unknown_type"),
            ({"text_data": "x" * (MAX_FRAME_CHARS + 1)}, "frame_too_large"),
            ({"bytes_data": b"\x00\x01"}, "text_only"),
            ({"text_data": '{"type": "comment.post", "body": ""}'}, "invalid"),
            ({"text_data": '{"type": "comment.post", "body": "<p>x</p>", "stance": 3}'}, "invalid"),
        ]
        for payload, code in bad:
            await comm.send_to(**payload)
            error = await next_frame(comm, "error")
            assert error["code"] == code, payload
        await comm.send_json_to({"type": "ping", "ref": "p1"})
        pong = await next_frame(comm, "pong")
        assert pong["ref"] == "p1"
        await comm.disconnect()

    run(scenario)


def test_messages_of_other_apps_on_the_person_group_are_ignored(live_room: Room) -> None:
    room = live_room

    async def scenario() -> None:
        comm, _welcome = await _connect(room.member, room.proposal.pk)
        layer = get_channel_layer()
        await layer.group_send(f"person.{room.member.pk}", {"type": "assembly.convened", "id": 1})
        await layer.group_send(
            f"person.{room.member.pk}", {"type": "access.changed", "cooperative_id": -1}
        )
        await comm.send_json_to({"type": "ping", "ref": 1})
        assert (await next_frame(comm, "pong"))["ref"] == 1
        await comm.disconnect()

    run(scenario)


def test_posting_through_the_socket_uses_the_service(live_room: Room, settings: Any) -> None:
    room = live_room
    settings.COLLEGIA = {**settings.COLLEGIA, "COMMENT_RATE_LIMIT": "1/60"}

    async def scenario() -> None:
        comm, _welcome = await _connect(room.member, room.proposal.pk)
        await comm.send_json_to(
            {
                "type": "comment.post",
                "ref": "a",
                "body": "<p>Salut <script>x</script></p>",
                "stance": "neutral",
            }
        )
        received = await frames(comm)
        assert [f["type"] for f in received] == ["comment.created", "comment.posted"] or [
            f["type"] for f in received
        ] == ["comment.posted", "comment.created"]
        created = next(f for f in received if f["type"] == "comment.created")
        assert created["data"]["body"] == "<p>Salut </p>"
        posted = next(f for f in received if f["type"] == "comment.posted")
        assert posted["ref"] == "a"
        assert posted["comment_id"] == created["data"]["comment_id"]
        await comm.send_json_to({"type": "comment.post", "ref": "b", "body": "<p>encore</p>"})
        error = await next_frame(comm, "error")
        assert (error["code"], error["ref"]) == ("rate_limited", "b")
        assert error["details"]["retry_after"] >= 1
        await comm.send_json_to({"type": "comment.post", "body": "<p>r</p>", "parent_id": 2**62})
        error = await next_frame(comm, "error")
        assert error["code"] == "not_found"
        await comm.disconnect()

    run(scenario)


def test_losing_membership_closes_the_socket_at_once(live_room: Room) -> None:
    room = live_room

    async def scenario() -> None:
        member, _welcome = await _connect(room.member, room.proposal.pk)
        observer, _welcome = await _connect(room.observer, room.proposal.pk)
        membership = await db(Membership.objects.get)(member__person=room.member, status="active")
        await db(governance_services.membership_resign)(actor=room.member, membership=membership)
        assert await closed_with(member) == CLOSE_FORBIDDEN
        await db(_post)(room, room.author, "<p>toujours là</p>")
        assert [f["type"] for f in await frames(observer)] == ["comment.created"]
        await observer.disconnect()

    run(scenario)


def test_restricting_the_audience_closes_the_sockets_of_those_left_out(
    live_room: Room,
) -> None:
    room = live_room

    async def scenario() -> None:
        observer, _welcome = await _connect(room.observer, room.proposal.pk)
        member, _welcome = await _connect(room.member, room.proposal.pk)
        await db(services.proposal_update)(
            actor=room.author, proposal=room.proposal, visibility=ProposalVisibility.MEMBERS
        )
        assert await closed_with(observer) == CLOSE_FORBIDDEN
        updated = await next_frame(member, "proposal.updated")
        assert updated["data"]["visibility"] == "members"
        assert await frames(member) == []
        await member.disconnect()

    run(scenario)


def test_logging_out_closes_that_session_only(live_room: Room) -> None:
    room = live_room

    async def scenario() -> None:
        browser, _w = await _connect(room.member, room.proposal.pk, session_key="s-one")
        other_browser, _w = await _connect(room.member, room.proposal.pk, session_key="s-two")
        api_client, _w = await _connect(room.member, room.proposal.pk, auth_method="token")
        await db(announce_logout)(person_id=room.member.pk, session_key="s-one")
        assert await closed_with(browser) == CLOSE_UNAUTHENTICATED
        await db(_post)(room, room.author, "<p>encore là</p>")
        for comm in (other_browser, api_client):
            assert [f["type"] for f in await frames(comm)] == ["comment.created"]
            await comm.disconnect()

    run(scenario)


def test_logout_through_django_pushes_to_the_person(live_room: Room) -> None:
    from django.contrib.auth import logout
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    room = live_room
    pushed: list[tuple[list[str], dict[str, Any]]] = []
    request = RequestFactory().get("/")
    request.session = SessionStore()
    request.session.create()
    request.user = room.member
    key = request.session.session_key
    with unittest.mock.patch.object(
        core_events, "_send_now", lambda groups, message: pushed.append((groups, message))
    ):
        logout(request)
    from deliberation.room import session_fingerprint

    assert pushed == [
        (
            [f"person.{room.member.pk}"],
            {"type": "access.changed", "reason": "logout", "session": session_fingerprint(key)},
        )
    ]


def test_presence_lists_who_is_in_the_room(live_room: Room) -> None:
    """A newcomer gets who is there; the others get only what changed (a delta)."""
    room = live_room

    async def scenario() -> None:
        first = communicator(room.member, room.proposal.pk)
        assert (await first.connect())[0]
        alone = await next_frame(first, "presence")
        assert (alone["count"], [p["id"] for p in alone["people"]]) == (1, [room.member.pk])
        second = communicator(room.observer, room.proposal.pk)
        assert (await second.connect())[0]
        both = await next_frame(second, "presence")
        assert both["count"] == 2
        assert {p["name"] for p in both["people"]} == {str(room.member), str(room.observer)}
        update = await next_frame(first, "presence.delta")
        while {"id": room.observer.pk, "name": str(room.observer)} not in update["joined"]:
            update = await next_frame(first, "presence.delta")
        assert update["count"] == 2
        assert update["left"] == []
        third = communicator(room.observer, room.proposal.pk)
        assert (await third.connect())[0]
        same_person = await next_frame(third, "presence")
        assert same_person["count"] == 2
        await second.disconnect()
        await third.disconnect()
        after = await next_frame(first, "presence.delta")
        while after["count"] != 1:
            after = await next_frame(first, "presence.delta")
        assert after["left"] == [room.observer.pk]
        assert after["joined"] == []
        await first.disconnect()

    run(scenario)


def test_full_stack_checks_origin_and_accepts_an_api_token(live_room: Room) -> None:
    from config.routing import websocket_application
    from tests.governance.factories import api_token

    room = live_room
    key = api_token(room.observer)
    path = f"/ws/proposals/{room.proposal.pk}/"

    async def attempt(headers: list[tuple[bytes, bytes]]) -> tuple[bool, WebsocketCommunicator]:
        comm = WebsocketCommunicator(websocket_application, path, headers=headers)
        connected, _code = await comm.connect()
        return connected, comm

    async def scenario() -> None:
        auth = (b"authorization", f"Token {key}".encode())
        ok, comm = await attempt([(b"origin", b"http://testserver"), auth])
        assert ok
        welcome = json.loads(await comm.receive_from())
        assert welcome["you"]["id"] == room.observer.pk
        await comm.disconnect()
        refused, _comm = await attempt([(b"origin", b"https://evil.example"), auth])
        assert not refused
        no_origin, _comm = await attempt([auth])
        assert not no_origin
        anonymous, _comm = await attempt([(b"origin", b"http://testserver")])
        assert not anonymous
        unknown = (b"authorization", f"Token {key[:-4]}xxxx".encode())
        forged, _comm = await attempt([(b"origin", b"http://testserver"), unknown])
        assert not forged

    run(scenario)


def test_a_token_that_authenticates_nobody_never_falls_back_to_the_session(
    live_room: Room,
) -> None:
    """A client that names a token is judged by it: a revoked one is refused even when
    the request also carries a signed-in browser's cookie."""
    from django.conf import settings
    from django.test import Client

    from config.routing import websocket_application
    from governance.tokens import api_token_revoke
    from tests.governance.factories import api_token

    room = live_room
    key = api_token(room.member)
    api_token_revoke(person=room.member, token_key=key[:15])
    browser = Client()
    browser.force_login(room.member)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"

    async def scenario() -> None:
        comm = WebsocketCommunicator(
            websocket_application,
            f"/ws/proposals/{room.proposal.pk}/",
            headers=[
                (b"origin", b"http://testserver"),
                (b"cookie", cookie.encode()),
                (b"authorization", f"Token {key}".encode()),
            ],
        )
        connected, _code = await comm.connect()
        assert not connected

    run(scenario)


def test_full_stack_accepts_the_browser_session(live_room: Room) -> None:
    from django.conf import settings
    from django.test import Client

    from config.routing import websocket_application

    room = live_room
    browser = Client()
    browser.force_login(room.member)
    cookie = f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
    path = f"/ws/proposals/{room.proposal.pk}/"

    async def scenario() -> None:
        comm = WebsocketCommunicator(
            websocket_application,
            path,
            headers=[(b"origin", b"http://localhost"), (b"cookie", cookie.encode())],
        )
        connected, _code = await comm.connect()
        assert connected
        welcome = await next_frame(comm, "room.welcome")
        assert welcome["you"]["id"] == room.member.pk
        await comm.disconnect()

    run(scenario)


def test_admissions_of_people_entering_at_once_run_side_by_side(
    live_room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two handshakes' database reads are in flight together: each waits at a barrier
    the other must reach, which one shared database thread would never let happen."""
    import threading

    from deliberation.consumers import ProposalConsumer

    room = live_room
    barrier = threading.Barrier(2, timeout=5)
    real_admit = ProposalConsumer.admit
    met: list[bool] = []

    def admit_together(self: Any, person: Any) -> int | None:
        try:
            barrier.wait()
            met.append(True)
        except threading.BrokenBarrierError:
            met.append(False)
        return real_admit(self, person)

    monkeypatch.setattr(ProposalConsumer, "admit", admit_together)

    async def scenario() -> None:
        (first, _w1), (second, _w2) = await asyncio.gather(
            _connect(room.member, room.proposal.pk), _connect(room.observer, room.proposal.pk)
        )
        await first.disconnect()
        await second.disconnect()

    run(scenario)
    assert met == [True, True]


def test_a_spread_event_arrives_within_its_spread_and_keeps_its_place(live_room: Room) -> None:
    """Figures a large room need not see at once are handed out over `spread` seconds
    (core.live.relay); an event right behind them still comes after them."""
    room = live_room

    async def scenario() -> None:
        comm, _welcome = await _connect(room.member, room.proposal.pk)
        await db(room_emit)(
            proposal=room.proposal, type="vote.turnout", data={"voted": 1}, spread=0.3
        )
        await db(room_emit)(proposal=room.proposal, type="vote.turnout", data={"voted": 2})
        first = await next_frame(comm, "vote.turnout", timeout=3)
        second = await next_frame(comm, "vote.turnout", timeout=3)
        assert (first["data"]["voted"], second["data"]["voted"]) == (1, 2)
        assert second["seq"] == first["seq"] + 1
        await comm.disconnect()

    run(scenario)
