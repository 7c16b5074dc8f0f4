"""The one way to push live events: `publish()`, scheduled after the transaction commits."""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Iterable
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction

logger = logging.getLogger(__name__)

_server_loop: asyncio.AbstractEventLoop | None = None
_server_thread: int | None = None


def bind_server_loop(loop: asyncio.AbstractEventLoop) -> None:
    """Remember the ASGI server's loop, for workers that run as threads beside it.

    The in-memory channel layer lives in that loop; a worker thread must hand its
    sends to the loop rather than start a loop of its own.
    """
    global _server_loop, _server_thread
    _server_loop = loop
    _server_thread = threading.get_ident()


PERSON_GROUP_PREFIX = "person."


def person_group(person_id: int) -> str:
    """The group of a person's live connections: notifications and access changes.

    Connections of rooms with presence do not join it: their channels are listed under
    the person by core.live.presence, and a message to the group goes to them too."""
    return f"{PERSON_GROUP_PREFIX}{person_id}"


async def _send_to_listed_channels(layer: Any, person_id: int, message: dict[str, Any]) -> None:
    from core.live.presence import presence_store

    for channel in await presence_store().person_channels(person_id):
        await layer.send(channel, message)


def _send_now(groups: Iterable[str], message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return

    async def send_all() -> None:
        for group in groups:
            await layer.group_send(group, message)
            if group.startswith(PERSON_GROUP_PREFIX):
                await _send_to_listed_channels(
                    layer, int(group[len(PERSON_GROUP_PREFIX) :]), message
                )

    try:
        if _server_loop is not None and threading.get_ident() != _server_thread:
            try:
                asyncio.get_running_loop()
                running = True
            except RuntimeError:
                running = False
            if not running and _is_plain_thread():
                asyncio.run_coroutine_threadsafe(send_all(), _server_loop).result(timeout=10)
                return
        async_to_sync(send_all)()
    except Exception:
        # A lost push is recovered by clients from the stored event log; it must never
        # undo or fail the committed write that caused it.
        logger.exception("Live event could not be pushed to %s", list(groups))


def _is_plain_thread() -> bool:
    """True for worker threads; false inside asgiref's sync_to_async executor threads."""
    from asgiref.sync import SyncToAsync

    return getattr(SyncToAsync.threadlocal, "main_event_loop", None) is None


def publish(message: dict[str, Any], *, groups: Iterable[str]) -> None:
    """Send `message` to `groups` once the current transaction commits (at once if none).

    `message` must carry a "type" naming the consumer handler, and only ids and state
    that every member of the groups may read.
    """
    targets = list(groups)
    transaction.on_commit(lambda: _send_now(targets, message))
