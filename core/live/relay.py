"""One listener per room and server process: a room's messages are received once in each
process and handed to its connections there, a slice at a time.

Channels' groups deliver a message to every connection of the group: in a room of 2,000
sockets, each push woke 2,000 tasks in one turn of the event loop, each decoding the same
message, and every request arriving meanwhile waited about a tenth of a second behind
them. Here the room's group holds one channel per process, the relay's. The relay hands
each message to the process's connections of the room (`Member.take`) in slices of
`SLICE`, letting the loop run between slices; a message that says `spread` is handed out
over that many seconds (core.live.coalesce.delivery_spread). A later message first
finishes the earlier one, so every connection sees them in order.

A connection writes a frame that comes in order while it is idle at once, without waking
its task; anything else waits in its own inbox for its dispatch loop (core.live.consumer).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import weakref
from typing import Any, Protocol

from core.live.background import received, retried

logger = logging.getLogger(__name__)

# How many connections receive a message in one turn of the event loop.
SLICE = 50
# How often a relay joins its group again: layers end a membership after a day
# (`group_expiry`), and a room may stay open longer.
REJOIN_SECONDS = 3600.0


class Member(Protocol):
    """A connection of a room, as its relay sees it."""

    async def take(self, message: dict[str, Any]) -> None:
        """Handle one message of the room; must not wait on anything but the socket."""


class Relay:
    """The process's listener of one room's group; see the module's docstring."""

    def __init__(self, layer: Any, group: str) -> None:
        self.layer = layer
        self.group = group
        # Insertion-ordered: those who came first are served first.
        self.members: dict[Member, None] = {}
        self.channel: str | None = None
        self.ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.task = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        try:
            self.channel = await self.layer.new_channel()
            await self._join_group()
        except asyncio.CancelledError:
            _forget(self)
            self.ready.cancel()
            raise
        except Exception as exc:
            _forget(self)
            self.ready.set_exception(exc)
            # Retrieved here too: no warning when every waiter has gone.
            self.ready.exception()
            return
        self.ready.set_result(None)
        arrival: asyncio.Future[Any] = asyncio.ensure_future(self._receive())
        try:
            while True:
                await asyncio.wait([arrival], timeout=REJOIN_SECONDS)
                if not arrival.done():
                    try:
                        await self._join_group()
                    except Exception:
                        logger.exception("Could not join group %s again", self.group)
                    continue
                message = arrival.result()
                arrival = asyncio.ensure_future(self._receive())
                await self._hand_out(message, arrival)
                del message
        finally:
            arrival.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await arrival

    async def _join_group(self) -> None:
        await retried(
            "Joining a group", functools.partial(self.layer.group_add, self.group, self.channel)
        )

    async def _receive(self) -> Any:
        return await received(functools.partial(self.layer.receive, self.channel), self.group)

    async def _hand_out(self, message: dict[str, Any], arrival: asyncio.Future[Any]) -> None:
        """Give `message` to every member, `SLICE` at a time, over its `spread` seconds
        unless `arrival` (the next message) comes first: then the rest get it at once."""
        members = list(self.members)
        slices = max(1, math.ceil(len(members) / SLICE))
        spread = float(message.get("spread") or 0)
        pause = spread / slices if spread > 0 else 0.0
        for start in range(0, len(members), SLICE):
            if start:
                if pause and not arrival.done():
                    await asyncio.wait([arrival], timeout=pause)
                else:
                    await asyncio.sleep(0)
            for member in members[start : start + SLICE]:
                if member not in self.members:
                    continue
                try:
                    await member.take(message)
                except Exception:
                    logger.exception("A connection of %s failed to take a message", self.group)

    async def _close(self) -> None:
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task
        if self.channel is None:
            return
        try:
            await retried(
                "Leaving a group",
                functools.partial(self.layer.group_discard, self.group, self.channel),
            )
        except Exception:
            logger.exception("Could not leave group %s", self.group)


# The relays of each event loop, by channel layer and group.
_relays: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[int, str], Relay]] = (
    weakref.WeakKeyDictionary()
)
# Closing relays outlive the connection whose leaving closed them.
_closing: set[asyncio.Task[Any]] = set()


def _registry() -> dict[tuple[int, str], Relay]:
    loop = asyncio.get_running_loop()
    registry = _relays.get(loop)
    if registry is None:
        registry = _relays[loop] = {}
    return registry


def _key(layer: Any, group: str) -> tuple[int, str]:
    return (id(layer), group)


def _forget(relay: Relay) -> None:
    registry = _registry()
    key = _key(relay.layer, relay.group)
    if registry.get(key) is relay:
        del registry[key]


def relay_of(layer: Any, group: str) -> Relay | None:
    """The running relay of `group` in this event loop, if any."""
    return _registry().get(_key(layer, group))


async def join(layer: Any, group: str, member: Member) -> None:
    """Make `member` one of the group's connections in this process: once this returns,
    every message sent to the group reaches it. Raises when the group cannot be joined."""
    relay = relay_of(layer, group)
    if relay is None:
        relay = _registry()[_key(layer, group)] = Relay(layer, group)
    relay.members[member] = None
    try:
        # Shielded: a connection given up during its handshake does not stop the relay.
        await asyncio.shield(relay.ready)
    except BaseException:
        leave(layer, group, member)
        raise


def leave(layer: Any, group: str, member: Member) -> None:
    """`member` receives nothing more of the group; the last one to leave closes the
    relay. Safe to call more than once."""
    relay = relay_of(layer, group)
    if relay is None or member not in relay.members:
        return
    del relay.members[member]
    if relay.members:
        return
    _forget(relay)
    task = asyncio.ensure_future(relay._close())
    _closing.add(task)
    task.add_done_callback(_closing.discard)
