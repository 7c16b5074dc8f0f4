"""The assembly room's event log: the core room log (core.live.log) configured for
assemblies, numbered by the assembly row's own counter."""

from __future__ import annotations

from typing import Any

from django.db.models import F

from assemblies.models import Assembly, AssemblyEvent
from core.live.log import RoomLog

# The channel-layer message type the assembly consumer handles for every stored event.
ROOM_EVENT_MESSAGE = "assembly.event"


def _next_seq(assembly_id: int) -> int:
    """The assembly row's counter, incremented in place: the row stays locked until the
    transaction ends, so numbers are given in commit order."""
    Assembly.objects.filter(pk=assembly_id).update(last_seq=F("last_seq") + 1)
    return int(Assembly.objects.values_list("last_seq", flat=True).get(pk=assembly_id))


def room_last_seq(assembly_id: int) -> int:
    value = Assembly.objects.filter(pk=assembly_id).values_list("last_seq", flat=True).first()
    return int(value or 0)


LOG = RoomLog(
    kind="assembly",
    message_type=ROOM_EVENT_MESSAGE,
    event_model=AssemblyEvent,
    room_field="assembly_id",
    next_seq=_next_seq,
    last_seq=room_last_seq,
)


def room_group(assembly_id: int) -> str:
    return LOG.group(assembly_id)


def event_frame(event: AssemblyEvent) -> dict[str, Any]:
    """The JSON a client receives for one event: its type, sequence number and data."""
    return LOG.frame(event)


def room_emit(
    *, assembly: Assembly, type: str, data: dict[str, Any], spread: float = 0.0
) -> AssemblyEvent:
    """Store one event with the next sequence number and broadcast it after commit.

    `data` holds only what every attendee may read (ids, counts, results), never a
    secret ballot's author. `spread`: see core.live.log.RoomLog.emit.
    """
    event: AssemblyEvent = LOG.emit(assembly.pk, type=type, data=data, spread=spread)
    return event


def room_events_since(assembly_id: int, since: int, *, limit: int = 500) -> list[dict[str, Any]]:
    """The stored events after `since`, in order, for a client that missed them."""
    return LOG.frames(LOG.events_since(assembly_id, since, limit=limit))
