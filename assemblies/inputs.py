"""What a member sends to vote in the assembly's booth, read alike by the HTTP API and the
room's socket."""

from __future__ import annotations

from rest_framework import serializers

from voting.models import ResolutionChoice

MAX_ID = 2**63 - 1


class BoothCastInput(serializers.Serializer):
    choice = serializers.ChoiceField(choices=ResolutionChoice.choices)
    member_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="The member you vote as, when you act for several; with on_behalf_of, "
        "the member holding the proxy.",
    )
    on_behalf_of = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=MAX_ID,
        help_text="Vote as proxy holder for this member.",
    )
