"""Endpoints of taking part: convocations, proxies, postal votes and attendance."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assemblies import selectors, services
from assemblies.api.lifecycle import TAG
from assemblies.api.serializers import (
    AssemblyProxyOut,
    AttendanceOut,
    ConvocationOut,
    PostalVoteOut,
)
from assemblies.inputs import MAX_ID
from assemblies.models import Attendance, AttendanceMode, PostalVote
from assemblies.permissions import (
    access_assembly,
    access_assembly_proxy,
    access_attendance,
    can_read_attendance,
    can_read_convocations,
)
from core.api import Pagination, page_of, paginate, person_of
from core.errors import Forbidden
from governance.errors import BoardOnly
from governance.selectors import members_acting_person
from voting.models import ResolutionChoice


def _member_act[T](request: Request, pk: int, act: Callable[..., T], **arguments: Any) -> T:
    """An act of the person on the assembly `pk` as they may see it: the service `act`, with
    the person as actor, in one durable transaction with the assembly's loading."""
    with transaction.atomic(durable=True):
        assembly, _role = access_assembly(request.user, pk)
        return act(actor=person_of(request), assembly=assembly, **arguments)


class ConvocationListApi(APIView):
    @extend_schema(
        tags=TAG,
        responses={200: page_of(ConvocationOut)},
        operation_id="assemblies_convocations_list",
        description="Proof of sending: for each call, member, recipient and "
        "channel, when it was sent (or why not). The board only.",
    )
    def get(self, request: Request, pk: int) -> Response:
        assembly, role = access_assembly(request.user, pk)
        if not can_read_convocations(role):
            raise BoardOnly(_("Only the board reads the proof of sending."))
        return paginate(self, selectors.convocation_list(assembly), ConvocationOut)


class AssemblyProxyListGiveApi(APIView):
    class InputSerializer(serializers.Serializer):
        holder_id = serializers.IntegerField(
            allow_null=True,
            min_value=1,
            max_value=MAX_ID,
            help_text="The member who will vote for you; null gives the proxy to the chair, "
            "who votes for the board's resolutions and against the others.",
        )
        principal_id = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=MAX_ID,
            help_text="The member giving it, when you act for several (or, for the board, "
            "a paper proxy).",
        )

    @extend_schema(
        tags=TAG,
        responses={200: page_of(AssemblyProxyOut)},
        operation_id="assemblies_proxies_list",
        description="Proxies for the whole assembly: all of them for the board, "
        "those you gave or hold otherwise.",
    )
    def get(self, request: Request, pk: int) -> Response:
        assembly, role = access_assembly(request.user, pk)
        return paginate(self, selectors.proxy_list(assembly, request.user, role), AssemblyProxyOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: AssemblyProxyOut},
        operation_id="assemblies_proxies_give",
        description="Give a proxy for the whole assembly, from the convocation "
        "until the meeting opens. Errors: `proxies_not_allowed`, "
        "`proxy_cap_reached`, `proxy_exists`, `voted_by_post`, `not_a_member`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        proxy = _member_act(
            request,
            pk,
            services.assembly_proxy_give,
            holder_id=values["holder_id"],
            principal_id=values.get("principal_id"),
        )
        return Response(AssemblyProxyOut(proxy).data, status=status.HTTP_201_CREATED)


class AssemblyProxyRevokeApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: AssemblyProxyOut},
        operation_id="assemblies_proxies_revoke",
        description="Withdraw a proxy until the meeting opens.",
    )
    def post(self, request: Request, pk: int, proxy_id: int) -> Response:
        with transaction.atomic(durable=True):
            proxy = services.assembly_proxy_revoke(
                actor=person_of(request), proxy=access_assembly_proxy(request.user, pk, proxy_id)
            )
        return Response(AssemblyProxyOut(proxy).data)


class PostalBallotIn(serializers.Serializer):
    resolution_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    choice = serializers.ChoiceField(choices=ResolutionChoice.choices)


class PostalVoteListSubmitApi(APIView):
    class InputSerializer(serializers.Serializer):
        member_id = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=MAX_ID
        )
        ballots = PostalBallotIn(many=True, allow_empty=False, max_length=200)  # type: ignore[call-arg]

    def _page(self, queryset: Any, context: dict[str, Any]) -> Response:
        paginator = Pagination()
        page: list[Any] | None = paginator.paginate_queryset(queryset, self.request, view=self)
        assert page is not None
        return paginator.get_paginated_response(
            PostalVoteOut(page, many=True, context={"request": self.request, **context}).data
        )

    @extend_schema(
        tags=TAG,
        responses={200: page_of(PostalVoteOut)},
        operation_id="assemblies_postal_votes_list",
        description="Postal ballots: who voted by post (the board), or your own "
        "ballots with their choices.",
    )
    def get(self, request: Request, pk: int) -> Response:
        assembly, role = access_assembly(request.user, pk)
        own = {m.pk for m in members_acting_person(assembly.cooperative, request.user)}
        secret = selectors.secret_resolution_ids(assembly)
        return self._page(
            selectors.postal_vote_list(assembly, request.user, role),
            {"own_members": own, "secret_resolutions": secret},
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: page_of(PostalVoteOut)},
        operation_id="assemblies_postal_votes_submit",
        description="Vote by post before the meeting: a choice per resolution; a "
        "later form replaces the choices it repeats. Errors: `postal_not_allowed`, "
        "`proxy_given`, `unknown_resolution`, `not_a_member`, `assembly_state`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        ballots: dict[int, str] = {}
        for ballot in values["ballots"]:
            ballots[ballot["resolution_id"]] = ballot["choice"]
        recorded = _member_act(
            request,
            pk,
            services.postal_vote_submit,
            ballots=ballots,
            member_id=values.get("member_id"),
        )
        queryset = (
            PostalVote.objects.filter(pk__in=[v.pk for v in recorded])
            .select_related("member")
            .order_by("resolution_id")
        )
        # The form's author sees the choices just entered, secret or not.
        response = self._page(queryset, {"own_members": {v.member_id for v in recorded}})
        response.status_code = status.HTTP_201_CREATED
        return response


class AttendanceListCheckInApi(APIView):
    class InputSerializer(serializers.Serializer):
        mode = serializers.ChoiceField(choices=AttendanceMode.choices)
        member_id = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=MAX_ID,
            help_text="The member signing in (the board signs in anyone).",
        )

    @extend_schema(
        tags=TAG,
        responses={200: page_of(AttendanceOut)},
        operation_id="assemblies_attendance_list",
        description="The attendance sheet of the current call. Board and members.",
    )
    def get(self, request: Request, pk: int) -> Response:
        assembly, role = access_assembly(request.user, pk)
        if not can_read_attendance(role):
            raise Forbidden(
                code="attendance_hidden",
                message=_("Only members and the board read the attendance sheet."),
            )
        call = selectors.current_call(assembly)
        return paginate(self, selectors.attendance_list(assembly, call), AttendanceOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: AttendanceOut},
        operation_id="assemblies_attendance_check_in",
        description="Sign in to the current call, in the room (recorded by the "
        "board) or remotely. Errors: `already_checked_in`, `voted_by_post`, "
        "`remote_not_allowed`, `presence_by_board`, `check_in_not_open`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        attendance = _member_act(
            request,
            pk,
            services.attendance_check_in,
            mode=values["mode"],
            member_id=values.get("member_id"),
        )
        return Response(AttendanceOut(attendance).data, status=status.HTTP_201_CREATED)


class AttendanceBatchCheckInApi(APIView):
    class InputSerializer(serializers.Serializer):
        mode = serializers.ChoiceField(choices=AttendanceMode.choices, default="present")
        member_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
            min_length=1,
            max_length=services.BATCH_CHECK_IN_MAX,
            help_text=f"The members to sign in, at most {services.BATCH_CHECK_IN_MAX} at once.",
        )

    class OutputSerializer(serializers.Serializer):
        checked_in = AttendanceOut(many=True)
        already_checked_in = serializers.ListField(
            child=serializers.IntegerField(),
            help_text="Members of the list who were already signed in, left as they were.",
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: OutputSerializer},
        operation_id="assemblies_attendance_check_in_batch",
        description="The desk signs in a list of members at once, under the rules of a "
        "single sign-in. The board only. Errors: `not_a_member`, `voted_by_post`, "
        "`no_representative` (each naming the members in `details.member_ids`), "
        "`remote_not_allowed`, `check_in_not_open`, `too_many_members`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        done = _member_act(
            request,
            pk,
            services.attendance_check_in_batch,
            member_ids=values["member_ids"],
            mode=values["mode"],
        )
        rows = Attendance.objects.filter(pk__in=[a.pk for a in done.checked_in]).select_related(
            "call", "member", "person", "checked_in_by"
        )
        body = {"checked_in": list(rows), "already_checked_in": done.already_checked_in}
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)


class AttendanceCheckOutApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: AttendanceOut},
        operation_id="assemblies_attendance_check_out",
        description="Record that a member left the meeting.",
    )
    def post(self, request: Request, pk: int, attendance_id: int) -> Response:
        with transaction.atomic(durable=True):
            attendance = services.attendance_check_out(
                actor=person_of(request),
                attendance=access_attendance(request.user, pk, attendance_id),
            )
        return Response(AttendanceOut(attendance).data)
