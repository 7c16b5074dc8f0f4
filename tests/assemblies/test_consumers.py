"""The assembly room over WebSocket: access at the handshake and after, live events in order,
replay after a reconnect, the booth over the socket, and bad frames."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from assemblies import services
from assemblies.consumers import CLOSE_FORBIDDEN
from assemblies.models import Assembly
from assemblies.routing import urlpatterns
from governance import services as governance
from tests.assemblies.factories import (
    FIRST_CALL,
    T0,
    SmallCoop,
    make_assembly,
    member,
    resolution,
    small_coop,
)
from tests.governance.factories import PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)
db = database_sync_to_async


@pytest.fixture(autouse=True)
def _clean_layer() -> Iterator[None]:
    async_to_sync(get_channel_layer().flush)()
    yield
    async_to_sync(get_channel_layer().flush)()


class AsPerson:
    """Stand-in for the authentication middleware: puts a person in the scope."""

    def __init__(self, inner: Any, person: Any) -> None:
        self.inner, self.person = inner, person

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        return await self.inner({**scope, "user": self.person}, receive, send)


def _socket(person: Any, assembly_id: int, query: str = "") -> WebsocketCommunicator:
    path = f"/ws/assemblies/{assembly_id}/" + (f"?{query}" if query else "")
    return WebsocketCommunicator(AsPerson(URLRouter(urlpatterns), person), path)


async def _next(comm: WebsocketCommunicator, type_: str) -> dict[str, Any]:
    while True:
        message = await comm.receive_output(timeout=2)
        if message["type"] == "websocket.close":
            raise AssertionError(f"closed with {message.get('code')} waiting for {type_}")
        frame = json.loads(message["text"])
        if frame["type"] == type_:
            return frame


async def _drain(comm: WebsocketCommunicator) -> list[dict[str, Any]]:
    frames = []
    while not await comm.receive_nothing(timeout=0.2):
        message = await comm.receive_output()
        if message["type"] == "websocket.close":
            frames.append({"type": "_closed", "code": message.get("code")})
            break
        frames.append(json.loads(message["text"]))
    return frames


def _convened(coop: SmallCoop) -> Assembly:
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    return assembly


def _check_in(coop: SmallCoop, assembly: Assembly, person: Any) -> None:
    services.attendance_check_in(
        actor=coop.chair,
        assembly=assembly,
        mode="present",
        member_id=member(coop.cooperative, person.username).pk,
        now=FIRST_CALL,
    )


def test_the_handshake_refuses_who_may_not_see_the_assembly() -> None:
    coop = small_coop()
    draft = make_assembly(coop.cooperative, chair=coop.chair)
    worker = coop.people["Workers"][0]
    outsider = PersonFactory()

    async def scenario() -> None:
        for person, assembly_id in (
            (outsider, draft.pk),
            (AnonymousUser(), draft.pk),
            (worker, draft.pk),
            (worker, draft.pk + 1000),
        ):
            comm = _socket(person, assembly_id)
            connected, code = await comm.connect()
            assert (connected, code) == (False, CLOSE_FORBIDDEN)
        comm = _socket(coop.chair, draft.pk)
        connected, _code = await comm.connect()
        assert connected
        await comm.disconnect()

    async_to_sync(scenario)()


def test_attendees_see_events_live_and_get_what_they_missed_on_reconnect() -> None:
    coop = small_coop()
    assembly = _convened(coop)
    workers = coop.people["Workers"]

    async def scenario() -> None:
        comm = _socket(workers[0], assembly.pk)
        assert (await comm.connect())[0]
        welcome = await _next(comm, "room.welcome")
        assert welcome["last_seq"] == 1  # the convocation
        await db(_check_in)(coop, assembly, workers[0])
        live = await _next(comm, "attendance.changed")
        assert (live["seq"], live["data"]["present"], live["data"]["attending"]) == (2, 1, 1)
        await comm.disconnect()

        # While away: two more check-ins.
        await db(_check_in)(coop, assembly, workers[1])
        await db(_check_in)(coop, assembly, workers[2])

        back = _socket(workers[0], assembly.pk, query="last_seq=2")
        assert (await back.connect())[0]
        frames = await _drain(back)
        assert [f["type"] for f in frames] == [
            "room.welcome",
            "attendance.changed",
            "attendance.changed",
        ]
        assert [f["seq"] for f in frames[1:]] == [3, 4]
        assert frames[-1]["data"]["present"] == 3
        await back.send_to(text_data=json.dumps({"type": "resume", "last_seq": 3}))
        (again,) = await _drain(back)
        assert again["seq"] == 4
        await back.disconnect()

    async_to_sync(scenario)()


def test_members_vote_through_the_socket_and_everyone_sees_the_turnout() -> None:
    coop = small_coop()
    assembly = _convened(coop)
    workers = coop.people["Workers"]
    for person in workers:
        _check_in(coop, assembly, person)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    motion = resolution(assembly)
    point = motion.item

    async def scenario() -> None:
        voter = _socket(workers[0], assembly.pk)
        watcher = _socket(coop.chair, assembly.pk)
        assert (await voter.connect())[0] and (await watcher.connect())[0]
        await db(services.item_open)(
            actor=coop.chair, item=point, now=FIRST_CALL + dt.timedelta(minutes=1)
        )
        opened = await _next(watcher, "item.opened")
        assert opened["data"]["resolutions"][0]["resolution_id"] == motion.pk
        await voter.send_to(
            text_data=json.dumps(
                {"type": "ballot.cast", "ref": "b1", "resolution_id": motion.pk, "choice": "for"}
            )
        )
        reply = await _next(voter, "ballot.cast")
        assert (reply["ref"], reply["choice"], reply["changed"]) == ("b1", "for", False)
        turnout = await _next(watcher, "resolution.turnout")
        assert turnout["data"]["turnout"]["voted"] == 1
        await voter.send_to(
            text_data=json.dumps(
                {"type": "ballot.cast", "ref": "b2", "resolution_id": motion.pk, "choice": "maybe"}
            )
        )
        error = await _next(voter, "error")
        assert (error["code"], error["ref"]) == ("invalid", "b2")
        await voter.disconnect()
        await watcher.disconnect()

    async_to_sync(scenario)()


def test_bad_frames_get_an_error_and_the_socket_stays_open() -> None:
    coop = small_coop()
    assembly = _convened(coop)

    async def scenario() -> None:
        comm = _socket(coop.chair, assembly.pk)
        assert (await comm.connect())[0]
        await _next(comm, "room.welcome")
        for text, code in (
            ("not json", "bad_json"),
            ("[1]", "bad_frame"),
            ('{"type": "dance"}', "unknown_type"),
            ("x" * 20_000, "frame_too_large"),
            ('{"type": "resume", "last_seq": -1}', "bad_last_seq"),
        ):
            await comm.send_to(text_data=text)
            assert (await _next(comm, "error"))["code"] == code
        await comm.send_to(text_data='{"type": "ping", "ref": 7}')
        assert (await _next(comm, "pong"))["ref"] == 7
        await comm.disconnect()

    async_to_sync(scenario)()


def test_a_member_who_leaves_the_cooperative_is_disconnected_at_once() -> None:
    coop = small_coop()
    assembly = _convened(coop)
    worker = coop.people["Workers"][0]
    membership = worker.memberships_as_person.get().memberships.get()

    async def scenario() -> None:
        comm = _socket(worker, assembly.pk)
        assert (await comm.connect())[0]
        await _next(comm, "room.welcome")
        await db(governance.membership_resign)(actor=worker, membership=membership)
        revoked = await _next(comm, "access.revoked")
        assert revoked["reason"] == "access"
        message = await comm.receive_output(timeout=2)
        assert message == {"type": "websocket.close", "code": CLOSE_FORBIDDEN}

    async_to_sync(scenario)()


def test_turnout_is_pushed_once_per_window_per_resolution(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ballots pouring in make one turnout push per window, carrying the last figures."""
    from core.live import coalesce

    timers: list[Any] = []

    class HeldTimer:
        """The window's timer, held so the test says when the window ends."""

        def __init__(self, interval: float, function: Any, args: Any = ()) -> None:
            self.interval, self.function, self.args = interval, function, args
            self.daemon = False
            self.name = ""

        def start(self) -> None:
            timers.append(self)

    monkeypatch.setattr(coalesce.threading, "Timer", HeldTimer)
    settings.COLLEGIA = {
        **settings.COLLEGIA,
        "TURNOUT_PUSH_SECONDS": 1,
        "LIVE_FRAMES_PER_SECOND": 4,
    }
    from assemblies import live

    spreads: list[float] = []
    room_emit = live.room_emit

    def emitted(**kwargs: Any) -> Any:
        spreads.append(kwargs["spread"])
        return room_emit(**kwargs)

    monkeypatch.setattr(live, "room_emit", emitted)
    coop = small_coop()
    assembly = _convened(coop)
    workers = coop.people["Workers"]
    for person in workers:
        _check_in(coop, assembly, person)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    motion = resolution(assembly)
    services.item_open(actor=coop.chair, item=motion.item, now=FIRST_CALL)
    motion.refresh_from_db()
    for person in workers:
        services.assembly_ballot_cast(actor=person, resolution=motion, choice="for", now=FIRST_CALL)
    pushed = assembly.events.filter(type="resolution.turnout")
    assert len(workers) > 1
    turnout_timers = [t for t in timers if "turnout" in t.name]
    assert [t.interval for t in turnout_timers] == [1.0], "one push asked for the whole burst"
    assert not pushed.exists(), "the push waits for its window"
    turnout_timers[0].function(*turnout_timers[0].args)
    assert [e.data["turnout"]["voted"] for e in pushed] == [len(workers)]
    # The very first push is handed out over the time its audience takes at four frames
    # a second, as later ones are: no room gets a first burst.
    assert spreads == [pushed.get().data["turnout"]["eligible"] / 4]
    # The window is over: the next ballot asks for a push of its own.
    services.assembly_ballot_cast(
        actor=workers[0], resolution=motion, choice="against", now=FIRST_CALL
    )
    assert len([t for t in timers if "turnout" in t.name]) == 2
