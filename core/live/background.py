"""The work a room's connections share beyond one socket: retries of the passing faults of
Redis and of the channel layer, the delayed presence announcement, and the one refresher
per event loop that keeps every connection's presence entry alive."""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable
from typing import Any

from core.live import presence
from core.live.log import RoomLog, encode

logger = logging.getLogger("core.live.consumer")  # the name it had when this lived there

# A call to the channel layer or to presence that fails this way is a passing fault of
# the network or of Redis: it is retried, then given up with a log line.
TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (OSError, TimeoutError)
try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    TRANSIENT_ERRORS += (RedisConnectionError, RedisTimeoutError)
except ImportError:  # pragma: no cover - redis is a dependency
    pass
RETRIES = 3
RETRY_PAUSE_SECONDS = 0.2
# How long a receive from the channel layer pauses after a transient failure, at most.
RECEIVE_BACKOFF_MAX_SECONDS = 5.0

# Presence announcements outlive the connection that scheduled them.
_background: set[asyncio.Task[Any]] = set()


async def retried(what: str, call: Callable[[], Awaitable[Any]]) -> Any:
    """Run `call`, again after a short pause when it fails with a transient error."""
    for attempt in range(1, RETRIES + 1):
        try:
            return await call()
        except TRANSIENT_ERRORS as exc:
            if attempt == RETRIES:
                raise
            logger.warning("%s failed (%s); trying again", what, exc)
            await asyncio.sleep(RETRY_PAUSE_SECONDS * attempt)
    raise AssertionError("unreachable")


async def received(receive: Callable[[], Awaitable[Any]], where: str) -> Any:
    """The channel layer's next message for `receive`; a passing Redis fault (a read
    timing out) pauses and tries again, for as long as it lasts, rather than ending the
    connection or the room's relay that waits on it."""
    pause = RETRY_PAUSE_SECONDS
    while True:
        try:
            return await receive()
        except TRANSIENT_ERRORS as exc:
            logger.warning("Channel layer receive failed for %s (%s); retrying", where, exc)
            await asyncio.sleep(pause)
            pause = min(pause * 2, RECEIVE_BACKOFF_MAX_SECONDS)


async def _announce_presence_later(layer: Any, log: RoomLog, room_id: int, delay: float) -> None:
    """Send the room one delta for every change of presence in the last `delay` seconds."""
    store = presence.presence_store()
    try:
        await asyncio.sleep(delay)
        changes = await retried("Presence drain", lambda: store.drain(room_id))
        if not changes.joined and not changes.left:
            return
        # Encoded once here, not once per connection; nothing else rides along.
        text = encode(presence.delta_frame(changes))
        await retried(
            "Presence announcement",
            lambda: layer.group_send(
                log.group(room_id), {"type": "presence.changed", "text": text}
            ),
        )
    except Exception:
        logger.exception("Presence of room %s could not be announced", room_id)


class _Refresher:
    """Keeps the presence entries of one process's connections alive: one task per event
    loop for every connection, rather than a task (and its memory) per connection."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[int, presence.Present, Any, RoomLog]] = {}
        self.task: asyncio.Task[Any] | None = None

    def add(
        self, channel: str, room_id: int, me: presence.Present, layer: Any, log: RoomLog
    ) -> None:
        self.entries[channel] = (room_id, me, layer, log)
        if self.task is None or self.task.done():
            self.task = asyncio.ensure_future(self._run())

    def discard(self, channel: str) -> None:
        self.entries.pop(channel, None)

    async def _run(self) -> None:
        store = presence.presence_store()
        delay = presence.BROADCAST_DELAY_SECONDS
        while self.entries:
            await asyncio.sleep(presence.REFRESH_SECONDS)
            for channel in list(self.entries):
                entry = self.entries.get(channel)
                if entry is None:
                    continue
                room_id, me, layer, log = entry
                try:
                    # Entering again refreshes the entry, or restores one a fault lost.
                    entered = await store.enter(room_id, channel, me, announce_after=delay)
                except Exception:
                    logger.exception("Presence of room %s could not be refreshed", room_id)
                    continue
                if entered.announce:
                    _announce(layer, log, room_id, delay)


_refreshers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, _Refresher] = (
    weakref.WeakKeyDictionary()
)


def _refresher() -> _Refresher:
    loop = asyncio.get_running_loop()
    refresher = _refreshers.get(loop)
    if refresher is None:
        refresher = _refreshers[loop] = _Refresher()
    return refresher


def _announce(layer: Any, log: RoomLog, room_id: int, delay: float) -> None:
    task = asyncio.ensure_future(_announce_presence_later(layer, log, room_id, delay))
    _background.add(task)
    task.add_done_callback(_background.discard)
