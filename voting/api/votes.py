"""Endpoints of the vote lifecycle: list, create, read, schedule, open, close, cancel."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import page_of, paginate, person_of
from deliberation.permissions import access_proposal
from governance.models import DecisionKind
from governance.permissions import access_cooperative
from voting import selectors, services
from voting.api.serializers import VoteOut
from voting.choices import MAX_GRADES, MAX_LABEL, MAX_OPTIONS
from voting.models import Vote, VoteMethod
from voting.permissions import access_vote, vote_visible_queryset

TAG = ["voting"]


def _vote_out(vote: Vote) -> dict[str, Any]:
    fresh = Vote.objects.select_related(
        "cooperative", "rules_version", "college_config_version", "decision"
    ).get(pk=vote.pk)
    return dict(VoteOut(fresh).data)


class VoteListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        method = serializers.ChoiceField(choices=VoteMethod.choices)
        proposal_id = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=2**63 - 1
        )
        title = serializers.CharField(max_length=200, required=False, allow_blank=True)
        description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
        decision_kind = serializers.ChoiceField(choices=DecisionKind.choices, required=False)
        options = serializers.ListField(
            child=serializers.CharField(max_length=MAX_LABEL),
            max_length=MAX_OPTIONS,
            required=False,
        )
        grades = serializers.ListField(
            child=serializers.CharField(max_length=MAX_LABEL),
            max_length=MAX_GRADES,
            required=False,
            help_text="Majority judgment grades, worst first.",
        )
        is_secret = serializers.BooleanField(
            required=False,
            allow_null=True,
            default=None,
            help_text="Omit to follow the rules' default.",
        )
        results_live = serializers.BooleanField(required=False, default=False)
        allow_change = serializers.BooleanField(required=False, default=True)
        quorum_call = serializers.IntegerField(required=False, default=1, min_value=1, max_value=2)
        opens_at = serializers.DateTimeField(required=False, allow_null=True)
        closes_at = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(
        tags=TAG,
        responses={200: page_of(VoteOut)},
        operation_id="votes_list",
        description="Votes of the cooperative you may see, newest first.",
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        votes = (
            vote_visible_queryset(request.user, cooperative)
            .select_related("cooperative", "rules_version", "college_config_version", "decision")
            .order_by("-id")
        )
        return paginate(self, votes, VoteOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: VoteOut},
        operation_id="votes_create",
        description="Create a draft vote (board only): on a proposal, or a "
        "standalone poll. Binding decisions use the `resolution` method.",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            proposal = None
            if values.get("proposal_id") is not None:
                proposal = access_proposal(request.user, values["proposal_id"])
            vote = services.vote_create(
                actor=person_of(request),
                cooperative=cooperative,
                proposal=proposal,
                method=values["method"],
                title=values.get("title", ""),
                description=values.get("description", ""),
                decision_kind=values.get("decision_kind"),
                options=values.get("options", []),
                grades=values.get("grades", []),
                is_secret=values["is_secret"],
                results_live=values["results_live"],
                allow_change=values["allow_change"],
                quorum_call=values["quorum_call"],
                opens_at=values.get("opens_at"),
                closes_at=values.get("closes_at"),
            )
        return Response(_vote_out(vote), status=status.HTTP_201_CREATED)


class VoteDetailApi(APIView):
    @extend_schema(tags=TAG, responses={200: VoteOut}, operation_id="votes_retrieve")
    def get(self, request: Request, vote_id: int) -> Response:
        vote, _role = access_vote(request.user, vote_id)
        return Response(_vote_out(vote))


class VoteScheduleApi(APIView):
    class InputSerializer(serializers.Serializer):
        opens_at = serializers.DateTimeField(allow_null=True)
        closes_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={200: VoteOut},
        operation_id="votes_schedule",
        description="Set when a draft opens and closes, or move the closing time "
        "of an open vote. The scheduler opens and closes it on time. Refused with "
        "`use_assembly_booth` when the vote belongs to an assembly, whose agenda opens "
        "and closes it.",
    )
    def post(self, request: Request, vote_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            vote, _role = access_vote(request.user, vote_id, manage=True)
            vote = services.vote_schedule(
                actor=person_of(request),
                vote=vote,
                **data.validated_data,
            )
        return Response(_vote_out(vote))


class VoteOpenApi(APIView):
    class OutputSerializer(VoteOut):
        class WarningOut(serializers.Serializer):
            code = serializers.CharField()
            message = serializers.CharField()
            college = serializers.CharField()
            eligible = serializers.IntegerField()

        warnings = WarningOut(many=True)

    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: OutputSerializer},
        operation_id="votes_open",
        description="Open now: freezes the roll, the colleges and weights, and the "
        "rules version. Refused with `roll_incomplete`, `roll_empty` or "
        "`composition_breach` when it cannot open, and with `use_assembly_booth` when "
        "the vote belongs to an assembly, whose agenda opens it. `warnings` lists, for "
        "a secret vote, each college with fewer members than SECRET_BALLOT_SMALL_COLLEGE "
        "(`small_college_secrecy`): its published result may show how they voted.",
    )
    def post(self, request: Request, vote_id: int) -> Response:
        with transaction.atomic(durable=True):
            vote, _role = access_vote(request.user, vote_id, manage=True)
            vote = services.vote_open(actor=person_of(request), vote=vote)
        warnings = self.OutputSerializer.WarningOut(
            selectors.small_college_warnings(vote), many=True
        ).data
        return Response({**_vote_out(vote), "warnings": warnings})


class VoteCloseApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: VoteOut},
        operation_id="votes_close",
        description="Close now: tallies under the frozen rules and records the "
        "decision, with the hash of the audit entry that closed it. Refused with "
        "`use_assembly_booth` when the vote belongs to an assembly: the assembly closes "
        "its point, counting the attendance of the call; with `ballot_key_unavailable` "
        "(503) when a secret vote's sealed ballots cannot be opened because the server's "
        "BALLOT_SEAL_KEY is not the one the vote opened with.",
    )
    def post(self, request: Request, vote_id: int) -> Response:
        with transaction.atomic(durable=True):
            vote, _role = access_vote(request.user, vote_id, manage=True)
            services.vote_close(actor=person_of(request), vote=vote)
        return Response(_vote_out(vote))


class VoteCancelApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: VoteOut},
        operation_id="votes_cancel",
        description="Cancel a draft vote. Refused with `use_assembly_booth` when the "
        "vote belongs to an assembly.",
    )
    def post(self, request: Request, vote_id: int) -> Response:
        with transaction.atomic(durable=True):
            vote, _role = access_vote(request.user, vote_id, manage=True)
            vote = services.vote_cancel(actor=person_of(request), vote=vote)
        return Response(_vote_out(vote))
