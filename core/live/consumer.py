"""The WebSocket consumer of a live room, written once for every kind of room.

A subclass names its room log (core.live.log.RoomLog), says who may enter (`admit`,
one database read that also returns the room's last number), how stored events are
replayed (`replay_frames`) and which frames a client may send (`client_frames`). The
base joins, replays what was missed, forwards each numbered event once and in order
(filling gaps from the log), keeps presence when asked, and closes on logout or when
access is gone.

Delivery costs no thread hop: Channels' own dispatch closes stale database connections
through the thread pool before every message (`aclose_old_connections`), a thousand hops
for one event in a full room. Here, every database read goes through
`database_sync_to_async`, which closes stale connections itself in the thread that
reads, so dispatch calls handlers directly. The dispatch loop also drops each message as
soon as it is handled, so an idle connection keeps no copy of the last one.

The room's messages come through the process's relay of the room (core.live.relay), not
through the connection's own channel: one receipt per process instead of one per
connection. A frame the relay brings in order to an idle connection is written at once;
any other message waits in the connection's inbox, one more source of its dispatch loop.

Retries and the presence tasks that outlive one connection live in core.live.background.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncWebsocketConsumer
from channels.layers import get_channel_layer
from django.db import connection
from django.utils.translation import gettext as _

from core.errors import DomainError, InvalidInput, RateLimited
from core.events import person_group
from core.live import presence, relay
from core.live.background import _announce, _refresher, received, retried
from core.live.log import RoomLog, encode
from core.ws import logout_closes, requested_last_seq

logger = logging.getLogger(__name__)

# Close codes (4000-4999 are the application's): the person must sign in again, or may
# no longer enter the room.
CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


def _in_any_thread(read: Callable[..., Any]) -> Callable[..., Awaitable[Any]]:
    """A read of the handshake run in any thread of the pool, each with its own pooled
    connection. Channels runs database calls in one shared thread (`thread_sensitive`),
    which made a burst of handshakes queue one database round trip after another: a
    thousand people entering a room at once waited for each other's admission."""

    def read_and_give_back(*args: Any) -> Any:
        try:
            return read(*args)
        finally:
            # The pool's threads outlive the handshake: the connection goes back to the
            # pool now rather than staying with an idle thread.
            connection.close()

    return database_sync_to_async(read_and_give_back, thread_sensitive=False)  # type: ignore[no-any-return]


class RoomConsumer(AsyncWebsocketConsumer):  # type: ignore[misc]
    """One person in one room. See the module's docstring."""

    log: ClassVar[RoomLog]
    # The URL's keyword naming the room.
    room_kwarg: ClassVar[str]
    max_frame_chars: ClassVar[int] = 16 * 1024
    max_replay: ClassVar[int] = 1000
    # Whether the room shows who is present.
    keeps_presence: ClassVar[bool] = False
    client_frames: ClassVar[dict[str, Callable[..., Awaitable[None]]]] = {}

    room_id: int
    person_id: int | None = None
    person_name: str = ""
    last_sent: int = 0
    # Whether the connection joined its person's group (always, unless presence lists it).
    joined_person_group: bool = False
    # Whether the dispatch loop is handling a message, and how many messages of the relay
    # wait in the inbox or are being handled: the relay writes a frame itself only when
    # the connection is idle with none waiting, so that frames keep their order.
    busy: bool = False
    held: int = 0

    # What a subclass says (the sync methods run in the database thread).

    def admit(self, person: Any) -> int | None:
        """The room's last number when the person may enter, else None (one read)."""
        raise NotImplementedError

    def readmit(self, person_id: int) -> bool:
        """Whether the person (read again: they may have been disabled) may stay."""
        raise NotImplementedError

    def replay_frames(self, after: int, until: int | None) -> list[dict[str, Any]]:
        return self.log.frames(
            self.log.events_since(self.room_id, after, until=until, limit=self.max_replay)
        )

    def _admit_as(self, person: Any, token: str | None) -> tuple[Any, int | None]:
        """The person (the one an API token authenticates, when given) and the room's last
        number when they may enter; no number for a token that is unknown, expired or
        revoked."""
        if token is not None:
            from governance.tokens import person_for_token

            person = person_for_token(token)
            if person is None:
                return None, None
        return person, self.admit(person)

    def welcome(self) -> dict[str, Any]:
        """Fields the room adds to its welcome frame."""
        return {}

    # The dispatch loop.

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.scope = scope
        self.channel_layer = get_channel_layer(self.channel_layer_alias)
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        sources: list[Callable[[], Awaitable[Any]]] = [self.inbox.get, receive]
        if self.channel_layer is not None:
            self.channel_name = await self.channel_layer.new_channel()
            self.channel_receive = functools.partial(self.channel_layer.receive, self.channel_name)
            sources.append(self._layer_receive)
        self.base_send = send
        try:
            with contextlib.suppress(StopConsumer):
                await self._dispatch_loop(sources)
        finally:
            self._leave_relay()

    async def _dispatch_loop(self, sources: list[Callable[[], Awaitable[Any]]]) -> None:
        """Channels' loop, except that no reference to a handled message survives it
        (theirs keeps the last one alive while the connection idles). The first source is
        the inbox of the room's relay."""
        tasks = [asyncio.ensure_future(source()) for source in sources]
        try:
            while True:
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for index in range(len(tasks)):
                    if not tasks[index].done():
                        continue
                    done = tasks[index]
                    tasks[index] = asyncio.ensure_future(sources[index]())
                    message = done.result()
                    del done
                    self.busy = True
                    try:
                        await self.dispatch(message)
                    finally:
                        del message
                        self.busy = False
                        if index == 0:
                            self.held -= 1
        finally:
            for task in tasks:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _layer_receive(self) -> Any:
        """The channel layer's next message for this connection (core.live.background)."""
        return await received(self.channel_receive, f"room {getattr(self, 'room_id', '?')}")

    async def dispatch(self, message: dict[str, Any]) -> None:
        """Run the message's handler; ignore messages the room has no handler for (the
        person's group also carries other apps' messages). No hop to the database
        thread first: see the module's docstring."""
        try:
            handler = getattr(self, get_handler_name(message), None)
        except ValueError:
            handler = None
        if handler is None:
            logger.debug("Room consumer ignored a %r message", message.get("type"))
            return
        await handler(message)

    # Connection.

    def _groups(self) -> list[str]:
        """The person's group, unless presence makes the connection reachable as the
        person's (core.live.presence: one Redis round trip fewer). The room's group is
        heard through the process's relay."""
        if self.person_id is not None and (not self.keeps_presence or self.joined_person_group):
            return [person_group(self.person_id)]
        return []

    async def take(self, message: dict[str, Any]) -> None:
        """One message of the room, from its relay (core.live.relay): a frame that comes
        in order while the connection is idle is written now, anything else waits in the
        inbox for the dispatch loop."""
        if not self.busy and not self.held and self.person_id is not None:
            if message["type"] == self.log.message_type:
                seq = message["seq"]
                if seq <= self.last_sent:
                    return
                if seq == self.last_sent + 1:
                    await self.send(text_data=message["text"])
                    self.last_sent = seq
                    return
            elif message["type"] == "presence.changed":
                await self.send(text_data=message["text"])
                return
        self.held += 1
        self.inbox.put_nowait(message)

    def _leave_relay(self) -> None:
        if getattr(self, "room_id", None) is not None and self.channel_layer is not None:
            relay.leave(self.channel_layer, self.log.group(self.room_id), self)

    async def connect(self) -> None:
        self.room_id = int(self.scope["url_route"]["kwargs"][self.room_kwarg])
        person = self.scope.get("user")
        # An API token (core.ws_auth) is resolved in the same trip to the database thread
        # as the admission: one trip per handshake.
        token = self.scope.pop("auth_token_key", None)
        if token is None and getattr(person, "is_authenticated", False):
            self.person_id = person.pk
        if (token is None and self.person_id is None) or not 0 < self.room_id < 2**63:
            # Closing before accepting refuses the handshake (HTTP 403).
            await self.close(code=CLOSE_FORBIDDEN)
            return
        # Join before the one database read below: an event committed after it arrives
        # live, any earlier one is in the log up to the number it returns. A person known
        # only once the token is read joins their own group right after it.
        await relay.join(self.channel_layer, self.log.group(self.room_id), self)
        for group in self._groups():
            await retried(
                "Joining a group",
                functools.partial(self.channel_layer.group_add, group, self.channel_name),
            )
        person, current = await _in_any_thread(self._admit_as)(person, token)
        if current is None:
            await self._leave_groups()
            self.person_id = None
            await self.close(code=CLOSE_FORBIDDEN)
            return
        if self.person_id is None:
            # Known from the token only now.
            self.scope["user"] = person
            self.person_id = person.pk
            if not self.keeps_presence:
                await retried(
                    "Joining a group",
                    functools.partial(
                        self.channel_layer.group_add, person_group(person.pk), self.channel_name
                    ),
                )
        self.person_name = str(person)
        # Entered before accepting: from now on the person's messages (a logout) reach
        # this connection, whether through presence's listing or through their group.
        entered = await self._enter_presence() if self.keeps_presence else None
        await self.accept()
        await self.send_frame(
            {
                "type": "room.welcome",
                self.log.room_field: self.room_id,
                "last_seq": current,
                **self.welcome(),
            }
        )
        requested = requested_last_seq(self.scope)
        self.last_sent = current if requested is None else min(requested, current)
        await self._replay(until=current)
        if entered is not None:
            await self.send_frame(presence.snapshot_frame(entered))
            if entered.announce:
                self._announce_later(presence.BROADCAST_DELAY_SECONDS)

    async def _leave_groups(self) -> None:
        self._leave_relay()
        for group in self._groups():
            try:
                await retried(
                    "Leaving a group",
                    functools.partial(self.channel_layer.group_discard, group, self.channel_name),
                )
            except Exception:
                logger.exception("Could not leave group %s", group)

    async def disconnect(self, code: int) -> None:
        if self.person_id is None:
            return
        if self.keeps_presence:
            _refresher().discard(self.channel_name)
        await self._leave_groups()
        if self.keeps_presence:
            await self._leave_presence()
        self.person_id = None

    async def send_frame(self, frame: dict[str, Any]) -> None:
        await self.send(text_data=encode(frame))

    async def send_error(
        self, code: str, message: str, *, ref: Any = None, details: dict[str, Any] | None = None
    ) -> None:
        frame: dict[str, Any] = {"type": "error", "code": code, "message": message}
        if details:
            frame["details"] = details
        if ref is not None:
            frame["ref"] = ref
        await self.send_frame(frame)

    # Events of the room, from the channel layer.

    async def _replay(self, *, until: int | None = None) -> None:
        """Send the stored events after the last one sent (up to `until`)."""
        after = self.last_sent
        if until is not None and until <= after:
            return
        frames = await database_sync_to_async(self.replay_frames)(after, until)
        if len(frames) >= self.max_replay:
            current = await database_sync_to_async(self.log.last_seq)(self.room_id)
            await self.send_frame(
                {
                    "type": "room.reset",
                    "last_seq": current,
                    "message": _("Too much was missed; reload the page."),
                }
            )
            self.last_sent = current
            return
        for frame in frames:
            await self.send_frame(frame)
            self.last_sent = frame["seq"]

    async def room_event(self, message: dict[str, Any]) -> None:
        """One numbered event: sent once, in order, after any gap is filled."""
        if self.person_id is None:
            return
        seq = message["seq"]
        if seq <= self.last_sent:
            return
        if seq > self.last_sent + 1:
            await self._replay(until=seq - 1)
            if seq <= self.last_sent:
                return
        await self.send(text_data=message["text"])
        self.last_sent = seq

    async def presence_changed(self, message: dict[str, Any]) -> None:
        if self.person_id is not None:
            await self.send(text_data=message["text"])

    async def notification_created(self, message: dict[str, Any]) -> None:
        if self.person_id is None:
            return
        await self.send_frame(
            {"type": "notification.created", "id": message.get("id"), "kind": message.get("kind")}
        )

    async def access_changed(self, message: dict[str, Any]) -> None:
        """Grants changed, the room's audience changed, or a session ended."""
        if self.person_id is None:
            return
        if message.get("reason") == "logout":
            if logout_closes(self.scope, message):
                await self.send_frame({"type": "access.revoked", "reason": "logout"})
                await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        if not self.concerns_me(message):
            return
        if not await database_sync_to_async(self.readmit)(self.person_id):
            await self.send_frame({"type": "access.revoked", "reason": "access"})
            await self.close(code=CLOSE_FORBIDDEN)

    def concerns_me(self, message: dict[str, Any]) -> bool:
        """Whether an access change may concern this room (all do, unless told)."""
        return True

    # Presence.

    def _present(self) -> presence.Present:
        assert self.person_id is not None
        return presence.Present(person_id=self.person_id, name=self.person_name)

    async def _enter_presence(self) -> presence.Entered | None:
        """Enter the room's presence (None when Redis is unreachable: the room then works
        without it, the refresher enters later, and the person's group is joined)."""
        store = presence.presence_store()
        me = self._present()
        delay = presence.BROADCAST_DELAY_SECONDS
        try:
            entered = await retried(
                "Presence entry",
                lambda: store.enter(self.room_id, self.channel_name, me, announce_after=delay),
            )
        except Exception:
            logger.exception("Presence of room %s could not be updated", self.room_id)
            entered = None
            await self._join_person_group()
        _refresher().add(self.channel_name, self.room_id, me, self.channel_layer, self.log)
        return entered  # type: ignore[no-any-return]

    async def _join_person_group(self) -> None:
        assert self.person_id is not None
        try:
            await retried(
                "Joining a group",
                functools.partial(
                    self.channel_layer.group_add, person_group(self.person_id), self.channel_name
                ),
            )
            self.joined_person_group = True
        except Exception:
            logger.exception("Person %s's group could not be joined", self.person_id)

    async def _leave_presence(self) -> None:
        store = presence.presence_store()
        delay = presence.BROADCAST_DELAY_SECONDS
        try:
            announce = await retried(
                "Presence exit",
                lambda: store.leave(
                    self.room_id,
                    self.channel_name,
                    person_id=self.person_id or 0,
                    announce_after=delay,
                ),
            )
        except Exception:
            logger.exception("Presence of room %s could not be updated", self.room_id)
            return
        if announce:
            self._announce_later(delay)

    def _announce_later(self, delay: float) -> None:
        _announce(self.channel_layer, self.log, self.room_id, delay)

    # Frames from the client.

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        """Answer every bad frame with an error event; never let one end the connection."""
        if text_data is None:
            await self.send_error("text_only", _("Send JSON text frames."))
            return
        if len(text_data) > self.max_frame_chars:
            await self.send_error(
                "frame_too_large",
                _("A frame is at most %(n)d characters.") % {"n": self.max_frame_chars},
            )
            return
        try:
            frame = json.loads(text_data)
        except ValueError:
            await self.send_error("bad_json", _("The frame is not valid JSON."))
            return
        if not isinstance(frame, dict) or not isinstance(frame.get("type"), str):
            await self.send_error("bad_frame", _('A frame is a JSON object with a "type".'))
            return
        ref = frame.get("ref") if isinstance(frame.get("ref"), str | int) else None
        handler = _BASE_FRAMES.get(frame["type"]) or self.client_frames.get(frame["type"])
        if handler is None:
            await self.send_error("unknown_type", _("Unknown frame type."), ref=ref)
            return
        try:
            await handler(self, frame, ref)
        except RateLimited as exc:
            await self.send_error(
                exc.code,
                exc.message,
                ref=ref,
                details={**exc.details, "retry_after": exc.retry_after},
            )
        except DomainError as exc:
            await self.send_error(exc.code, exc.message, ref=ref, details=exc.details or None)
        except Exception:
            logger.exception("Frame %r failed in room %s", frame.get("type"), self.room_id)
            await self.send_error(
                "internal_error", _("The server could not handle this frame."), ref=ref
            )

    async def on_ping(self, frame: dict[str, Any], ref: Any) -> None:
        await self.send_frame({"type": "pong", "ref": ref, "last_seq": self.last_sent})

    async def on_resume(self, frame: dict[str, Any], ref: Any) -> None:
        last_seq = frame.get("last_seq")
        if isinstance(last_seq, bool) or not isinstance(last_seq, int) or last_seq < 0:
            raise InvalidInput(code="bad_last_seq", message=_("last_seq is a number at least 0."))
        self.last_sent = min(last_seq, self.last_sent)
        await self._replay()


_BASE_FRAMES: dict[str, Callable[..., Awaitable[None]]] = {
    "ping": RoomConsumer.on_ping,
    "resume": RoomConsumer.on_resume,
}
