"""What a member sends to post a comment, read alike by the HTTP API and the room's socket."""

from __future__ import annotations

from rest_framework import serializers

from deliberation.models import Stance

MAX_ID = 2**63 - 1
COMMENT_INPUT_MAX = 40_000

STANCE_CHOICES = [("", "none"), *Stance.choices]


class CommentListCreateInput(serializers.Serializer):
    body = serializers.CharField(
        max_length=COMMENT_INPUT_MAX, help_text="HTML; cleaned with the comment profile."
    )
    parent_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="The comment this one answers.",
    )
    stance = serializers.ChoiceField(
        choices=STANCE_CHOICES, required=False, allow_blank=True, default=""
    )
