"""Who is in a proposal's room, kept where the channel layer lives (process memory or Redis)."""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

# A connection that has not refreshed its entry for this long is taken for gone (its
# server process may have died without saying goodbye).
ENTRY_TTL_SECONDS = 90
# Each connection refreshes its entry this often.
REFRESH_SECONDS = 30
# Joins and leaves within this window are announced to the room as one update, so that
# a thousand people arriving do not make a million messages.
BROADCAST_DELAY_SECONDS = 1.0
# Names listed in a presence update; the count is always exact.
MAX_NAMES = 100
# Redis connections one server process uses for presence, and how long a call waits
# for one when all are busy.
POOL_CONNECTIONS = 50
POOL_WAIT_SECONDS = 20


@dataclass(frozen=True)
class Present:
    person_id: int
    name: str


class PresenceStore(Protocol):
    async def enter(self, room: int, connection: str, person: Present) -> None: ...

    async def leave(self, room: int, connection: str) -> None: ...

    async def people(self, room: int) -> list[Present]: ...

    async def claim_broadcast(self, room: int, seconds: float) -> bool: ...

    async def release_broadcast(self, room: int) -> None: ...


def _distinct(entries: list[Present]) -> list[Present]:
    by_person = {p.person_id: p for p in entries}
    return sorted(by_person.values(), key=lambda p: (p.name.lower(), p.person_id))


class MemoryPresence:
    """For the in-memory channel layer, which only ever serves one process."""

    def __init__(self) -> None:
        self.rooms: dict[int, dict[str, tuple[Present, float]]] = {}
        self.claims: dict[int, float] = {}

    async def enter(self, room: int, connection: str, person: Present) -> None:
        self.rooms.setdefault(room, {})[connection] = (person, time.monotonic())

    async def leave(self, room: int, connection: str) -> None:
        entries = self.rooms.get(room, {})
        entries.pop(connection, None)
        if not entries:
            self.rooms.pop(room, None)

    async def people(self, room: int) -> list[Present]:
        return _distinct([p for p, _at in self.rooms.get(room, {}).values()])

    async def claim_broadcast(self, room: int, seconds: float) -> bool:
        now = time.monotonic()
        if self.claims.get(room, 0.0) > now:
            return False
        self.claims[room] = now + seconds
        return True

    async def release_broadcast(self, room: int) -> None:
        self.claims.pop(room, None)


class RedisPresence:
    """One Redis hash per room: connection -> person and expiry time.

    Keys start with the channel layer's prefix, so deployments sharing a Redis database
    keep separate rooms.
    """

    def __init__(self, url: str, layer_prefix: str = "collegia:") -> None:
        self.url = url
        self.prefix = f"{layer_prefix}presence:"
        # redis.asyncio clients belong to one event loop; tests and tools run several.
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
            weakref.WeakKeyDictionary()
        )

    def _client(self) -> Any:
        import redis.asyncio as redis

        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            # A room of a thousand people joins and leaves at once; the blocking pool
            # makes those calls wait for a connection instead of failing past the limit.
            pool = redis.BlockingConnectionPool.from_url(
                self.url, max_connections=POOL_CONNECTIONS, timeout=POOL_WAIT_SECONDS
            )
            client = self._clients[loop] = redis.Redis(connection_pool=pool)
        return client

    def _key(self, room: int) -> str:
        return f"{self.prefix}{room}"

    async def enter(self, room: int, connection: str, person: Present) -> None:
        value = json.dumps(
            {"p": person.person_id, "n": person.name, "x": time.time() + ENTRY_TTL_SECONDS}
        )
        client = self._client()
        async with client.pipeline(transaction=False) as pipe:
            pipe.hset(self._key(room), connection, value)
            pipe.expire(self._key(room), ENTRY_TTL_SECONDS * 2)
            await pipe.execute()

    async def leave(self, room: int, connection: str) -> None:
        await self._client().hdel(self._key(room), connection)

    async def people(self, room: int) -> list[Present]:
        client = self._client()
        raw = await client.hgetall(self._key(room))
        now = time.time()
        alive, stale = [], []
        for connection, value in raw.items():
            entry = json.loads(value)
            if entry["x"] < now:
                stale.append(connection)
            else:
                alive.append(Present(person_id=entry["p"], name=entry["n"]))
        if stale:
            await client.hdel(self._key(room), *stale)
        return _distinct(alive)

    async def claim_broadcast(self, room: int, seconds: float) -> bool:
        claimed = await self._client().set(
            f"{self._key(room)}:broadcast", "1", nx=True, px=max(1, int(seconds * 2000))
        )
        return bool(claimed)

    async def release_broadcast(self, room: int) -> None:
        await self._client().delete(f"{self._key(room)}:broadcast")


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


def presence_payload(people: list[Present]) -> dict[str, Any]:
    """What the room is told: the number of people present and (up to MAX_NAMES) who.

    Everyone in the room reads the same list: whoever may enter a room may already read
    the name of each person who comments in it.
    """
    return {
        "type": "presence",
        "count": len(people),
        "people": [{"id": p.person_id, "name": p.name} for p in people[:MAX_NAMES]],
        "truncated": len(people) > MAX_NAMES,
    }
