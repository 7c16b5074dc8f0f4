"""Versioned governance rules per decision kind."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import page_of, paginate, person_of
from governance import selectors, services
from governance.api.serializers import TAG, FractionSerializerField, RulesVersionOut
from governance.models import (
    DecisionKind,
    EmptyCollegePolicy,
    MajorityBase,
    QuorumMode,
    TallyMethod,
)
from governance.permissions import access_cooperative


class DecisionRulesIn(serializers.Serializer[Any]):
    """The changes to one decision kind's rules: every field optional, the rest kept."""

    tally_method = serializers.ChoiceField(choices=TallyMethod.choices, required=False)
    majority_base_first_call = serializers.ChoiceField(
        choices=MajorityBase.choices,
        required=False,
        help_text="votes_cast: abstentions are not votes cast; present: abstentions count "
        "as against; all_members: every member on the roll is in the base, so not voting "
        "counts as against (with colleges, in each college's own denominator).",
    )
    majority_base_second_call = serializers.ChoiceField(
        choices=MajorityBase.choices, required=False
    )
    abstention_policy = serializers.ChoiceField(
        choices=[("excluded", "excluded"), ("counted_against", "counted_against")],
        required=False,
        help_text="Deprecated: sets the base of both calls that is not given "
        "(excluded: votes_cast; counted_against: present).",
    )
    empty_college_policy = serializers.ChoiceField(
        choices=EmptyCollegePolicy.choices, required=False
    )
    quorum_mode = serializers.ChoiceField(choices=QuorumMode.choices, required=False)
    quorum_first_call = FractionSerializerField(required=False, allow_null=True)
    quorum_second_call = FractionSerializerField(required=False, allow_null=True)
    majority = FractionSerializerField(required=False)
    majority_strict = serializers.BooleanField(required=False)
    proxies_allowed = serializers.BooleanField(required=False)
    proxy_cap = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=1000
    )
    secret_ballot_default = serializers.BooleanField(required=False)
    notice_days_first_call = serializers.IntegerField(required=False, min_value=0, max_value=365)
    notice_days_later_call = serializers.IntegerField(required=False, min_value=0, max_value=365)
    legal_reference = serializers.CharField(required=False, max_length=300, allow_blank=True)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Clients written before the base of the majority existed still set it through
        # the abstention policy it replaced.
        legacy = attrs.pop("abstention_policy", None)
        if legacy is not None:
            base = MajorityBase.VOTES_CAST if legacy == "excluded" else MajorityBase.PRESENT
            attrs.setdefault("majority_base_first_call", base)
            attrs.setdefault("majority_base_second_call", base)
        return attrs


class RulesApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        ordinary = DecisionRulesIn(required=False)
        extraordinary = DecisionRulesIn(required=False)
        advisory = DecisionRulesIn(required=False)
        block_votes_on_composition_breach = serializers.BooleanField(required=False)
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(tags=TAG, responses={200: RulesVersionOut}, operation_id="rules_current")
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        return Response(RulesVersionOut(selectors.rules_current(cooperative)).data)

    @extend_schema(
        tags=TAG,
        responses={201: RulesVersionOut},
        operation_id="rules_update",
        request=InputSerializer,
        description="Make a new rules version from the current one with these changes.",
    )
    def patch(self, request: Request, slug: str) -> Response:
        outer = self.InputSerializer(data=request.data)
        outer.is_valid(raise_exception=True)
        changes: dict[str, dict[str, Any]] = {
            kind: dict(outer.validated_data[kind])
            for kind in DecisionKind.values
            if kind in outer.validated_data
        }
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            version = services.rules_update(
                actor=person_of(request),
                cooperative=cooperative,
                changes=changes,
                block_votes_on_composition_breach=outer.validated_data.get(
                    "block_votes_on_composition_breach"
                ),
                reason=outer.validated_data.get("reason", ""),
            )
        version = selectors.rules_version_get(version.pk)
        return Response(RulesVersionOut(version).data, status=status.HTTP_201_CREATED)


class RulesVersionListApi(APIView):
    @extend_schema(
        tags=TAG, responses={200: page_of(RulesVersionOut)}, operation_id="rules_versions"
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        return paginate(self, selectors.rules_versions(cooperative), RulesVersionOut)
