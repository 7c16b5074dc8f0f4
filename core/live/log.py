"""A room's event log: every live event is stored with the room's next number, then
broadcast after commit; a client that missed some replays them from the store."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction

from core.events import publish


def json_safe(data: dict[str, Any]) -> dict[str, Any]:
    """`data` as the JSON types it is stored and sent as (dates become strings)."""
    result: dict[str, Any] = json.loads(json.dumps(data, cls=DjangoJSONEncoder))
    return result


def encode(frame: dict[str, Any]) -> str:
    return json.dumps(frame, separators=(",", ":"), cls=DjangoJSONEncoder)


@dataclass(frozen=True)
class RoomLog:
    """One kind of room (proposals, assemblies): where its events are stored and how
    they are numbered, grouped and framed.

    `next_seq(room_id)` takes the room's next number and must keep the room's counter
    locked until the transaction ends, so that numbers are given in commit order and a
    later number is never visible while an earlier one is not. `last_seq(room_id)` reads
    the last number given.
    """

    kind: str
    message_type: str
    event_model: type[models.Model]
    room_field: str
    next_seq: Callable[[int], int]
    last_seq: Callable[[int], int]

    def group(self, room_id: int) -> str:
        return f"{self.kind}.{room_id}"

    def frame(self, event: Any, *, content: dict[str, Any] | None = None) -> dict[str, Any]:
        """The JSON a client receives for one event: its type, number and data."""
        data = dict(event.data)
        if content:
            data.update(content)
        return {
            "type": event.type,
            "seq": event.seq,
            self.room_field: getattr(event, self.room_field),
            "at": event.created_at.isoformat(),
            "data": data,
        }

    def emit(
        self,
        room_id: int,
        *,
        type: str,
        data: dict[str, Any] | Callable[[], dict[str, Any]],
        content: dict[str, Any] | None = None,
        spread: float = 0.0,
    ) -> Any:
        """Store one event with the room's next number and broadcast it after commit.

        `data` is stored and holds only ids and state that everyone in the room may read.
        Given as a function, it is read once the number is taken (the counter stays
        locked until commit, so a later event never carries older state). `content`
        rides along in the live broadcast only: a replay rebuilds it from the current
        state, so text hidden or deleted later is never replayed. With `spread`, the
        room's relays hand it to their connections over that many seconds
        (core.live.relay; core.live.coalesce.delivery_spread: figures a large room need
        not see at once).
        """
        # No savepoint: the event belongs to the caller's change and fails with it.
        with transaction.atomic(savepoint=False):
            seq = self.next_seq(room_id)
            if callable(data):
                data = data()
            event = self.event_model.objects.create(  # type: ignore[attr-defined]
                **{self.room_field: room_id}, seq=seq, type=type, data=json_safe(data)
            )
            frame = self.frame(event, content=json_safe(content) if content else None)
            message = self.message(seq, encode(frame))
            if spread > 0:
                message["spread"] = spread
            publish(message, groups=[self.group(room_id)])
        return event

    def message(self, seq: int, text: str) -> dict[str, Any]:
        """The channel-layer message of one event: its number and its frame, encoded once
        for every connection in the room. Nothing else, so that the message a connection
        last handled costs it a few hundred bytes at most."""
        return {"type": self.message_type, "seq": seq, "text": text}

    def events_since(
        self, room_id: int, after: int, *, until: int | None = None, limit: int = 1000
    ) -> list[Any]:
        """The stored events numbered above `after` (and up to `until`), in order."""
        queryset = self.event_model.objects.filter(  # type: ignore[attr-defined]
            **{self.room_field: room_id, "seq__gt": after}
        )
        if until is not None:
            queryset = queryset.filter(seq__lte=until)
        return list(queryset.order_by("seq")[:limit])

    def frames(self, events: Iterable[Any]) -> list[dict[str, Any]]:
        return [self.frame(event) for event in events]
