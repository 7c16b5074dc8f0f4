"""Output serializers of the assemblies API, shared by its views."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from assemblies.events import minutes_links
from assemblies.models import (
    AgendaItem,
    Assembly,
    AssemblyKind,
    AssemblyStatus,
    AttendanceMode,
    CallStatus,
    ConvocationChannel,
    ConvocationStatus,
    ItemKind,
    ItemStatus,
    Resolution,
)
from core.fields import format_fraction


@extend_schema_field(OpenApiTypes.STR)
class FractionOut(serializers.Field):
    """An exact fraction on the wire, such as "1/5"."""

    def to_representation(self, value: Any) -> Any:
        return None if value is None else format_fraction(Fraction(value))


class AssemblyPersonRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class AssemblyMemberRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class AssemblyCallOut(serializers.Serializer):
    number = serializers.IntegerField()
    scheduled_at = serializers.DateTimeField()
    place = serializers.CharField()
    remote_url = serializers.CharField()
    status = serializers.ChoiceField(choices=CallStatus.choices)
    convened_at = serializers.DateTimeField(allow_null=True)
    notice_days_required = serializers.IntegerField(allow_null=True)
    quorum_checked_at = serializers.DateTimeField(allow_null=True)
    quorum_mode = serializers.CharField()
    quorum_required = FractionOut(allow_null=True)
    quorum_ratio = FractionOut(allow_null=True)
    quorum_reached = serializers.BooleanField(allow_null=True)
    attendance = serializers.JSONField(help_text="Counts at the quorum check, per college.")


class AssemblyDecisionRefOut(serializers.Serializer):
    id = serializers.IntegerField()
    outcome = serializers.CharField()
    adopted = serializers.BooleanField()
    explanation = serializers.CharField()
    audit_hash = serializers.CharField()


class AssemblyResolutionOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    board_backed = serializers.BooleanField()
    candidate_id = serializers.IntegerField(allow_null=True)
    vote_id = serializers.IntegerField(allow_null=True)
    vote_status = serializers.CharField(source="vote.status", allow_null=True, default=None)
    is_secret = serializers.BooleanField(source="vote.is_secret", allow_null=True, default=None)
    decision = serializers.SerializerMethodField()
    attendance = serializers.JSONField(help_text="Counts when its vote opened.")
    carried = serializers.JSONField(help_text="Proxies and postal ballots carried into it.")

    @extend_schema_field(AssemblyDecisionRefOut(allow_null=True))
    def get_decision(self, resolution: Resolution) -> Any:
        vote = resolution.vote
        decision = getattr(vote, "decision", None) if vote is not None else None
        return None if decision is None else AssemblyDecisionRefOut(decision).data


class ReservedSeatOut(serializers.Serializer):
    college_id = serializers.IntegerField()
    college = serializers.CharField(source="college.name")
    seats = serializers.IntegerField()


class CandidateOut(serializers.Serializer):
    id = serializers.IntegerField()
    person = AssemblyPersonRefOut()
    member = AssemblyMemberRefOut()
    college_id = serializers.IntegerField(allow_null=True)
    statement = serializers.CharField()
    elected = serializers.BooleanField(allow_null=True)
    term_ends_on = serializers.DateField(
        source="board_role.term_ends_on", allow_null=True, default=None
    )


class ElectionOut(serializers.Serializer):
    seats = serializers.IntegerField()
    role = serializers.CharField()
    term_years = serializers.IntegerField()
    declared_at = serializers.DateTimeField(allow_null=True)
    reserved = ReservedSeatOut(many=True, source="reserved.all")
    candidates = CandidateOut(many=True, source="candidates.all")


class AgendaItemOut(serializers.Serializer):
    id = serializers.IntegerField()
    position = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ItemKind.choices)
    title = serializers.CharField()
    text = serializers.CharField(help_text="Clean HTML.")
    is_secret = serializers.BooleanField(allow_null=True)
    proposal_id = serializers.IntegerField(allow_null=True)
    status = serializers.ChoiceField(choices=ItemStatus.choices)
    opened_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)
    resolutions = AssemblyResolutionOut(many=True, source="resolutions.all")
    election = serializers.SerializerMethodField()

    @extend_schema_field(ElectionOut(allow_null=True))
    def get_election(self, item: AgendaItem) -> Any:
        if item.kind != ItemKind.ELECTION:
            return None
        return ElectionOut(item.election).data


class AssemblyDocumentOut(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    sha256 = serializers.CharField()
    added_at = serializers.DateTimeField()


class AssemblyOut(serializers.Serializer):
    id = serializers.IntegerField()
    cooperative = serializers.CharField(source="cooperative.slug")
    kind = serializers.ChoiceField(choices=AssemblyKind.choices)
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=AssemblyStatus.choices)
    current_call = serializers.IntegerField()
    calls = AssemblyCallOut(many=True, source="calls.all")
    created_at = serializers.DateTimeField()
    opened_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)


class MinutesLinksOut(serializers.Serializer):
    api = serializers.CharField()
    html = serializers.CharField()
    pdf = serializers.CharField()


class AssemblyDetailOut(AssemblyOut):
    remote_allowed = serializers.BooleanField()
    postal_allowed = serializers.BooleanField()
    results_live = serializers.BooleanField()
    rules_version = serializers.IntegerField(
        source="rules_version.number", allow_null=True, default=None
    )
    chair = AssemblyPersonRefOut(allow_null=True)
    secretary = AssemblyPersonRefOut(allow_null=True)
    items = AgendaItemOut(many=True, source="items.all")
    documents = AssemblyDocumentOut(many=True, source="documents.all")
    last_seq = serializers.IntegerField(help_text="Last event number of the live room.")
    minutes = serializers.SerializerMethodField()

    @extend_schema_field(MinutesLinksOut(allow_null=True))
    def get_minutes(self, assembly: Assembly) -> Any:
        if assembly.status != AssemblyStatus.CLOSED:
            return None
        return minutes_links(assembly)


class ConvocationOut(serializers.Serializer):
    id = serializers.IntegerField()
    call = serializers.IntegerField(source="call.number")
    member = AssemblyMemberRefOut()
    person = AssemblyPersonRefOut()
    channel = serializers.ChoiceField(choices=ConvocationChannel.choices)
    address = serializers.CharField()
    status = serializers.ChoiceField(choices=ConvocationStatus.choices)
    sent_by = AssemblyPersonRefOut(allow_null=True)
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()


class AssemblyProxyOut(serializers.Serializer):
    id = serializers.IntegerField()
    principal = AssemblyMemberRefOut()
    holder = AssemblyMemberRefOut(allow_null=True, help_text="Null: the chair holds it.")
    given_by = AssemblyPersonRefOut()
    on_paper = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    revoked_at = serializers.DateTimeField(allow_null=True)


class PostalVoteOut(serializers.Serializer):
    id = serializers.IntegerField()
    resolution_id = serializers.IntegerField()
    member = AssemblyMemberRefOut()
    choice = serializers.SerializerMethodField(
        help_text="Empty once sealed in a secret ballot box, and for anyone but the voter on "
        "a secret resolution."
    )
    on_paper = serializers.BooleanField()
    received_at = serializers.DateTimeField()
    counted_at = serializers.DateTimeField(allow_null=True)
    is_sealed = serializers.BooleanField()
    count_error = serializers.CharField()

    @extend_schema_field(OpenApiTypes.STR)
    def get_choice(self, vote: Any) -> str:
        own = self.context.get("own_members", set())
        secret = self.context.get("secret_resolutions", set())
        if vote.member_id in own or vote.resolution_id not in secret:
            return str(vote.choice)
        return ""


class AttendanceOut(serializers.Serializer):
    id = serializers.IntegerField()
    call = serializers.IntegerField(source="call.number")
    member = AssemblyMemberRefOut()
    mode = serializers.ChoiceField(choices=AttendanceMode.choices)
    person = AssemblyPersonRefOut()
    checked_in_by = AssemblyPersonRefOut()
    checked_in_at = serializers.DateTimeField()
    checked_out_at = serializers.DateTimeField(allow_null=True)


class QuorumCollegeOut(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    weight = serializers.CharField()
    eligible = serializers.IntegerField()
    present = serializers.IntegerField()
    remote = serializers.IntegerField()
    represented = serializers.IntegerField()
    postal = serializers.IntegerField()
    attending = serializers.IntegerField()


class QuorumStateOut(serializers.Serializer):
    mode = serializers.CharField()
    required = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    ratio = serializers.CharField()
    ratio_pct = serializers.CharField()
    reached = serializers.BooleanField()
    lowest_college_name = serializers.CharField(allow_null=True)


class AttendanceCountOut(serializers.Serializer):
    call = serializers.IntegerField()
    eligible = serializers.IntegerField()
    present = serializers.IntegerField()
    remote = serializers.IntegerField()
    represented = serializers.IntegerField()
    postal = serializers.IntegerField()
    attending = serializers.IntegerField()
    colleges = QuorumCollegeOut(many=True)
    quorum = QuorumStateOut()


class AssemblyEventOut(serializers.Serializer):
    type = serializers.CharField()
    seq = serializers.IntegerField()
    assembly_id = serializers.IntegerField()
    at = serializers.DateTimeField(source="created_at")
    data = serializers.JSONField()  # type: ignore[assignment]
