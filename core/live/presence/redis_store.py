"""Presence in Redis, for channels-redis layers, so that every server process sees the
same room: the Lua scripts that change it atomically, and the store that runs them."""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from typing import Any

from core.live.presence.base import (
    BROADCAST_DELAY_SECONDS,
    ENTRY_TTL_SECONDS,
    MAX_NAMES,
    POOL_CONNECTIONS,
    POOL_WAIT_SECONDS,
    SWEEP_BATCH,
    Changes,
    Entered,
    Present,
    _changes,
    _sorted,
)

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
-- One JSON string rather than a nested reply: decoding a reply of a hundred names
-- element by element cost more than the rest of the handshake.
return cjson.encode({redis.call('HLEN', KEYS[3]), announce, sample})
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
        reply = await self._script("enter")(
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
        count, announce, pairs = json.loads(reply)
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
