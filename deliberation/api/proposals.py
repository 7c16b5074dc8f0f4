"""REST endpoints of proposals, their versions, amendments, moderators and event log."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import page_of, paginate, person_of
from core.errors import InvalidInput
from deliberation import selectors, services
from deliberation.api.outputs import (
    AmendmentDetailOut,
    AmendmentOut,
    DiffOut,
    PersonRefOut,
    ProposalListItemOut,
    ProposalOut,
    RoomEventOut,
    VersionOut,
)
from deliberation.models import AmendmentStatus, Proposal, ProposalStatus, ProposalVisibility
from deliberation.permissions import access_amendment, access_proposal
from deliberation.room import room_last_seq
from governance.models import DecisionKind
from governance.permissions import access_cooperative

TAG = ["deliberation"]
MAX_ID = 2**63 - 1
BODY_MAX = 100_000


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    query = serializer_class(data=request.query_params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


def _detail(proposal: Proposal) -> Proposal:
    """Reload a proposal with what its output needs."""
    return selectors.proposal_detail(proposal)


def _person(username_or_id: str) -> Any:
    from django.contrib.auth import get_user_model

    text = username_or_id.strip()
    lookup: dict[str, Any] = {"username": text}
    if text.isdigit():
        if int(text) > MAX_ID:
            raise InvalidInput(code="unknown_person", message="No such person.")
        lookup = {"pk": int(text)}
    person = get_user_model().objects.filter(is_active=True, **lookup).first()
    if person is None:
        raise InvalidInput(
            code="unknown_person", message="No such person.", details={"person": text}
        )
    return person


# Proposals.


class ProposalListCreateApi(APIView):
    class QuerySerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=ProposalStatus.choices, required=False)

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        body = serializers.CharField(
            max_length=BODY_MAX,
            allow_blank=True,
            default="",
            help_text="HTML; cleaned with the proposal profile.",
        )
        decision_kind = serializers.ChoiceField(
            choices=DecisionKind.choices, default=DecisionKind.ORDINARY
        )
        visibility = serializers.ChoiceField(
            choices=ProposalVisibility.choices, default=ProposalVisibility.MEMBERS
        )
        deliberation_closes_at = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(
        tags=TAG,
        parameters=[QuerySerializer],
        responses={200: page_of(ProposalListItemOut)},
        operation_id="proposals_list",
    )
    def get(self, request: Request, slug: str) -> Response:
        query = _query(self.QuerySerializer, request)
        cooperative, _role = access_cooperative(request.user, slug)
        return paginate(
            self,
            selectors.proposal_list(request.user, cooperative, status=query.get("status")),
            ProposalListItemOut,
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: ProposalOut},
        operation_id="proposals_create",
        description="Create a draft. Members and the board may.",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug)
            proposal = services.proposal_create(
                actor=person_of(request),
                cooperative=cooperative,
                title=values["title"],
                body=values["body"],
                decision_kind=values["decision_kind"],
                visibility=values["visibility"],
                deliberation_closes_at=values.get("deliberation_closes_at"),
            )
        return Response(ProposalOut(_detail(proposal)).data, status=status.HTTP_201_CREATED)


class ProposalDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200, required=False)
        body = serializers.CharField(max_length=BODY_MAX, allow_blank=True, required=False)
        decision_kind = serializers.ChoiceField(choices=DecisionKind.choices, required=False)
        visibility = serializers.ChoiceField(choices=ProposalVisibility.choices, required=False)
        deliberation_closes_at = serializers.DateTimeField(required=False, allow_null=True)

    @extend_schema(tags=TAG, responses={200: ProposalOut}, operation_id="proposals_retrieve")
    def get(self, request: Request, pk: int) -> Response:
        proposal = access_proposal(request.user, pk)
        return Response(ProposalOut(_detail(proposal)).data)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={200: ProposalOut},
        operation_id="proposals_update",
        description="In draft, anything may change; in deliberation only the "
        "visibility and closing time (the text changes through amendments).",
    )
    def patch(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            proposal = access_proposal(request.user, pk)
            proposal = services.proposal_update(
                actor=person_of(request),
                proposal=proposal,
                title=values.get("title"),
                body=values.get("body"),
                decision_kind=values.get("decision_kind"),
                visibility=values.get("visibility"),
                deliberation_closes_at=values.get("deliberation_closes_at", services.UNSET),
            )
        return Response(ProposalOut(_detail(proposal)).data)


class ProposalPublishApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: ProposalOut},
        operation_id="proposals_publish",
        description="Open the debate (draft -> in deliberation).",
    )
    def post(self, request: Request, pk: int) -> Response:
        with transaction.atomic(durable=True):
            proposal = access_proposal(request.user, pk)
            proposal = services.proposal_publish(actor=person_of(request), proposal=proposal)
        return Response(ProposalOut(_detail(proposal)).data)


class ProposalWithdrawApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=500, required=False, allow_blank=True)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={200: ProposalOut},
        operation_id="proposals_withdraw",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            proposal = access_proposal(request.user, pk)
            proposal = services.proposal_withdraw(
                actor=person_of(request),
                proposal=proposal,
                reason=data.validated_data.get("reason", ""),
            )
        return Response(ProposalOut(_detail(proposal)).data)


# Versions.


class ProposalVersionListApi(APIView):
    @extend_schema(
        tags=TAG, responses={200: page_of(VersionOut)}, operation_id="proposal_versions_list"
    )
    def get(self, request: Request, pk: int) -> Response:
        proposal = access_proposal(request.user, pk)
        return paginate(self, selectors.proposal_versions(proposal), VersionOut)


class ProposalVersionDetailApi(APIView):
    @extend_schema(tags=TAG, responses={200: VersionOut}, operation_id="proposal_versions_retrieve")
    def get(self, request: Request, pk: int, number: int) -> Response:
        proposal = access_proposal(request.user, pk)
        return Response(VersionOut(selectors.proposal_version_get(proposal, number)).data)


class ProposalVersionDiffApi(APIView):
    class QuerySerializer(serializers.Serializer):
        against = serializers.IntegerField(
            required=False,
            min_value=1,
            max_value=2**31 - 1,
            help_text="The version to compare with; by default the one before.",
        )

    @extend_schema(
        tags=TAG,
        parameters=[QuerySerializer],
        responses={200: DiffOut},
        operation_id="proposal_versions_diff",
    )
    def get(self, request: Request, pk: int, number: int) -> Response:
        query = _query(self.QuerySerializer, request)
        proposal = access_proposal(request.user, pk)
        difference = selectors.version_difference(proposal, number, query.get("against"))
        return Response(DiffOut(difference).data)


# Amendments.


class AmendmentListCreateApi(APIView):
    class QuerySerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=AmendmentStatus.choices, required=False)

    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(
            max_length=200, required=False, help_text="The new title; by default the current one."
        )
        body = serializers.CharField(max_length=BODY_MAX, help_text="The whole amended text, HTML.")
        reason = serializers.CharField(max_length=2000, required=False, allow_blank=True)

    @extend_schema(
        tags=TAG,
        parameters=[QuerySerializer],
        responses={200: page_of(AmendmentOut)},
        operation_id="amendments_list",
    )
    def get(self, request: Request, pk: int) -> Response:
        query = _query(self.QuerySerializer, request)
        proposal = access_proposal(request.user, pk)
        return paginate(
            self, selectors.amendment_list(proposal, status=query.get("status")), AmendmentOut
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: AmendmentOut},
        operation_id="amendments_propose",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            proposal = access_proposal(request.user, pk)
            amendment = services.amendment_propose(
                actor=person_of(request),
                proposal=proposal,
                body=values["body"],
                title=values.get("title"),
                reason=values.get("reason", ""),
            )
        return Response(AmendmentOut(amendment).data, status=status.HTTP_201_CREATED)


def _amendment_detail(amendment: Any) -> dict[str, Any]:
    body = dict(AmendmentOut(amendment).data)
    body["diff"] = DiffOut(selectors.amendment_difference(amendment)).data
    return body


class AmendmentDetailApi(APIView):
    @extend_schema(
        tags=TAG,
        responses={200: AmendmentDetailOut},
        operation_id="amendments_retrieve",
        description="The amendment with its differences from the version it was written on.",
    )
    def get(self, request: Request, pk: int) -> Response:
        return Response(_amendment_detail(access_amendment(request.user, pk)))


class DecisionIn(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class AmendmentAcceptApi(APIView):
    @extend_schema(
        tags=TAG,
        request=DecisionIn,
        responses={200: AmendmentOut},
        operation_id="amendments_accept",
        description="The author of the proposal or the board accepts: a new "
        "version of the text. `amendment_outdated` if the text changed since.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = DecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            amendment = access_amendment(request.user, pk)
            amendment = services.amendment_accept(
                actor=person_of(request),
                amendment=amendment,
                note=data.validated_data.get("note", ""),
            )
        return Response(AmendmentOut(access_amendment(request.user, pk)).data)


class AmendmentRejectApi(APIView):
    @extend_schema(
        tags=TAG,
        request=DecisionIn,
        responses={200: AmendmentOut},
        operation_id="amendments_reject",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = DecisionIn(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            amendment = access_amendment(request.user, pk)
            amendment = services.amendment_reject(
                actor=person_of(request),
                amendment=amendment,
                note=data.validated_data.get("note", ""),
            )
        return Response(AmendmentOut(amendment).data)


class AmendmentWithdrawApi(APIView):
    @extend_schema(
        tags=TAG, request=None, responses={200: AmendmentOut}, operation_id="amendments_withdraw"
    )
    def post(self, request: Request, pk: int) -> Response:
        with transaction.atomic(durable=True):
            amendment = access_amendment(request.user, pk)
            amendment = services.amendment_withdraw(actor=person_of(request), amendment=amendment)
        return Response(AmendmentOut(amendment).data)


# Moderators.


class ProposalModeratorListGrantApi(APIView):
    class InputSerializer(serializers.Serializer):
        person = serializers.CharField(max_length=150, help_text="Username or id.")

    @extend_schema(
        tags=TAG,
        responses={200: page_of(PersonRefOut)},
        operation_id="proposal_moderators_list",
        description="People granted moderation of this one proposal (the board "
        "moderates every proposal and is not listed).",
    )
    def get(self, request: Request, pk: int) -> Response:
        proposal = access_proposal(request.user, pk)
        return paginate(self, selectors.proposal_moderators(proposal), PersonRefOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: PersonRefOut},
        operation_id="proposal_moderators_grant",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            proposal = access_proposal(request.user, pk)
            person = _person(data.validated_data["person"])
            services.proposal_moderator_grant(
                actor=person_of(request), proposal=proposal, person=person
            )
        return Response(PersonRefOut(person).data, status=status.HTTP_201_CREATED)


class ProposalModeratorRevokeApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: PersonRefOut},
        operation_id="proposal_moderators_revoke",
    )
    def post(self, request: Request, pk: int, person_id: int) -> Response:
        with transaction.atomic(durable=True):
            proposal = access_proposal(request.user, pk)
            person = _person(str(person_id))
            services.proposal_moderator_revoke(
                actor=person_of(request), proposal=proposal, person=person
            )
        return Response(PersonRefOut(person).data)


# The room's event log.


class ProposalEventListApi(APIView):
    class QuerySerializer(serializers.Serializer):
        after = serializers.IntegerField(
            min_value=0, max_value=MAX_ID, default=0, help_text="The last sequence number you saw."
        )
        limit = serializers.IntegerField(min_value=1, max_value=500, default=200)

    @extend_schema(
        tags=TAG,
        parameters=[QuerySerializer],
        operation_id="proposal_events_list",
        description="The room's events numbered above `after`, in order: what a client "
        "that lost its WebSocket missed. Comment text is as it is now (none once hidden or "
        "deleted).",
        responses={
            200: inline_serializer(
                "ProposalEventPage",
                {
                    "events": RoomEventOut(many=True),
                    "last_seq": serializers.IntegerField(),
                    "has_more": serializers.BooleanField(),
                },
            )
        },
    )
    def get(self, request: Request, pk: int) -> Response:
        query = _query(self.QuerySerializer, request)
        proposal = access_proposal(request.user, pk)
        limit = query["limit"]
        frames = selectors.room_events_since(proposal.pk, query["after"], limit=limit + 1)
        return Response(
            {
                "events": frames[:limit],
                "last_seq": room_last_seq(proposal.pk),
                "has_more": len(frames) > limit,
            }
        )
