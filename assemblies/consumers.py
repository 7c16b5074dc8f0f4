"""The WebSocket of an assembly's room: authenticate, join, replay what was missed, forward."""

from __future__ import annotations

import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import transaction
from django.utils.translation import gettext as _

from assemblies import services
from assemblies.inputs import BoothCastInput
from assemblies.models import Resolution
from assemblies.permissions import access_assembly
from assemblies.room import room_events_since, room_group, room_last_seq
from core.errors import DomainError, InvalidInput, NotFound
from core.events import person_group
from core.ws import logout_closes, requested_last_seq

logger = logging.getLogger(__name__)

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
MAX_FRAME_CHARS = 16 * 1024
MAX_REPLAY = 500


def _may_join(person: Any, assembly_id: int) -> bool:
    if not getattr(person, "is_authenticated", False) or not person.is_active:
        return False
    try:
        access_assembly(person, assembly_id)
    except NotFound:
        return False
    return True


def _may_join_fresh(person_id: int, assembly_id: int) -> bool:
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.filter(pk=person_id).first()
    return person is not None and _may_join(person, assembly_id)


def _cast(person: Any, assembly_id: int, frame: dict[str, Any]) -> dict[str, Any]:
    """The `ballot.cast` frame: the same validation and service as the HTTP booth."""
    resolution_id = frame.get("resolution_id")
    if isinstance(resolution_id, bool) or not isinstance(resolution_id, int):
        raise InvalidInput(code="resolution_required", message=_("Say which resolution."))
    serializer = BoothCastInput(data=frame)
    if not serializer.is_valid():
        raise InvalidInput(details=dict(serializer.errors))
    values = serializer.validated_data
    with transaction.atomic(durable=True):
        assembly, _role = access_assembly(person, assembly_id)
        resolution = (
            Resolution.objects.select_related("item", "vote")
            .filter(pk=resolution_id, item__assembly=assembly)
            .first()
        )
        if resolution is None:
            raise NotFound()
        cast = services.assembly_ballot_cast(
            actor=person,
            resolution=resolution,
            choice=values["choice"],
            member_id=values.get("member_id"),
            on_behalf_of=values.get("on_behalf_of"),
        )
    return {
        "resolution_id": resolution.pk,
        "vote_id": cast.vote.pk,
        "member_id": cast.roll_entry.member_id,
        "choice": cast.choice,
        "receipt": cast.receipt,
        "changed": cast.changed,
        "via_proxy": cast.via_proxy,
    }


class AssemblyConsumer(AsyncWebsocketConsumer):
    """One attendee in one assembly's room.

    Every event carries the room's sequence number; the consumer sends each once and in
    order, filling gaps from the stored log, so a dropped channel-layer message costs a
    database read rather than an event.
    """

    assembly_id: int
    person_id: int | None = None
    last_sent: int = 0

    async def connect(self) -> None:
        self.assembly_id = int(self.scope["url_route"]["kwargs"]["assembly_id"])
        person = self.scope.get("user")
        if not await database_sync_to_async(_may_join)(person, self.assembly_id):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        assert person is not None
        self.person_id = person.pk
        await self.channel_layer.group_add(room_group(self.assembly_id), self.channel_name)
        await self.channel_layer.group_add(person_group(person.pk), self.channel_name)
        await self.accept()
        # Read after joining: later events arrive live, earlier ones are in the log.
        current = await database_sync_to_async(room_last_seq)(self.assembly_id)
        await self._send(
            {"type": "room.welcome", "assembly_id": self.assembly_id, "last_seq": current}
        )
        requested = requested_last_seq(self.scope)
        self.last_sent = current if requested is None else min(requested, current)
        await self._replay(until=current)

    async def disconnect(self, code: int) -> None:
        if self.person_id is None:
            return
        await self.channel_layer.group_discard(room_group(self.assembly_id), self.channel_name)
        await self.channel_layer.group_discard(person_group(self.person_id), self.channel_name)
        self.person_id = None

    async def _send(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=json.dumps(frame, separators=(",", ":")))

    async def _error(
        self, code: str, message: str, *, ref: Any = None, details: dict[str, Any] | None = None
    ) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if details:
            frame["details"] = details
        if ref is not None:
            frame["ref"] = ref
        await self._send(frame)

    async def _replay(self, *, until: int | None = None) -> None:
        after = self.last_sent
        if until is not None and until <= after:
            return
        frames = await database_sync_to_async(room_events_since)(
            self.assembly_id, after, limit=MAX_REPLAY
        )
        for frame in frames:
            if until is not None and frame["seq"] > until:
                break
            await self._send(frame)
            self.last_sent = frame["seq"]

    # Messages from the channel layer.

    async def assembly_event(self, message: dict[str, Any]) -> None:
        frame = message["event"]
        seq = frame["seq"]
        if seq <= self.last_sent:
            return
        if seq > self.last_sent + 1:
            await self._replay(until=seq - 1)
        await self._send(frame)
        self.last_sent = seq

    async def notification_created(self, message: dict[str, Any]) -> None:
        await self._send(
            {"type": "notification.created", "id": message.get("id"), "kind": message.get("kind")}
        )

    async def access_changed(self, message: dict[str, Any]) -> None:
        """Grants changed or a session ended: check again, and leave if access is gone."""
        if self.person_id is None:
            return
        if message.get("reason") == "logout":
            if logout_closes(self.scope, message):
                await self._send({"type": "access.revoked", "reason": "logout"})
                await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not await database_sync_to_async(_may_join_fresh)(self.person_id, self.assembly_id):
            await self._send({"type": "access.revoked", "reason": "access"})
            await self.close(code=CLOSE_FORBIDDEN)

    # Frames from the client.

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Answer every bad frame with an error event; never let one end the connection."""
        if text_data is None:
            await self._error("text_only", _("Send JSON text frames."))
            return
        if len(text_data) > MAX_FRAME_CHARS:
            await self._error(
                "frame_too_large",
                _("A frame is at most %(n)d characters.") % {"n": MAX_FRAME_CHARS},
            )
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self._error("bad_json", _("The frame is not valid JSON."))
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self._error("bad_frame", _('A frame is a JSON object with a "type".'))
            return
        ref = frame.get("ref") if isinstance(frame.get("ref"), str | int) else None
        try:
            if frame["type"] == "ping":
                await self._send({"type": "pong", "ref": ref, "last_seq": self.last_sent})
            elif frame["type"] == "resume":
                last_seq = frame.get("last_seq")
                if isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0:
                    raise InvalidInput(
                        code="bad_last_seq", message=_("last_seq is a number at least 0.")
                    )
                self.last_sent = min(last_seq, self.last_sent)
                await self._replay()
            elif frame["type"] == "ballot.cast":
                result = await database_sync_to_async(_cast)(
                    self.scope["user"], self.assembly_id, frame
                )
                await self._send({"type": "ballot.cast", "ref": ref, **result})
            else:
                await self._error("unknown_type", _("Unknown frame type."), ref=ref)
        except DomainError as exc:
            await self._error(exc.code, exc.message, ref=ref, details=exc.details or None)
        except Exception:
            logger.exception("Frame %r failed in assembly %s", frame.get("type"), self.assembly_id)
            await self._error(
                "internal_error", _("The server could not handle this frame."), ref=ref
            )
