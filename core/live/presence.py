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

import asyncio
import time
import weakref
from dataclasses import dataclass, field
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
# Names given to a newcomer, and names announced as joined in one update; the count is
# always exact.
MAX_NAMES = 100
# Stale connections (of a process that died) swept per join or leave: a bounded amount
# of work, so that sweeping never grows with the room.
SWEEP_BATCH = 20
# Redis connections one server process uses for presence, and how long a call waits
# for one when all are busy.
POOL_CONNECTIONS = 50
POOL_WAIT_SECONDS = 20


@dataclass(frozen=True)
class Present:
    person_id: int
    name: str


@dataclass(frozen=True)
class Entered:
    """What a connection learns as it enters: the number of people, a few of them, and
    whether it is the one to announce the changes of the next second."""

    count: int
    people: list[Present]
    announce: bool


@dataclass(frozen=True)
class Changes:
    """The changes of the last window: people who arrived (up to MAX_NAMES, with their
    names), the ids of people who left, and the exact count now."""

    count: int
    joined: list[Present] = field(default_factory=list)
    left: list[int] = field(default_factory=list)


class PresenceStore(Protocol):
    async def enter(
        self,
        room: int,
        connection: str,
        person: Present,
        *,
        announce_after: float = BROADCAST_DELAY_SECONDS,
    ) -> Entered: ...

    async def refresh(self, room: int, connection: str, person: Present) -> None: ...

    async def leave(
        self,
        room: int,
        connection: str,
        *,
        person_id: int = 0,
        announce_after: float = BROADCAST_DELAY_SECONDS,
    ) -> bool: ...

    async def person_channels(self, person_id: int) -> list[str]:
        """The channels of the person's connections that joined no person group: a
        message for the person is sent to each (see core.events)."""
        ...

    async def drain(self, room: int) -> Changes: ...

    async def count(self, room: int) -> int: ...

    async def people(self, room: int) -> list[Present]: ...


def _sorted(people: list[Present]) -> list[Present]:
    return sorted(people, key=lambda p: (p.name.lower(), p.person_id))


def _changes(count: int, deltas: list[tuple[str, int, str]]) -> Changes:
    """The net change of each person over the window, in the order of their last move."""
    last: dict[int, tuple[str, str]] = {}
    for sign, person_id, name in deltas:
        last.pop(person_id, None)
        last[person_id] = (sign, name)
    joined = [Present(pid, name) for pid, (sign, name) in last.items() if sign == "+"]
    left = [pid for pid, (sign, _name) in last.items() if sign == "-"]
    return Changes(count=count, joined=_sorted(joined)[:MAX_NAMES], left=left)


class MemoryPresence:
    """For the in-memory channel layer, which only ever serves one process."""

    def __init__(self) -> None:
        self.connections: dict[int, dict[str, tuple[Present, float]]] = {}
        self.refs: dict[int, dict[int, int]] = {}
        self.names: dict[int, dict[int, str]] = {}
        self.deltas: dict[int, list[tuple[str, int, str]]] = {}
        self.claims: dict[int, float] = {}
        self.reachable: dict[int, set[str]] = {}

    def _claim(self, room: int, seconds: float) -> bool:
        now = time.monotonic()
        if self.claims.get(room, 0.0) > now:
            return False
        self.claims[room] = now + seconds * 2
        return True

    def _drop(self, room: int, connection: str) -> bool:
        entry = self.connections.get(room, {}).pop(connection, None)
        if entry is None:
            return False
        person = entry[0]
        refs = self.refs.setdefault(room, {})
        refs[person.person_id] = refs.get(person.person_id, 1) - 1
        if refs[person.person_id] <= 0:
            del refs[person.person_id]
            self.names.get(room, {}).pop(person.person_id, None)
            self.deltas.setdefault(room, []).append(("-", person.person_id, person.name))
            return True
        return False

    def _sweep(self, room: int, *, everything: bool = False) -> None:
        now = time.monotonic()
        stale = [c for c, (_p, at) in self.connections.get(room, {}).items() if at < now]
        for connection in stale if everything else stale[:SWEEP_BATCH]:
            self._drop(room, connection)

    async def enter(
        self,
        room: int,
        connection: str,
        person: Present,
        *,
        announce_after: float = BROADCAST_DELAY_SECONDS,
    ) -> Entered:
        self._sweep(room)
        connections = self.connections.setdefault(room, {})
        known = connection in connections
        connections[connection] = (person, time.monotonic() + ENTRY_TTL_SECONDS)
        self.reachable.setdefault(person.person_id, set()).add(connection)
        changed = False
        if not known:
            refs = self.refs.setdefault(room, {})
            refs[person.person_id] = refs.get(person.person_id, 0) + 1
            if refs[person.person_id] == 1:
                self.names.setdefault(room, {})[person.person_id] = person.name
                self.deltas.setdefault(room, []).append(("+", person.person_id, person.name))
                changed = True
        names = self.names.get(room, {})
        sample = [Present(pid, name) for pid, name in list(names.items())[:MAX_NAMES]]
        announce = changed and self._claim(room, announce_after)
        return Entered(count=len(names), people=_sorted(sample), announce=announce)

    async def refresh(self, room: int, connection: str, person: Present) -> None:
        connections = self.connections.get(room, {})
        if connection in connections:
            connections[connection] = (person, time.monotonic() + ENTRY_TTL_SECONDS)

    async def leave(
        self,
        room: int,
        connection: str,
        *,
        person_id: int = 0,
        announce_after: float = BROADCAST_DELAY_SECONDS,
    ) -> bool:
        self.reachable.get(person_id, set()).discard(connection)
        changed = self._drop(room, connection)
        self._sweep(room)
        if not self.connections.get(room):
            self.connections.pop(room, None)
            self.refs.pop(room, None)
            self.names.pop(room, None)
        return changed and self._claim(room, announce_after)

    async def drain(self, room: int) -> Changes:
        self.claims.pop(room, None)
        deltas = self.deltas.pop(room, [])
        return _changes(len(self.refs.get(room, {})), deltas)

    async def count(self, room: int) -> int:
        return len(self.refs.get(room, {}))

    async def person_channels(self, person_id: int) -> list[str]:
        return sorted(self.reachable.get(person_id, set()))

    async def people(self, room: int) -> list[Present]:
        """Everyone present (a read of the whole room: for tools and tests only)."""
        self._sweep(room, everything=True)
        return _sorted([Present(pid, name) for pid, name in self.names.get(room, {}).items()])


# Redis keeps, per room (KEYS in this order): the connections by expiry time (a sorted
# set), connection -> person id, person id -> number of their connections, person id ->
# name, the queue of changes not yet announced, and the announcer's claim.
_SWEEP_AND_LEAVE = """
local function drop(c)
  if redis.call('ZREM', KEYS[1], c) == 0 then return 0 end
  local pid = redis.call('HGET', KEYS[2], c)
  redis.call('HDEL', KEYS[2], c)
  if not pid then return 0 end
  if redis.call('HINCRBY', KEYS[3], pid, -1) <= 0 then
    local name = redis.call('HGET', KEYS[4], pid) or ''
    redis.call('HDEL', KEYS[3], pid)
    redis.call('HDEL', KEYS[4], pid)
    redis.call('RPUSH', KEYS[5], '-' .. pid .. ':' .. name)
    return 1
  end
  return 0
end
local function sweep(now, batch)
  local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'LIMIT', 0, batch)
  for _, c in ipairs(stale) do drop(c) end
end
local function keep(ttl)
  for i = 1, 5 do redis.call('EXPIRE', KEYS[i], ttl) end
end
local function reachable(c, ttl)
  redis.call('SADD', KEYS[7], c)
  redis.call('EXPIRE', KEYS[7], ttl)
end
local function claim(ms)
  if redis.call('SET', KEYS[6], '1', 'NX', 'PX', ms) then return 1 end
  return 0
end
"""

_ENTER = (
    _SWEEP_AND_LEAVE
    + """
-- ARGV: connection, person id, name, expiry, now, key ttl, claim ms, names, sweep batch
sweep(ARGV[5], ARGV[9])
local changed = 0
if redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
  if redis.call('HINCRBY', KEYS[3], ARGV[2], 1) == 1 then
    redis.call('HSET', KEYS[4], ARGV[2], ARGV[3])
    redis.call('RPUSH', KEYS[5], '+' .. ARGV[2] .. ':' .. ARGV[3])
    changed = 1
  end
end
keep(ARGV[6])
reachable(ARGV[1], ARGV[6])
local announce = 0
if changed == 1 then announce = claim(ARGV[7]) end
local sample = redis.call('HSCAN', KEYS[4], 0, 'COUNT', ARGV[8])[2]
return {redis.call('HLEN', KEYS[3]), announce, sample}
"""
)

_LEAVE = (
    _SWEEP_AND_LEAVE
    + """
-- ARGV: connection, now, claim ms, sweep batch
local changed = drop(ARGV[1])
redis.call('SREM', KEYS[7], ARGV[1])
sweep(ARGV[2], ARGV[4])
if changed == 1 then return claim(ARGV[3]) end
return 0
"""
)

_PEOPLE = (
    _SWEEP_AND_LEAVE
    + """
-- ARGV: now. Every stale connection is swept: for tools and tests, not the join path.
sweep(ARGV[1], -1)
return redis.call('HGETALL', KEYS[4])
"""
)

_DRAIN = """
local deltas = redis.call('LRANGE', KEYS[5], 0, -1)
redis.call('DEL', KEYS[5])
redis.call('DEL', KEYS[6])
return {redis.call('HLEN', KEYS[3]), deltas}
"""


def _decode(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class RedisPresence:
    """A room's presence in a few Redis keys, each change one script (one round trip).

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
        self._scripts: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Any] = (
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
            self._scripts[loop] = {
                "enter": client.register_script(_ENTER),
                "leave": client.register_script(_LEAVE),
                "drain": client.register_script(_DRAIN),
                "people": client.register_script(_PEOPLE),
            }
        return client

    def _script(self, name: str) -> Any:
        self._client()
        return self._scripts[asyncio.get_running_loop()][name]

    def _key(self, room: int) -> str:
        return f"{self.prefix}{room}"

    def _keys(self, room: int, person_id: int | None = None) -> list[str]:
        base = self._key(room)
        keys = [f"{base}:{part}" for part in ("c", "p", "n", "names", "d", "announce")]
        return [*keys, self._person_key(person_id or 0)]

    def _person_key(self, person_id: int) -> str:
        return f"{self.prefix}person:{person_id}"

    async def enter(
        self,
        room: int,
        connection: str,
        person: Present,
        *,
        announce_after: float = BROADCAST_DELAY_SECONDS,
    ) -> Entered:
        now = time.time()
        count, announce, sample = await self._script("enter")(
            keys=self._keys(room, person.person_id),
            args=[
                connection,
                person.person_id,
                person.name,
                now + ENTRY_TTL_SECONDS,
                now,
                ENTRY_TTL_SECONDS * 2,
                max(1, int(announce_after * 2000)),
                MAX_NAMES,
                SWEEP_BATCH,
            ],
        )
        pairs = [_decode(v) for v in sample]
        people = [Present(int(pairs[i]), pairs[i + 1]) for i in range(0, len(pairs), 2)]
        return Entered(count=int(count), people=_sorted(people)[:MAX_NAMES], announce=announce == 1)

    async def refresh(self, room: int, connection: str, person: Present) -> None:
        client = self._client()
        keys = self._keys(room, person.person_id)
        async with client.pipeline(transaction=False) as pipe:
            pipe.zadd(keys[0], {connection: time.time() + ENTRY_TTL_SECONDS}, xx=True)
            for key in keys[:5] + keys[6:]:
                pipe.expire(key, ENTRY_TTL_SECONDS * 2)
            await pipe.execute()

    async def person_channels(self, person_id: int) -> list[str]:
        members = await self._client().smembers(self._person_key(person_id))
        return sorted(_decode(m) for m in members)

    async def leave(
        self,
        room: int,
        connection: str,
        *,
        person_id: int = 0,
        announce_after: float = BROADCAST_DELAY_SECONDS,
    ) -> bool:
        claimed = await self._script("leave")(
            keys=self._keys(room, person_id),
            args=[connection, time.time(), max(1, int(announce_after * 2000)), SWEEP_BATCH],
        )
        return bool(claimed == 1)

    async def drain(self, room: int) -> Changes:
        count, raw = await self._script("drain")(keys=self._keys(room), args=[])
        deltas = []
        for item in raw:
            text = _decode(item)
            person_id, _sep, name = text[1:].partition(":")
            deltas.append((text[0], int(person_id), name))
        return _changes(int(count), deltas)

    async def count(self, room: int) -> int:
        return int(await self._client().hlen(self._keys(room)[2]))

    async def people(self, room: int) -> list[Present]:
        """Everyone present (a read of the whole room: for tools and tests only)."""
        raw = await self._script("people")(keys=self._keys(room), args=[time.time()])
        pairs = [_decode(v) for v in raw]
        return _sorted([Present(int(pairs[i]), pairs[i + 1]) for i in range(0, len(pairs), 2)])


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
