"""The WebSocket of a proposal's room: the core room consumer (core.live.consumer)
configured for proposals, with presence and the `comment.post` frame."""

from __future__ import annotations

from typing import Any

from channels.db import database_sync_to_async
from django.db import transaction

from core.errors import InvalidInput
from core.live.consumer import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED, RoomConsumer
from deliberation import selectors, services
from deliberation.inputs import CommentListCreateInput
from deliberation.permissions import access_comment, access_proposal
from deliberation.room import LOG
from governance.models import Person

__all__ = ["CLOSE_FORBIDDEN", "CLOSE_UNAUTHENTICATED", "MAX_FRAME_CHARS", "ProposalConsumer"]

MAX_FRAME_CHARS = 64 * 1024


def _post_comment(person: Person, proposal_id: int, frame: dict[str, Any]) -> dict[str, Any]:
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


def _person(person_id: int) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(pk=person_id).first()


class ProposalConsumer(RoomConsumer):
    """One person in one proposal's room."""

    log = LOG
    room_kwarg = "proposal_id"
    max_frame_chars = MAX_FRAME_CHARS
    max_replay = selectors.MAX_REPLAY
    keeps_presence = True
    access: selectors.RoomAccess | None = None

    @property
    def proposal_id(self) -> int:
        return self.room_id

    def admit(self, person: Person) -> int | None:
        self.access = selectors.room_access(person, self.room_id)
        return None if self.access is None else self.access.last_seq

    def readmit(self, person_id: int) -> bool:
        person = _person(person_id)
        self.access = None if person is None else selectors.room_access(person, self.room_id)
        return self.access is not None

    def replay_frames(self, after: int, until: int | None) -> list[dict[str, Any]]:
        return selectors.room_events_since(self.room_id, after, until=until)

    def welcome(self) -> dict[str, Any]:
        assert self.access is not None
        return {
            "you": {
                "id": self.access.person_id,
                "name": self.access.person_name,
                "can_moderate": self.access.can_moderate,
            }
        }

    def concerns_me(self, message: dict[str, Any]) -> bool:
        changed = message.get("cooperative_id")
        return changed is None or self.access is None or changed == self.access.cooperative_id

    async def on_comment_post(self, frame: dict[str, Any], ref: Any) -> None:
        person = self.scope["user"]
        result = await database_sync_to_async(_post_comment)(person, self.room_id, frame)
        await self.send_frame({"type": "comment.posted", "ref": ref, **result})

    client_frames = {"comment.post": on_comment_post}
