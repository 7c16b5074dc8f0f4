"""The proposal room's event log: the core room log (core.live.log) configured for
proposals, numbered by each proposal's RoomCounter row."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import F

from core.events import publish
from core.live.log import RoomLog
from core.live.signals import announce_logout  # noqa: F401  (its home was here)
from core.ws import session_fingerprint  # noqa: F401  (its home was here)
from deliberation.models import Proposal, RoomCounter, RoomEvent

# The channel-layer message type the room consumer handles for every stored event.
ROOM_EVENT_MESSAGE = "room.event"


def _next_seq(proposal_id: int) -> int:
    """Take the next number of a room; the counter row stays locked until commit."""
    if connection.vendor in ("postgresql", "sqlite"):
        # One round trip instead of two: this runs for every event of every room.
        quote = connection.ops.quote_name
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {quote(RoomCounter._meta.db_table)} SET {quote('last_seq')} = "
                f"{quote('last_seq')} + 1 WHERE {quote('proposal_id')} = %s "
                f"RETURNING {quote('last_seq')}",
                [proposal_id],
            )
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
    updated = RoomCounter.objects.filter(proposal_id=proposal_id).update(last_seq=F("last_seq") + 1)
    if not updated:
        RoomCounter.objects.get_or_create(proposal_id=proposal_id)
        RoomCounter.objects.filter(proposal_id=proposal_id).update(last_seq=F("last_seq") + 1)
    return RoomCounter.objects.values_list("last_seq", flat=True).get(proposal_id=proposal_id)


def room_last_seq(proposal_id: int) -> int:
    value = (
        RoomCounter.objects.filter(proposal_id=proposal_id)
        .values_list("last_seq", flat=True)
        .first()
    )
    return int(value or 0)


LOG = RoomLog(
    kind="proposal",
    message_type=ROOM_EVENT_MESSAGE,
    event_model=RoomEvent,
    room_field="proposal_id",
    next_seq=_next_seq,
    last_seq=room_last_seq,
)


def room_group(proposal_id: int) -> str:
    return LOG.group(proposal_id)


def event_frame(event: RoomEvent, *, content: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON a client receives for one event: its type, sequence number and data."""
    return LOG.frame(event, content=content)


def room_emit(
    *,
    proposal: Proposal,
    type: str,
    data: dict[str, Any] | Callable[[], dict[str, Any]],
    content: dict[str, Any] | None = None,
    spread: float = 0.0,
) -> RoomEvent:
    """Store one room event with the next sequence number and broadcast it after commit.

    `content` (the sanitized text of a new or edited comment) rides along in the live
    broadcast only; a replay rebuilds it from the current state (see
    selectors.room_events_since), so text hidden or deleted later is never replayed.
    `spread`: see core.live.log.RoomLog.emit.
    """
    event: RoomEvent = LOG.emit(proposal.pk, type=type, data=data, content=content, spread=spread)
    return event


def room_recheck_access(*, proposal: Proposal) -> None:
    """Ask every live connection of a room to check its access again (after commit)."""
    publish(
        {"type": "access.changed", "proposal_id": proposal.pk}, groups=[room_group(proposal.pk)]
    )
