"""Who is in a room, kept where the channel layer lives (process memory or Redis).

A connection in a room with presence is also reachable as its person's: instead of
joining the person's group (one more Redis round trip per handshake), its channel is
listed under the person, in the same script, and core.events sends the person's
messages to the listed channels too.

A join or a leave costs the same in a room of ten or ten thousand: a connection is
counted per person (a person with two tabs is one presence), and what changed is queued
as a delta. One connection per room and per second (whoever claims the announcement)
drains the queue and tells the room what changed, never the whole list; a newcomer
gets the count and at most MAX_NAMES names, read in constant time.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

from core.live.presence.base import (
    BROADCAST_DELAY_SECONDS,
    ENTRY_TTL_SECONDS,
    MAX_NAMES,
    POOL_CONNECTIONS,
    POOL_WAIT_SECONDS,
    REFRESH_SECONDS,
    SWEEP_BATCH,
    Changes,
    Entered,
    PresenceStore,
    Present,
)
from core.live.presence.memory import MemoryPresence
from core.live.presence.redis_store import RedisPresence

__all__ = [
    "BROADCAST_DELAY_SECONDS",
    "ENTRY_TTL_SECONDS",
    "MAX_NAMES",
    "POOL_CONNECTIONS",
    "POOL_WAIT_SECONDS",
    "REFRESH_SECONDS",
    "SWEEP_BATCH",
    "Changes",
    "Entered",
    "MemoryPresence",
    "Present",
    "PresenceStore",
    "RedisPresence",
    "delta_frame",
    "presence_store",
    "snapshot_frame",
]

_store: PresenceStore | None = None
_store_config: Any = None


def presence_store() -> PresenceStore:
    """The store matching the default channel layer: Redis for channels-redis layers (so
    every server process sees the same room), process memory for the in-memory layer."""
    global _store, _store_config
    config: dict[str, Any] = settings.CHANNEL_LAYERS.get("default", {})
    if _store is None or config != _store_config:
        backend = config.get("BACKEND", "")
        hosts = config.get("CONFIG", {}).get("hosts") or []
        if backend.startswith("channels_redis") and hosts:
            host = hosts[0]
            url = host if isinstance(host, str) else host.get("address", "")
            layer_prefix = config.get("CONFIG", {}).get("prefix") or "collegia:"
            _store = RedisPresence(url, layer_prefix)
        else:
            _store = MemoryPresence()
        _store_config = config
    return _store


def snapshot_frame(entered: Entered) -> dict[str, Any]:
    """What a newcomer is told: the number of people present and (up to MAX_NAMES) who.

    Everyone in the room reads the same names: whoever may enter a room may already read
    the name of each person who comments in it.
    """
    return {
        "type": "presence",
        "count": entered.count,
        "people": [{"id": p.person_id, "name": p.name} for p in entered.people],
        "truncated": entered.count > len(entered.people),
    }


def delta_frame(changes: Changes) -> dict[str, Any]:
    """What the room is told once a second while people come and go: only the change."""
    return {
        "type": "presence.delta",
        "count": changes.count,
        "joined": [{"id": p.person_id, "name": p.name} for p in changes.joined],
        "left": changes.left,
    }
