"""Endpoints of the electoral board and its key ceremony."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer, page_of, paginate, person_of
from elections import selectors, services
from elections.errors import TrusteeNotEligible
from elections.models import ElectoralBoard, TrusteeRole
from elections.permissions import access_electoral_board, access_trustee
from governance.models import Person
from governance.permissions import access_cooperative

TAG = ["elections"]
REFUSED = OpenApiResponse(
    ErrorSerializer,
    description="`ceremony_step_refused` (the step does not check), `ceremony_out_of_order`, "
    "`not_trustee`.",
)


class TrusteeOut(serializers.Serializer[Any]):
    index = serializers.IntegerField()
    person_id = serializers.IntegerField()
    role = serializers.ChoiceField(choices=TrusteeRole.choices)
    verification_key = serializers.JSONField(allow_null=True)


class ElectoralBoardOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    threshold = serializers.IntegerField()
    size = serializers.IntegerField()
    status = serializers.CharField()
    public_key = serializers.CharField()
    bulletin_public = serializers.BooleanField()
    trustees = TrusteeOut(many=True, source="trustees.all")


class ElectoralBoardListCreateApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        class MemberIn(serializers.Serializer[Any]):
            person_id = serializers.IntegerField(min_value=1)
            role = serializers.ChoiceField(choices=TrusteeRole.choices)

        year = serializers.IntegerField(min_value=2000, max_value=2999)
        name = serializers.CharField(max_length=120, required=False, default="")
        threshold = serializers.IntegerField(min_value=2, default=3)
        bulletin_public = serializers.BooleanField(default=False)
        members = serializers.ListField(child=MemberIn(), min_length=2, max_length=20)

    @extend_schema(
        tags=TAG, responses={200: page_of(ElectoralBoardOut)}, operation_id="electoral_boards_list"
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        boards = ElectoralBoard.objects.filter(cooperative=cooperative).prefetch_related("trustees")
        return paginate(self, boards, ElectoralBoardOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: ElectoralBoardOut, 400: REFUSED},
        operation_id="electoral_boards_create",
        description="Name the electoral board of a year (board only): a chair, "
        "scrutineers and substitutes, any `threshold` of whom decrypt. Errors: "
        "`trustee_not_eligible` (a person who is not an active member, a member's "
        "representative or a board member; `details.person_ids`), "
        "`electoral_board_year_taken`, `ceremony_step_refused`.",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug)
            people = Person.objects.in_bulk([m["person_id"] for m in v["members"]])
            if unknown := [m["person_id"] for m in v["members"] if m["person_id"] not in people]:
                raise TrusteeNotEligible(details={"person_ids": unknown})
            members = [(people[m["person_id"]], m["role"]) for m in v["members"]]
            board = services.electoral_board_create(
                actor=person_of(request),
                cooperative=cooperative,
                year=v["year"],
                members=members,
                threshold=v["threshold"],
                name=v["name"],
                bulletin_public=v["bulletin_public"],
            )
        return Response(ElectoralBoardOut(board).data, status=status.HTTP_201_CREATED)


class ElectoralBoardDetailApi(APIView):
    @extend_schema(
        tags=TAG, responses={200: ElectoralBoardOut}, operation_id="electoral_boards_read"
    )
    def get(self, request: Request, board_id: int) -> Response:
        board, _role = access_electoral_board(request.user, board_id)
        return Response(ElectoralBoardOut(board).data)


class CeremonyStateOut(serializers.Serializer[Any]):
    step = serializers.CharField()
    size = serializers.IntegerField()
    threshold = serializers.IntegerField()
    index = serializers.IntegerField()
    mine = serializers.DictField(child=serializers.BooleanField())
    certificates = serializers.JSONField()
    coefexps = serializers.JSONField()
    shares_for_me = serializers.JSONField()
    public_key = serializers.CharField()


class CeremonyStateApi(APIView):
    @extend_schema(
        tags=TAG,
        responses={200: CeremonyStateOut},
        operation_id="ceremony_read",
        description="A trustee's view of the ceremony: the step, what it posted, "
        "the others' certificates and commitments, the shares encrypted to it.",
    )
    def get(self, request: Request, board_id: int) -> Response:
        board, _role = access_electoral_board(request.user, board_id)
        trustee = access_trustee(request.user, board)
        return Response(CeremonyStateOut(selectors.ceremony_state(board, trustee)).data)


class _Step(APIView):
    """One step of the key ceremony: the trustee's input, checked by the step's service."""

    InputSerializer: type[serializers.Serializer[Any]]
    step: Callable[..., Any]

    def _run(self, request: Request, board_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            board, _role = access_electoral_board(request.user, board_id)
            type(self).step(actor=person_of(request), board=board, **data.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CeremonyCertificateApi(_Step):
    step = services.trustee_post_certificate

    class InputSerializer(serializers.Serializer[Any]):
        certificate = serializers.JSONField()

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={204: None, 400: REFUSED},
        operation_id="ceremony_certificate",
    )
    def post(self, request: Request, board_id: int) -> Response:
        return self._run(request, board_id)


class CeremonyCommitmentsApi(_Step):
    step = services.trustee_post_commitments

    class InputSerializer(serializers.Serializer[Any]):
        coefexps = serializers.JSONField()
        signature = serializers.JSONField()
        shares = serializers.ListField(child=serializers.JSONField(), max_length=20)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={204: None, 400: REFUSED},
        operation_id="ceremony_commitments",
    )
    def post(self, request: Request, board_id: int) -> Response:
        return self._run(request, board_id)


class CeremonyVerificationKeyApi(_Step):
    step = services.trustee_post_verification_key

    class InputSerializer(serializers.Serializer[Any]):
        verification_key = serializers.JSONField()

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={204: None, 400: REFUSED},
        operation_id="ceremony_verification_key",
    )
    def post(self, request: Request, board_id: int) -> Response:
        return self._run(request, board_id)
