"""Members, representatives, board seats and observers."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import page_of, paginate, person_of
from core.errors import NotFound
from governance import selectors, services
from governance.api.serializers import (
    TAG,
    BoardRoleOut,
    MemberOut,
    ObserverOut,
    PersonOut,
    RepresentativeOut,
    person_named,
)
from governance.models import BoardRoleKind
from governance.permissions import access_cooperative


def _found[T](record: T | None) -> T:
    """The record a path names, or the one 404 for missing and not this cooperative's."""
    if record is None:
        raise NotFound()
    return record


class MemberListApi(APIView):
    class Out(MemberOut):
        representatives = PersonOut(many=True, source="representative_people")

    @extend_schema(tags=TAG, responses={200: page_of(Out)}, operation_id="members_list")
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        members: list[Any] = list(selectors.member_list(cooperative))
        for member in members:
            member.representative_people = [r.person for r in member.active_representatives]
        return paginate(self, members, self.Out)


class RepresentativeListCreateApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        person = serializers.CharField(max_length=150, help_text="Username or id.")

    @extend_schema(
        tags=TAG, responses={200: page_of(RepresentativeOut)}, operation_id="representatives_list"
    )
    def get(self, request: Request, slug: str, member_id: int) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        member = _found(selectors.member_get(cooperative, member_id))
        return paginate(self, selectors.representative_list(member), RepresentativeOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: RepresentativeOut},
        operation_id="representatives_designate",
    )
    def post(self, request: Request, slug: str, member_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            member = _found(selectors.member_get(cooperative, member_id))
            representative = services.representative_designate(
                actor=person_of(request),
                member=member,
                person=person_named(data.validated_data["person"]),
            )
        return Response(RepresentativeOut(representative).data, status=status.HTTP_201_CREATED)


class RepresentativeRevokeApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: RepresentativeOut},
        operation_id="representatives_revoke",
    )
    def post(self, request: Request, slug: str, member_id: int, pk: int) -> Response:
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            representative = _found(selectors.representative_get(cooperative, member_id, pk))
            representative = services.representative_revoke(
                actor=person_of(request), representative=representative
            )
        return Response(RepresentativeOut(representative).data)


# Board and observers.


class BoardRoleListCreateApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        person = serializers.CharField(max_length=150, help_text="Username or id.")
        role = serializers.ChoiceField(choices=BoardRoleKind.choices)
        started_on = serializers.DateField(required=False)
        term_ends_on = serializers.DateField(required=False)

    @extend_schema(
        tags=TAG, responses={200: page_of(BoardRoleOut)}, operation_id="board_roles_list"
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        return paginate(self, selectors.board_role_list(cooperative), BoardRoleOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: BoardRoleOut},
        operation_id="board_roles_grant",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            board_role = services.board_role_grant(
                actor=person_of(request),
                cooperative=cooperative,
                person=person_named(values["person"]),
                role=values["role"],
                started_on=values.get("started_on"),
                term_ends_on=values.get("term_ends_on"),
            )
        return Response(BoardRoleOut(board_role).data, status=status.HTTP_201_CREATED)


class BoardRoleRevokeApi(APIView):
    @extend_schema(
        tags=TAG, request=None, responses={200: BoardRoleOut}, operation_id="board_roles_revoke"
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            board_role = _found(selectors.board_role_get(cooperative, pk))
            board_role = services.board_role_revoke(actor=person_of(request), board_role=board_role)
        return Response(BoardRoleOut(board_role).data)


class ObserverListCreateApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        person = serializers.CharField(max_length=150, help_text="Username or id.")
        organisation = serializers.CharField(max_length=200, required=False, allow_blank=True)

    @extend_schema(tags=TAG, responses={200: page_of(ObserverOut)}, operation_id="observers_list")
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        return paginate(self, selectors.observer_list(cooperative), ObserverOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: ObserverOut},
        operation_id="observers_invite",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            observer = services.observer_invite(
                actor=person_of(request),
                cooperative=cooperative,
                person=person_named(data.validated_data["person"]),
                organisation=data.validated_data.get("organisation", ""),
            )
        return Response(ObserverOut(observer).data, status=status.HTTP_201_CREATED)


class ObserverRevokeApi(APIView):
    @extend_schema(
        tags=TAG, request=None, responses={200: ObserverOut}, operation_id="observers_revoke"
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            observer = _found(selectors.observer_get(cooperative, pk))
            observer = services.observer_revoke(actor=person_of(request), observer=observer)
        return Response(ObserverOut(observer).data)
