"""A room's relay: one channel per process in the room's group, messages handed to the
room's connections a slice at a time, in order, spread when asked."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.db import connection

from core.live import relay
from deliberation.room import room_emit, room_group
from tests.deliberation.factories import Room, make_room
from tests.deliberation.wsutil import communicator, next_frame


class Recorder:
    """A connection as the relay sees it: notes what it took and in which turn of the
    loop (the ticker's count when it took it)."""

    def __init__(self, ticker: list[int], log: list[tuple[int, int, int]], number: int) -> None:
        self.ticker = ticker
        self.log = log
        self.number = number

    async def take(self, message: dict[str, Any]) -> None:
        self.log.append((self.number, message["seq"], self.ticker[0]))


async def _tick(ticker: list[int]) -> None:
    while True:
        ticker[0] += 1
        await asyncio.sleep(0)


def test_a_message_reaches_a_slice_of_the_room_per_turn_of_the_loop() -> None:
    async def scenario() -> list[tuple[int, int, int]]:
        layer = InMemoryChannelLayer()
        ticker, log = [0], []
        members = [Recorder(ticker, log, n) for n in range(5 * relay.SLICE + 7)]
        for member in members:
            await relay.join(layer, "room.1", member)
        ticking = asyncio.ensure_future(_tick(ticker))
        await layer.group_send("room.1", {"type": "room.event", "seq": 1})
        for _ in range(200):
            if len(log) == len(members):
                break
            await asyncio.sleep(0.005)
        ticking.cancel()
        for member in members:
            relay.leave(layer, "room.1", member)
        return log

    log = async_to_sync(scenario)()
    assert sorted(number for number, _seq, _turn in log) == list(range(5 * relay.SLICE + 7))
    per_turn: dict[int, int] = {}
    for _number, _seq, turn in log:
        per_turn[turn] = per_turn.get(turn, 0) + 1
    # Six slices, each in a turn of its own: the loop ran other tasks in between.
    assert max(per_turn.values()) == relay.SLICE
    assert len(per_turn) == 6


def test_the_room_group_holds_one_channel_per_process_and_none_once_all_left() -> None:
    async def scenario() -> tuple[int, int, int]:
        layer = InMemoryChannelLayer()
        ticker, log = [0], []
        members = [Recorder(ticker, log, n) for n in range(30)]
        for member in members:
            await relay.join(layer, "room.2", member)
        held = len(layer.groups["room.2"])
        for member in members[:29]:
            relay.leave(layer, "room.2", member)
        relay.leave(layer, "room.2", members[0])  # twice: nothing happens
        still = len(layer.groups["room.2"])
        relay.leave(layer, "room.2", members[29])
        await asyncio.sleep(0.05)
        return held, still, len(layer.groups.get("room.2", {}))

    assert async_to_sync(scenario)() == (1, 1, 0)


def test_a_spread_message_takes_its_time_unless_another_follows() -> None:
    """Handed out over its `spread` seconds; a message arriving meanwhile first finishes
    it at once, and every member takes the two in order."""

    async def scenario() -> tuple[float, float, list[tuple[int, int, int]]]:
        layer = InMemoryChannelLayer()
        ticker, log = [0], []
        members = [Recorder(ticker, log, n) for n in range(4 * relay.SLICE)]
        for member in members:
            await relay.join(layer, "room.3", member)
        loop = asyncio.get_running_loop()
        start = loop.time()
        await layer.group_send("room.3", {"type": "room.event", "seq": 1, "spread": 0.4})
        while len(log) < len(members):
            await asyncio.sleep(0.005)
        alone = loop.time() - start
        log.clear()
        start = loop.time()
        await layer.group_send("room.3", {"type": "room.event", "seq": 2, "spread": 30})
        await asyncio.sleep(0.05)
        await layer.group_send("room.3", {"type": "room.event", "seq": 3})
        while len(log) < 2 * len(members):
            await asyncio.sleep(0.005)
        followed = loop.time() - start
        for member in members:
            relay.leave(layer, "room.3", member)
        return alone, followed, list(log)

    alone, followed, log = async_to_sync(scenario)()
    # Four slices over 0.4 s: three pauses of 0.1 s between them.
    assert 0.25 <= alone < 2
    # Thirty seconds asked, but the next message came: both were handed out at once.
    assert followed < 5
    for number in range(4 * relay.SLICE):
        assert [seq for member, seq, _turn in log if member == number] == [2, 3]


def test_a_group_that_cannot_be_joined_fails_the_join_and_leaves_no_relay() -> None:
    class Broken(InMemoryChannelLayer):  # type: ignore[misc]
        async def group_add(self, group: str, channel: str) -> None:
            raise RuntimeError("no groups today")

    async def scenario() -> bool:
        layer = Broken()
        with pytest.raises(RuntimeError):
            await relay.join(layer, "room.4", Recorder([0], [], 0))
        return relay.relay_of(layer, "room.4") is None

    assert async_to_sync(scenario)()


@pytest.fixture
def _clean_layer() -> Iterator[None]:
    async_to_sync(get_channel_layer().flush)()
    yield
    async_to_sync(get_channel_layer().flush)()


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("_clean_layer")
def test_a_busy_connection_gets_the_room_s_events_in_order_after_its_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """While a connection reads the log to replay what it missed (its dispatch loop busy,
    held here until three more events are out), the relay leaves them in its inbox: the
    socket shows each of them once, in order, after the replay."""
    from deliberation.consumers import ProposalConsumer

    room: Room = make_room()
    gate = threading.Event()
    replay = ProposalConsumer.replay_frames

    def held_replay(self: Any, after: int, until: int | None) -> list[dict[str, Any]]:
        if until is None:  # the resume's replay
            assert gate.wait(10)
        return replay(self, after, until)

    monkeypatch.setattr(ProposalConsumer, "replay_frames", held_replay)

    def emit_and_give_back(**event: Any) -> Any:
        # Emitted from another thread, as another request would, and like a request's
        # the connection goes back to the pool at the end. Kept by the thread, it stayed
        # checked out after the thread ended, until the garbage collector freed it: the
        # pool cannot close it, and the run could not drop its test database meanwhile.
        try:
            return room_emit(**event)
        finally:
            connection.close()

    emit = sync_to_async(emit_and_give_back, thread_sensitive=False)

    async def scenario() -> list[int]:
        socket = communicator(room.member, room.proposal.pk)
        assert (await socket.connect())[0]
        welcome = await next_frame(socket, "room.welcome")
        layer = get_channel_layer()
        assert len(layer.groups[room_group(room.proposal.pk)]) == 1
        # Nothing missed, but the resume reads the log all the same (held).
        await socket.send_json_to({"type": "resume", "last_seq": welcome["last_seq"]})
        for n in range(3):
            await emit(proposal=room.proposal, type="vote.turnout", data={"voted": n})
        await asyncio.sleep(0.2)
        early = []
        while not socket.output_queue.empty():
            early.append(json.loads(socket.output_queue.get_nowait()["text"]))
        assert [frame for frame in early if "seq" in frame] == []
        gate.set()
        seqs: list[int] = []
        last = welcome["last_seq"] + 3
        while not seqs or seqs[-1] < last:
            frame = json.loads((await socket.receive_output(timeout=3))["text"])
            if "seq" in frame:
                seqs.append(frame["seq"])
        await socket.disconnect()
        return seqs

    seqs = async_to_sync(scenario)()
    assert seqs == [seqs[0], seqs[0] + 1, seqs[0] + 2]


def test_a_connection_writes_at_once_only_what_comes_in_order_while_it_is_idle() -> None:
    from deliberation.consumers import ProposalConsumer
    from deliberation.room import LOG

    async def scenario() -> tuple[list[int], list[int]]:
        sent: list[int] = []

        async def base_send(message: dict[str, Any]) -> None:
            sent.append(json.loads(message["text"])["seq"])

        consumer = ProposalConsumer()
        consumer.base_send = base_send
        consumer.inbox = asyncio.Queue()
        consumer.person_id, consumer.last_sent = 7, 5

        def event(seq: int) -> dict[str, Any]:
            return LOG.message(seq, json.dumps({"seq": seq}))

        await consumer.take(event(5))  # already sent: dropped
        await consumer.take(event(6))  # in order, idle: written
        await consumer.take(event(8))  # a gap: the dispatch loop fills it
        await consumer.take(event(9))  # behind one held: held too
        consumer.held = 0
        consumer.last_sent = 9
        consumer.busy = True
        await consumer.take(event(10))  # the connection is busy: held
        held = []
        while not consumer.inbox.empty():
            held.append(consumer.inbox.get_nowait()["seq"])
        return sent, held

    assert async_to_sync(scenario)() == ([6], [8, 9, 10])


def test_a_relay_joins_its_group_again_before_the_layer_forgets_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(relay, "REJOIN_SECONDS", 0.05)

    async def scenario() -> list[int]:
        layer = InMemoryChannelLayer(group_expiry=1)
        ticker, log = [0], []
        member = Recorder(ticker, log, 0)
        await relay.join(layer, "room.5", member)
        await asyncio.sleep(1.5)
        await layer.group_send("room.5", {"type": "room.event", "seq": 1})
        await asyncio.sleep(0.1)
        relay.leave(layer, "room.5", member)
        return [seq for _number, seq, _turn in log]

    assert async_to_sync(scenario)() == [1]
