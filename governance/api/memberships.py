"""Memberships: list, apply, and one endpoint per change of state."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.db import transaction
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import page_of, paginate, person_of
from core.errors import NotFound
from governance import selectors, services
from governance.api.serializers import TAG, MembershipOut, person_named
from governance.errors import UnknownCategory, UnknownCollege, UnknownMembershipStatus
from governance.models import (
    Membership,
    MembershipStatus,
    OrganisationType,
)
from governance.permissions import (
    access_cooperative,
    access_membership,
    membership_statuses_visible,
)

F = TypeVar("F", bound=Callable[..., Any])


class MembershipListApplyApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        category_id = serializers.IntegerField()
        college_id = serializers.IntegerField(required=False, allow_null=True)
        person = serializers.CharField(
            required=False,
            max_length=150,
            help_text="Username or id; the board may apply for "
            "someone else. Omit to apply for yourself.",
        )
        organisation_name = serializers.CharField(required=False, max_length=200)
        organisation_type = serializers.ChoiceField(
            choices=OrganisationType.choices, required=False
        )
        shares = serializers.IntegerField(required=False, min_value=0, max_value=10**9, default=0)

    @extend_schema(
        tags=TAG,
        responses={200: page_of(MembershipOut)},
        parameters=[OpenApiParameter("status", enum=MembershipStatus.values)],
        operation_id="memberships_list",
        description=(
            "Members see active memberships; the board sees all. Ordered by status, then "
            "in the order the memberships were filed."
        ),
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, role = access_cooperative(request.user, slug)
        wanted = request.query_params.get("status")
        if wanted is not None and wanted not in MembershipStatus.values:
            raise UnknownMembershipStatus()
        shown = membership_statuses_visible(role, wanted)
        memberships = selectors.membership_list_by_status(cooperative, status=shown)
        return paginate(self, memberships, MembershipOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: MembershipOut},
        operation_id="memberships_apply",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            # Anyone signed in may apply: the cooperative needs no role, only to exist.
            cooperative = selectors.cooperative_by_slug(slug)
            if cooperative is None:
                raise NotFound()
            category = selectors.category_get(cooperative, values["category_id"])
            if category is None:
                raise UnknownCategory()
            college = None
            if values.get("college_id") is not None:
                college = selectors.college_get(cooperative, values["college_id"])
                if college is None:
                    raise UnknownCollege()
            membership = services.membership_apply(
                actor=person_of(request),
                cooperative=cooperative,
                category=category,
                college=college,
                person=person_named(values["person"]) if values.get("person") else None,
                organisation_name=values.get("organisation_name", ""),
                organisation_type=values.get("organisation_type", ""),
                shares=values.get("shares", 0),
            )
        return Response(MembershipOut(membership).data, status=status.HTTP_201_CREATED)


class MembershipDetailApi(APIView):
    @extend_schema(tags=TAG, responses={200: MembershipOut}, operation_id="memberships_retrieve")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        return Response(MembershipOut(access_membership(request.user, slug, pk)).data)


class _MembershipActionApi(APIView):
    """Base for the one-verb membership endpoints below."""

    class InputSerializer(serializers.Serializer[Any]):
        pass

    def act(self, request: Request, membership: Membership, values: dict[str, Any]) -> Any:
        raise NotImplementedError

    def handle(self, request: Request, slug: str, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            membership = self.act(
                request, access_membership(request.user, slug, pk), data.validated_data
            )
        return Response(MembershipOut(membership).data)


def _action_schema(
    name: str, serializer: type[serializers.Serializer[Any]], doc: str
) -> Callable[[F], F]:
    return extend_schema(
        tags=TAG,
        request=serializer,
        responses={200: MembershipOut},
        operation_id=f"memberships_{name}",
        description=doc,
    )


class MembershipAdmitApi(_MembershipActionApi):
    class InputSerializer(serializers.Serializer[Any]):
        started_on = serializers.DateField(required=False)

    def act(self, request: Request, membership: Membership, values: dict[str, Any]) -> Any:
        return services.membership_admit(
            actor=person_of(request), membership=membership, started_on=values.get("started_on")
        )

    @_action_schema("admit", InputSerializer, "Board: admit an applicant.")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.handle(request, slug, pk)


class MembershipRefuseApi(_MembershipActionApi):
    class InputSerializer(serializers.Serializer[Any]):
        reason = serializers.CharField(required=False, max_length=300, allow_blank=True)

    def act(self, request: Request, membership: Membership, values: dict[str, Any]) -> Any:
        return services.membership_refuse(
            actor=person_of(request), membership=membership, reason=values.get("reason", "")
        )

    @_action_schema("refuse", InputSerializer, "Board: refuse an application.")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.handle(request, slug, pk)


class MembershipResignApi(_MembershipActionApi):
    class InputSerializer(serializers.Serializer[Any]):
        ended_on = serializers.DateField(required=False)
        reason = serializers.CharField(required=False, max_length=300, allow_blank=True)

    def act(self, request: Request, membership: Membership, values: dict[str, Any]) -> Any:
        return services.membership_resign(
            actor=person_of(request),
            membership=membership,
            ended_on=values.get("ended_on"),
            reason=values.get("reason", ""),
        )

    @_action_schema("resign", InputSerializer, "The member or the board: resign.")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.handle(request, slug, pk)


class MembershipExcludeApi(_MembershipActionApi):
    class InputSerializer(serializers.Serializer[Any]):
        ended_on = serializers.DateField(required=False)
        reason = serializers.CharField(max_length=300)

    def act(self, request: Request, membership: Membership, values: dict[str, Any]) -> Any:
        return services.membership_exclude(
            actor=person_of(request),
            membership=membership,
            ended_on=values.get("ended_on"),
            reason=values["reason"],
        )

    @_action_schema("exclude", InputSerializer, "Board: exclude, with a reason.")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.handle(request, slug, pk)


class MembershipMoveApi(_MembershipActionApi):
    class InputSerializer(serializers.Serializer[Any]):
        college_id = serializers.IntegerField()

    def act(self, request: Request, membership: Membership, values: dict[str, Any]) -> Any:
        college = selectors.college_get(membership.cooperative, values["college_id"])
        if college is None:
            raise UnknownCollege()
        return services.membership_move_college(
            actor=person_of(request), membership=membership, college=college
        )

    @_action_schema("move", InputSerializer, "Board: move to another college.")
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.handle(request, slug, pk)


class MembershipSharesApi(_MembershipActionApi):
    class InputSerializer(serializers.Serializer[Any]):
        shares = serializers.IntegerField(min_value=0, max_value=10**9)

    def act(self, request: Request, membership: Membership, values: dict[str, Any]) -> Any:
        return services.membership_set_shares(
            actor=person_of(request), membership=membership, shares=values["shares"]
        )

    @_action_schema(
        "shares", InputSerializer, "Board: record shares held (local authorities at most 50 %)."
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        return self.handle(request, slug, pk)
