"""Output serializers of the deliberation API: rendering only, no queries of their own."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deliberation import selectors
from deliberation.models import (
    AmendmentStatus,
    Comment,
    ProposalStatus,
    ProposalVisibility,
    ReactionKind,
    Stance,
)
from governance.models import DecisionKind


class PersonRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField(source="__str__")


class LinksOut(serializers.Serializer):
    api = serializers.CharField()
    web = serializers.CharField()
    websocket = serializers.CharField()


def _room_seq(proposal: Any) -> int:
    counter = getattr(proposal, "room_counter", None)
    return int(counter.last_seq) if counter is not None else 0


class ProposalOut(serializers.Serializer):
    id = serializers.IntegerField()
    cooperative = serializers.SlugField(source="cooperative.slug")
    title = serializers.CharField()
    body = serializers.CharField(help_text="Clean HTML.")
    author = PersonRefOut()
    decision_kind = serializers.ChoiceField(choices=DecisionKind.choices)
    visibility = serializers.ChoiceField(choices=ProposalVisibility.choices)
    status = serializers.ChoiceField(choices=ProposalStatus.choices)
    deliberation_opens_at = serializers.DateTimeField(allow_null=True)
    deliberation_closes_at = serializers.DateTimeField(allow_null=True)
    current_version = serializers.IntegerField()
    comment_count = serializers.IntegerField(default=0)
    room_seq = serializers.SerializerMethodField(
        help_text="Sequence number of the room's last event: connect the WebSocket with "
        "?last_seq=<this> to miss nothing after this answer."
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    links = serializers.SerializerMethodField()

    def get_room_seq(self, proposal: Any) -> int:
        return _room_seq(proposal)

    @extend_schema_field(LinksOut)
    def get_links(self, proposal: Any) -> dict[str, str]:
        base = settings.PUBLIC_BASE_URL
        return {
            "api": f"{base}/api/v1/proposals/{proposal.pk}/",
            "web": f"{base}/proposals/{proposal.pk}/",
            "websocket": f"/ws/proposals/{proposal.pk}/",
        }


class ProposalListItemOut(ProposalOut):
    body = None  # type: ignore[assignment]


class VersionOut(serializers.Serializer):
    number = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    created_by = PersonRefOut(allow_null=True)
    amendment_id = serializers.IntegerField(allow_null=True)


class DiffOpOut(serializers.Serializer):
    op = serializers.ChoiceField(choices=["equal", "insert", "delete", "replace"])
    old = serializers.CharField()
    new = serializers.CharField()


class DiffOut(serializers.Serializer):
    from_version = serializers.IntegerField()
    to_version = serializers.IntegerField()
    title_changed = serializers.BooleanField()
    old_title = serializers.CharField()
    new_title = serializers.CharField()
    ops = DiffOpOut(many=True)
    html = serializers.CharField(help_text="Escaped text with <ins> and <del>.")
    unified = serializers.CharField(help_text="Line-based unified diff of the plain texts.")


class AmendmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    proposal_id = serializers.IntegerField()
    author = PersonRefOut()
    base_version = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField()
    reason = serializers.CharField()
    status = serializers.ChoiceField(choices=AmendmentStatus.choices)
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decided_by = PersonRefOut(allow_null=True)
    decision_note = serializers.CharField()
    version = serializers.SerializerMethodField(
        help_text="The version its acceptance made, if accepted."
    )

    def get_version(self, amendment: Any) -> int | None:
        version = getattr(amendment, "version", None)
        return version.number if version is not None else None


class AmendmentDetailOut(AmendmentOut):
    diff = DiffOut()


class ReactionSummaryOut(serializers.Serializer):
    counts = serializers.DictField(
        child=serializers.IntegerField(), help_text="Number of reactions of each kind."
    )
    mine = serializers.ListField(child=serializers.ChoiceField(choices=ReactionKind.choices))


class CommentOut(serializers.Serializer):
    """A comment as the viewer may see it: a tombstone once deleted; a hidden comment's
    text and reason only for its author and the moderators."""

    id = serializers.IntegerField()
    proposal_id = serializers.IntegerField()
    parent_id = serializers.IntegerField(allow_null=True)
    depth = serializers.IntegerField()
    author = PersonRefOut(allow_null=True)
    body = serializers.CharField(help_text="Clean HTML; empty when you may not read it.")
    stance = serializers.ChoiceField(choices=[("", "none"), *Stance.choices])
    created_at = serializers.DateTimeField()
    edited_at = serializers.DateTimeField(allow_null=True)
    is_deleted = serializers.BooleanField()
    is_hidden = serializers.BooleanField()
    hidden_reason = serializers.CharField(allow_null=True)
    hidden_by = PersonRefOut(allow_null=True)
    reactions = ReactionSummaryOut()

    def to_representation(self, comment: Comment) -> dict[str, Any]:
        request = self.context.get("request")
        viewer_id = getattr(getattr(request, "user", None), "pk", None)
        sees = bool(getattr(comment, "viewer_sees_content", False))
        moderator = bool(getattr(comment, "viewer_is_moderator", False))
        deleted = comment.deleted_at is not None
        hidden = comment.hidden_at is not None
        return {
            "id": comment.pk,
            "proposal_id": comment.proposal_id,
            "parent_id": comment.parent_id,
            "depth": comment.depth,
            "author": None if deleted else PersonRefOut(comment.author).data,
            "body": comment.body if sees else "",
            "stance": "" if deleted else comment.stance,
            "created_at": serializers.DateTimeField().to_representation(comment.created_at),
            "edited_at": (
                serializers.DateTimeField().to_representation(comment.edited_at)
                if comment.edited_at and not deleted
                else None
            ),
            "is_deleted": deleted,
            "is_hidden": hidden,
            "hidden_reason": comment.hidden_reason if hidden and sees else None,
            "hidden_by": (
                PersonRefOut(comment.hidden_by).data
                if hidden and moderator and comment.hidden_by
                else None
            ),
            "reactions": selectors.reaction_summary(list(comment.reactions.all()), viewer_id or 0),
        }


class RevisionOut(serializers.Serializer):
    number = serializers.IntegerField()
    body = serializers.CharField()
    stance = serializers.CharField()
    written_at = serializers.DateTimeField()
    replaced_at = serializers.DateTimeField()


class RoomEventOut(serializers.Serializer):
    type = serializers.CharField()
    seq = serializers.IntegerField()
    proposal_id = serializers.IntegerField()
    at = serializers.DateTimeField()
    data = serializers.DictField(child=serializers.JSONField())  # type: ignore[assignment]


class NotificationOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    message = serializers.CharField(
        source="text", help_text="The notice in the language of the request."
    )
    cooperative_id = serializers.IntegerField(allow_null=True)
    data = serializers.DictField(child=serializers.JSONField())  # type: ignore[assignment]
    url = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)
