"""Output serializers of the voting API, shared by its views."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from rest_framework import serializers

from voting.explain import explain
from voting.models import Decision, ObjectionState, Vote, VoteMethod, VoteStatus

MAX_CHOICE_BYTES = 8_000


class BoundedJSONField(serializers.JSONField):
    """Any JSON value, refused above a few kilobytes: a ballot is small."""

    def to_internal_value(self, data: Any) -> Any:
        value = super().to_internal_value(data)
        if len(json.dumps(value)) > MAX_CHOICE_BYTES:
            raise serializers.ValidationError("This value is too large.")
        return value


class MemberRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CollegeRefOut(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()


class VoteOut(serializers.Serializer):
    id = serializers.IntegerField()
    cooperative = serializers.CharField(source="cooperative.slug")
    proposal_id = serializers.IntegerField(allow_null=True)
    title = serializers.CharField()
    description = serializers.CharField()
    method = serializers.ChoiceField(choices=VoteMethod.choices)
    decision_kind = serializers.CharField()
    status = serializers.ChoiceField(choices=VoteStatus.choices)
    options = serializers.ListField(child=serializers.CharField())
    grades = serializers.ListField(child=serializers.CharField())
    is_secret = serializers.BooleanField()
    results_live = serializers.BooleanField()
    allow_change = serializers.BooleanField()
    quorum_call = serializers.IntegerField()
    opens_at = serializers.DateTimeField(allow_null=True)
    closes_at = serializers.DateTimeField(allow_null=True)
    opened_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    rules_version = serializers.IntegerField(
        source="rules_version.number", allow_null=True, default=None
    )
    college_config_version = serializers.IntegerField(
        source="college_config_version.number", allow_null=True, default=None
    )
    schedule_error = serializers.CharField()
    booth = serializers.CharField(
        help_text="`assembly` when ballots and proxies go through the booth of an assembly "
        "only; empty otherwise."
    )
    decision_id = serializers.SerializerMethodField()
    created_at = serializers.DateTimeField()

    def get_decision_id(self, vote: Vote) -> int | None:
        decision = getattr(vote, "decision", None) if vote.status == VoteStatus.CLOSED else None
        return decision.pk if decision is not None else None


class TurnoutCollegeOut(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    eligible = serializers.IntegerField()
    voted = serializers.IntegerField()


class TurnoutOut(serializers.Serializer):
    vote_id = serializers.IntegerField()
    eligible = serializers.IntegerField()
    voted = serializers.IntegerField()
    colleges = TurnoutCollegeOut(many=True)


class RollEntryOut(serializers.Serializer):
    member = MemberRefOut()
    college = CollegeRefOut(source="vote_college")
    college_weight = serializers.SerializerMethodField()
    has_voted = serializers.BooleanField()
    voted_at = serializers.DateTimeField(allow_null=True)
    voted_via_proxy = serializers.BooleanField()

    def get_college_weight(self, entry: Any) -> str:
        weight = entry.college_weight
        return f"{weight.numerator}/{weight.denominator}"


class BallotOut(serializers.Serializer):
    member = MemberRefOut(source="roll_entry.member")
    college = CollegeRefOut(source="vote_college")
    choice = serializers.JSONField()
    via_proxy = serializers.SerializerMethodField()
    cast_at = serializers.DateTimeField(source="created_at")

    def get_via_proxy(self, ballot: Any) -> bool:
        return bool(ballot.proxy_id)


class BoxEntryOut(serializers.Serializer):
    college = CollegeRefOut(source="vote_college")
    choice = serializers.JSONField()


class ProxyOut(serializers.Serializer):
    id = serializers.IntegerField()
    vote_id = serializers.IntegerField()
    principal = MemberRefOut()
    holder = MemberRefOut()
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)
    used_at = serializers.DateTimeField(allow_null=True)


class ObjectionOut(serializers.Serializer):
    id = serializers.IntegerField()
    vote_id = serializers.IntegerField()
    member = MemberRefOut()
    raised_by = serializers.CharField(source="raised_by.username")
    reason = serializers.CharField()
    is_paramount = serializers.BooleanField()
    state = serializers.ChoiceField(choices=ObjectionState.choices)
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    note = serializers.CharField()


RESULT_HELP = (
    "Per college: eligible, voted, each choice, share, weight, contribution; "
    'then quorum and majority. Fractions are exact ("29/50") with a `_pct` twin. '
    "For a resolution, `tally.majority_base` says what the majority is a share of "
    "(votes_cast, present, all_members) and `tally.one_member_one_vote` is true without "
    "colleges. When a college without votes fails the resolution (`fail` rule), no support "
    "is decided: `tally.support` and `tally.against` are null and the figure computed with "
    "the statutory weights is in `tally.informative_support`, for information only."
)


class ResultOut(serializers.Serializer):
    vote_id = serializers.IntegerField()
    final = serializers.BooleanField(help_text="False while the vote runs (live results).")
    outcome = serializers.CharField()
    adopted = serializers.BooleanField()
    explanation = serializers.CharField(help_text="Plain language, in the request's language.")
    result = serializers.JSONField(help_text=RESULT_HELP)
    decision_id = serializers.IntegerField(allow_null=True)
    audit_hash = serializers.CharField(allow_null=True)


class ProposalRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()


class DecisionLinksOut(serializers.Serializer):
    api = serializers.CharField()
    web = serializers.CharField()


class DecisionOut(serializers.Serializer):
    id = serializers.IntegerField()
    cooperative = serializers.CharField(source="cooperative.slug")
    vote_id = serializers.IntegerField()
    method = serializers.CharField(source="vote.method")
    proposal = ProposalRefOut(allow_null=True)
    outcome = serializers.CharField()
    adopted = serializers.BooleanField()
    explanation = serializers.SerializerMethodField(
        help_text="In the request's language, from the stored result."
    )
    explanation_recorded = serializers.CharField(
        source="explanation", help_text="As recorded at the close, in English."
    )
    result = serializers.JSONField(help_text=RESULT_HELP)
    rules_version = serializers.IntegerField()
    college_config_version = serializers.IntegerField(allow_null=True)
    audit_hash = serializers.CharField()
    feed_position = serializers.IntegerField(
        help_text="Place in the decisions feed, in commit order: the position in the audit "
        "log of the entry the close appended. The feed's `since` cursor compares with it."
    )
    decided_at = serializers.DateTimeField()
    links = serializers.SerializerMethodField()

    def get_explanation(self, decision: Decision) -> str:
        return explain(decision.result["explanation_parts"])

    def get_links(self, decision: Decision) -> dict[str, str]:
        base = settings.PUBLIC_BASE_URL
        return {
            "api": f"{base}/api/v1/cooperatives/{decision.cooperative.slug}/decisions/"
            f"{decision.pk}/",
            "web": f"{base}/votes/{decision.vote_id}/results/",
        }
