"""Presence in process memory, for the in-memory channel layer (one server process)."""

from __future__ import annotations

import time

from core.live.presence.base import (
    BROADCAST_DELAY_SECONDS,
    ENTRY_TTL_SECONDS,
    MAX_NAMES,
    SWEEP_BATCH,
    Changes,
    Entered,
    Present,
    _changes,
    _sorted,
)


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
