"""The WebSocket of a proposal's room: authenticate, join, replay what was missed, forward."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError, InvalidInput, RateLimited
from core.ws import logout_closes, requested_last_seq
from deliberation import presence, selectors, services
from deliberation.inputs import CommentListCreateInput
from deliberation.permissions import access_comment, access_proposal
from deliberation.room import person_group, room_group, room_last_seq

logger = logging.getLogger(__name__)

# Close codes (4000-4999 are the application's): the person must sign in again, or may
# no longer read the proposal.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
MAX_FRAME_CHARS = 64 * 1024

# Presence broadcasts outlive the connection that scheduled them.
_background: set[asyncio.Task[Any]] = set()


def _post_comment(person: Any, proposal_id: int, frame: dict[str, Any]) -> dict[str, Any]:
    """The `comment.post` frame: the same validation and service as the HTTP API."""
    serializer = CommentListCreateInput(data=frame)
    if not serializer.is_valid():
        raise InvalidInput(details=dict(serializer.errors))
    values = serializer.validated_data
    with transaction.atomic(durable=True):
        proposal = access_proposal(person, proposal_id)
        parent = None
        if values.get("parent_id") is not None:
            parent = access_comment(person, values["parent_id"])
        comment = services.comment_create(
            actor=person,
            proposal=proposal,
            body=values["body"],
            parent=parent,
            stance=values.get("stance", ""),
        )
    return {"comment_id": comment.pk}


def _room_access_fresh(person_id: int, proposal_id: int) -> selectors.RoomAccess | None:
    """Access read again from the database, person included (they may have been disabled)."""
    from django.contrib.auth import get_user_model

    person = get_user_model().objects.filter(pk=person_id).first()
    if person is None:
        return None
    return selectors.room_access(person, proposal_id)


async def _broadcast_presence_later(layer: Any, proposal_id: int, delay: float) -> None:
    """Send one presence update for every change in the last `delay` seconds."""
    store = presence.presence_store()
    try:
        await asyncio.sleep(delay)
        # Released before reading, so a change arriving now schedules the next update.
        await store.release_broadcast(proposal_id)
        payload = presence.presence_payload(await store.people(proposal_id))
        # Encoded once here rather than once per connection in the room.
        text = json.dumps(payload, separators=(",", ":"))
        await layer.group_send(
            room_group(proposal_id),
            {"type": "presence.changed", "presence": payload, "text": text},
        )
    except Exception:
        logger.exception("Presence of room %s could not be announced", proposal_id)


class ProposalConsumer(AsyncWebsocketConsumer):
    """One person in one proposal's room.

    Events carry a per-room sequence number; the consumer sends each exactly once and in
    order, filling any gap from the stored log, so a channel layer that drops a message
    or delivers two publications out of order costs a database read, not an event.
    """

    proposal_id: int
    access: selectors.RoomAccess | None = None
    last_sent: int = 0
    refresher: asyncio.Task[Any] | None = None

    # Connection.

    async def connect(self) -> None:
        self.proposal_id = int(self.scope["url_route"]["kwargs"]["proposal_id"])
        person = self.scope.get("user")
        if not getattr(person, "is_authenticated", False):
            # Closing before accepting refuses the handshake (HTTP 403).
            await self.close(code=CLOSE_FORBIDDEN)
            return
        assert person is not None
        groups = [room_group(self.proposal_id), person_group(person.pk)]
        # Join before the one database read below: an event committed after it arrives
        # live, any earlier one is in the log up to the number it returns.
        for group in groups:
            await self.channel_layer.group_add(group, self.channel_name)
        access = await database_sync_to_async(selectors.room_access)(person, self.proposal_id)
        if access is None:
            for group in groups:
                await self.channel_layer.group_discard(group, self.channel_name)
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.access = access
        await self.accept()
        current = access.last_seq
        await self._send(
            {
                "type": "room.welcome",
                "proposal_id": self.proposal_id,
                "last_seq": current,
                "you": self._you(),
            }
        )
        requested = requested_last_seq(self.scope)
        self.last_sent = current if requested is None else min(requested, current)
        await self._replay(until=current)
        await self._enter_presence()

    async def disconnect(self, code: int) -> None:
        if self.access is None:
            return
        if self.refresher is not None:
            self.refresher.cancel()
        await self.channel_layer.group_discard(room_group(self.proposal_id), self.channel_name)
        await self.channel_layer.group_discard(
            person_group(self.access.person_id), self.channel_name
        )
        try:
            await presence.presence_store().leave(self.proposal_id, self.channel_name)
            await self._schedule_presence_broadcast()
        except Exception:
            logger.exception("Presence of room %s could not be updated", self.proposal_id)
        self.access = None

    def _you(self) -> dict[str, Any]:
        assert self.access is not None
        return {
            "id": self.access.person_id,
            "name": self.access.person_name,
            "can_moderate": self.access.can_moderate,
        }

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

    # Events of the room, from the channel layer.

    async def _replay(self, *, until: int | None = None) -> None:
        """Send the stored events after the last one sent (up to `until`)."""
        after = self.last_sent
        if until is not None and until <= after:
            return
        frames = await database_sync_to_async(selectors.room_events_since)(
            self.proposal_id, after, until=until
        )
        if len(frames) >= selectors.MAX_REPLAY:
            current = await database_sync_to_async(room_last_seq)(self.proposal_id)
            await self._send(
                {
                    "type": "room.reset",
                    "last_seq": current,
                    "message": _("Too much was missed; reload the proposal."),
                }
            )
            self.last_sent = current
            return
        for frame in frames:
            await self._send(frame)
            self.last_sent = frame["seq"]

    async def room_event(self, message: dict[str, Any]) -> None:
        if self.access is None:
            return
        frame = message["event"]
        seq = frame["seq"]
        if seq <= self.last_sent:
            return
        if seq > self.last_sent + 1:
            await self._replay(until=seq - 1)
            if seq <= self.last_sent:
                return
        text = message.get("text")
        if text is not None:
            await self.send(text_data=text)
        else:
            await self._send(frame)
        self.last_sent = seq

    async def presence_changed(self, message: dict[str, Any]) -> None:
        if self.access is None:
            return
        text = message.get("text")
        if text is not None:
            await self.send(text_data=text)
        else:
            await self._send(message["presence"])

    async def notification_created(self, message: dict[str, Any]) -> None:
        if self.access is None:
            return
        await self._send(
            {"type": "notification.created", "id": message.get("id"), "kind": message.get("kind")}
        )

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Run the message's handler; ignore messages the room has no handler for, since
        the person's group also carries other apps' messages.

        Channels' default dispatch first hops to the database thread to close stale
        connections, for every message: a thousand hops for one event in a full room.
        Handlers here reach the database only through database_sync_to_async, which
        closes stale connections itself, so the hop is skipped.
        """
        from channels.consumer import get_handler_name

        try:
            handler = getattr(self, get_handler_name(message), None)
        except ValueError:
            handler = None
        if handler is None:
            logger.debug("Room consumer ignored a %r message", message.get("type"))
            return
        await handler(message)

    async def access_changed(self, message: dict[str, Any]) -> None:
        """Grants changed, the proposal's audience changed, or a session ended."""
        if self.access is None:
            return
        changed = message.get("cooperative_id")
        if changed is not None and changed != self.access.cooperative_id:
            return
        if message.get("reason") == "logout":
            if logout_closes(self.scope, message):
                await self._send({"type": "access.revoked", "reason": "logout"})
                await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        access = await database_sync_to_async(_room_access_fresh)(
            self.access.person_id, self.proposal_id
        )
        if access is None:
            await self._send({"type": "access.revoked", "reason": "access"})
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.access = access

    # Presence.

    async def _enter_presence(self) -> None:
        assert self.access is not None
        store = presence.presence_store()
        me = presence.Present(person_id=self.access.person_id, name=self.access.person_name)
        try:
            await store.enter(self.proposal_id, self.channel_name, me)
            await self._send(presence.presence_payload(await store.people(self.proposal_id)))
            await self._schedule_presence_broadcast()
        except Exception:
            logger.exception("Presence of room %s could not be updated", self.proposal_id)
            return
        self.refresher = asyncio.ensure_future(self._refresh_presence(me))

    async def _refresh_presence(self, me: presence.Present) -> None:
        while True:
            await asyncio.sleep(presence.REFRESH_SECONDS)
            try:
                await presence.presence_store().enter(self.proposal_id, self.channel_name, me)
            except Exception:
                logger.exception("Presence of room %s could not be refreshed", self.proposal_id)

    async def _schedule_presence_broadcast(self) -> None:
        delay = presence.BROADCAST_DELAY_SECONDS
        if await presence.presence_store().claim_broadcast(self.proposal_id, delay):
            task = asyncio.ensure_future(
                _broadcast_presence_later(self.channel_layer, self.proposal_id, delay)
            )
            _background.add(task)
            task.add_done_callback(_background.discard)

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
        handler = self.client_frames.get(frame["type"])
        if handler is None:
            await self._error("unknown_type", _("Unknown frame type."), ref=ref)
            return
        try:
            await handler(self, frame, ref)
        except RateLimited as exc:
            await self._error(
                exc.code,
                exc.message,
                ref=ref,
                details={**exc.details, "retry_after": exc.retry_after},
            )
        except DomainError as exc:
            await self._error(exc.code, exc.message, ref=ref, details=exc.details or None)
        except Exception:
            logger.exception("Frame %r failed in room %s", frame.get("type"), self.proposal_id)
            await self._error(
                "internal_error", _("The server could not handle this frame."), ref=ref
            )

    async def _on_ping(self, frame: dict[str, Any], ref: Any) -> None:
        await self._send({"type": "pong", "ref": ref, "last_seq": self.last_sent})

    async def _on_resume(self, frame: dict[str, Any], ref: Any) -> None:
        last_seq = frame.get("last_seq")
        if isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0:
            raise InvalidInput(code="bad_last_seq", message=_("last_seq is a number at least 0."))
        self.last_sent = min(last_seq, self.last_sent)
        await self._replay()

    async def _on_comment_post(self, frame: dict[str, Any], ref: Any) -> None:
        assert self.access is not None
        person = self.scope["user"]
        result = await database_sync_to_async(_post_comment)(person, self.proposal_id, frame)
        await self._send({"type": "comment.posted", "ref": ref, **result})

    client_frames = {
        "ping": _on_ping,
        "resume": _on_resume,
        "comment.post": _on_comment_post,
    }
