"""The assembly room's event log: every live event is stored, numbered, then broadcast."""

from __future__ import annotations

import json
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import F

from assemblies.models import Assembly, AssemblyEvent
from core.events import publish

# The channel-layer message type the assembly consumer handles for every stored event.
ROOM_EVENT_MESSAGE = "assembly.event"


def room_group(assembly_id: int) -> str:
    return f"assembly.{assembly_id}"


def event_frame(event: AssemblyEvent) -> dict[str, Any]:
    """The JSON a client receives for one event: its type, sequence number and data."""
    return {
        "type": event.type,
        "seq": event.seq,
        "assembly_id": event.assembly_id,
        "at": event.created_at.isoformat(),
        "data": event.data,
    }


@transaction.atomic
def room_emit(*, assembly: Assembly, type: str, data: dict[str, Any]) -> AssemblyEvent:
    """Store one event with the next sequence number and broadcast it after commit.

    The assembly row's counter is incremented in place, which locks the row until the
    transaction ends: numbers are given in commit order, so a client never sees a later
    number while an earlier one is still invisible. `data` holds only what every
    attendee may read (ids, counts, results), never a secret ballot's author.
    """
    Assembly.objects.filter(pk=assembly.pk).update(last_seq=F("last_seq") + 1)
    seq = Assembly.objects.values_list("last_seq", flat=True).get(pk=assembly.pk)
    clean = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    event = AssemblyEvent.objects.create(assembly_id=assembly.pk, seq=seq, type=type, data=clean)
    publish(
        {"type": ROOM_EVENT_MESSAGE, "event": event_frame(event)}, groups=[room_group(assembly.pk)]
    )
    return event


def room_events_since(assembly_id: int, since: int, *, limit: int = 500) -> list[dict[str, Any]]:
    """The stored events after `since`, in order, for a client that missed them."""
    events = AssemblyEvent.objects.filter(assembly_id=assembly_id, seq__gt=since).order_by("seq")[
        :limit
    ]
    return [event_frame(event) for event in events]


def room_last_seq(assembly_id: int) -> int:
    value = Assembly.objects.filter(pk=assembly_id).values_list("last_seq", flat=True).first()
    return int(value or 0)
