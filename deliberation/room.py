"""The room event log: every live event of a proposal is stored, numbered, then broadcast."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F

from core.events import person_group, publish
from core.ws import session_fingerprint
from deliberation.models import Proposal, RoomCounter, RoomEvent

# The channel-layer message type the room consumer handles for every stored event.
ROOM_EVENT_MESSAGE = "room.event"


def room_group(proposal_id: int) -> str:
    return f"proposal.{proposal_id}"


def _json_safe(data: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result


def event_frame(event: RoomEvent, *, content: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON a client receives for one event: its type, sequence number and data."""
    data = dict(event.data)
    if content:
        data.update(content)
    return {
        "type": event.type,
        "seq": event.seq,
        "proposal_id": event.proposal_id,
        "at": event.created_at.isoformat(),
        "data": data,
    }


def _next_seq(proposal_id: int) -> int:
    """Take the next number of a room. The counter row stays locked until the transaction
    ends, so numbers are given in commit order and a later number is never visible while
    an earlier one is not."""
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


# No savepoint: the event belongs to the caller's change and fails with it.
@transaction.atomic(savepoint=False)
def room_emit(
    *,
    proposal: Proposal,
    type: str,
    data: dict[str, Any] | Callable[[], dict[str, Any]],
    content: dict[str, Any] | None = None,
) -> RoomEvent:
    """Store one room event with the next sequence number and broadcast it after commit.

    `data` is stored and must hold only ids and state that everyone in the room may read.
    Given as a function, it is read once the number is taken: the room's counter stays
    locked until commit, so a later event of the room never carries older state.
    `content` (for instance the text of a new comment) rides along in the live broadcast
    only; a replay rebuilds it from the current state (see selectors.room_events_since),
    so text hidden or deleted later is never replayed.
    """
    seq = _next_seq(proposal.pk)
    if callable(data):
        data = data()
    event = RoomEvent.objects.create(
        proposal_id=proposal.pk, seq=seq, type=type, data=_json_safe(data)
    )
    frame = event_frame(event, content=_json_safe(content) if content else None)
    # The text is encoded once here rather than once per connection in the room.
    text = json.dumps(frame, separators=(",", ":"))
    publish(
        {"type": ROOM_EVENT_MESSAGE, "event": frame, "text": text}, groups=[room_group(proposal.pk)]
    )
    return event


def room_last_seq(proposal_id: int) -> int:
    value = (
        RoomCounter.objects.filter(proposal_id=proposal_id)
        .values_list("last_seq", flat=True)
        .first()
    )
    return int(value or 0)


def room_recheck_access(*, proposal: Proposal) -> None:
    """Ask every live connection of a room to check its access again (after commit)."""
    publish(
        {"type": "access.changed", "proposal_id": proposal.pk}, groups=[room_group(proposal.pk)]
    )


def announce_logout(*, person_id: int, session_key: str | None) -> None:
    """Tell the person's live connections that one of their sessions ended."""
    publish(
        {"type": "access.changed", "reason": "logout", "session": session_fingerprint(session_key)},
        groups=[person_group(person_id)],
    )
