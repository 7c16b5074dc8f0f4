"""The WebSocket of an assembly's room: the core room consumer (core.live.consumer)
configured for assemblies, with the `ballot.cast` frame."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.utils.translation import gettext as _

from assemblies import services
from assemblies.inputs import BoothCastInput
from assemblies.permissions import access_booth_for_cast, room_last_seq
from assemblies.room import LOG
from core.errors import InvalidInput
from core.live.consumer import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED, RoomConsumer
from core.sql import transaction_ending_with_write
from governance.models import Person

__all__ = ["CLOSE_FORBIDDEN", "CLOSE_UNAUTHENTICATED", "MAX_FRAME_CHARS", "AssemblyConsumer"]

MAX_FRAME_CHARS = 16 * 1024
MAX_REPLAY = 500


def _cast(person: Person, assembly_id: int, frame: dict[str, Any]) -> dict[str, Any]:
    """The `ballot.cast` frame: the same validation and service as the HTTP booth."""
    resolution_id = frame.get("resolution_id")
    if isinstance(resolution_id, bool) or not isinstance(resolution_id, int):
        raise InvalidInput(code="resolution_required", message=_("Say which resolution."))
    serializer = BoothCastInput(data=frame)
    if not serializer.is_valid():
        raise InvalidInput(details=dict(serializer.errors))
    values = serializer.validated_data
    # The ballot's write goes with the COMMIT: the audit head is released at once.
    with transaction_ending_with_write():
        booth = access_booth_for_cast(person, assembly_id, resolution_id)
        cast = services.assembly_ballot_cast(
            actor=person,
            resolution=booth.resolution,
            choice=values["choice"],
            member_id=values.get("member_id"),
            on_behalf_of=values.get("on_behalf_of"),
            assembly=booth.assembly,
            locked=True,
            acting=booth.acting,
        )
    return {
        "resolution_id": booth.resolution.pk,
        "vote_id": cast.vote.pk,
        "member_id": cast.roll_entry.member_id,
        "choice": cast.choice,
        "receipt": cast.receipt,
        "changed": cast.changed,
        "via_proxy": cast.via_proxy,
    }


class AssemblyConsumer(RoomConsumer):
    """One attendee in one assembly's room."""

    log = LOG
    room_kwarg = "assembly_id"
    max_frame_chars = MAX_FRAME_CHARS
    max_replay = MAX_REPLAY

    @property
    def assembly_id(self) -> int:
        return self.room_id

    def admit(self, person: Person) -> int | None:
        return room_last_seq(person, self.room_id)

    def readmit(self, person_id: int) -> bool:
        from django.contrib.auth import get_user_model

        person = get_user_model().objects.filter(pk=person_id).first()
        return person is not None and room_last_seq(person, self.room_id) is not None

    # The assembly log's message type names this handler.
    assembly_event = RoomConsumer.room_event

    async def on_ballot_cast(self, frame: dict[str, Any], ref: Any) -> None:
        result = await database_sync_to_async(_cast)(self.scope["user"], self.room_id, frame)
        await self.send_frame({"type": "ballot.cast", "ref": ref, **result})

    client_frames = {"ballot.cast": on_ballot_cast}
