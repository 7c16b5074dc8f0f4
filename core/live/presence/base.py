"""What every presence store shares: its timings and limits, the records it returns, and
the protocol both stores follow."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

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
