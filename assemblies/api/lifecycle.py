"""Endpoints of an assembly's life: prepare, convene, open, record a missing quorum, close."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assemblies import selectors, services
from assemblies.api.serializers import AssemblyDetailOut, AssemblyOut, AttendanceCountOut
from assemblies.models import Assembly, AssemblyKind
from assemblies.permissions import access_assembly, assemblies_visible
from core.api import page_of, paginate, person_of
from core.errors import InvalidInput
from governance.models import Person
from governance.permissions import access_cooperative

TAG = ["assemblies"]
URL_MAX = 500


def detail(assembly_id: int) -> Response:
    return Response(AssemblyDetailOut(selectors.assembly_detail(assembly_id)).data)


def _person(person_id: int | None) -> Person | None:
    if person_id is None:
        return None
    person = Person.objects.filter(pk=person_id, is_active=True).first()
    if person is None:
        raise InvalidInput(
            code="unknown_person", message=_("No such person."), details={"secretary_id": person_id}
        )
    return person


class AssemblyListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=AssemblyKind.choices)
        title = serializers.CharField(max_length=200)
        first_call_at = serializers.DateTimeField()
        second_call_at = serializers.DateTimeField(required=False, allow_null=True)
        place = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
        remote_url = serializers.URLField(
            max_length=URL_MAX, required=False, allow_blank=True, default=""
        )
        remote_allowed = serializers.BooleanField(required=False, default=True)
        postal_allowed = serializers.BooleanField(required=False, default=True)
        results_live = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        tags=TAG,
        responses={200: page_of(AssemblyOut)},
        operation_id="assemblies_list",
        description="The assemblies of a cooperative; drafts for the board only.",
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        queryset = selectors.assembly_list(assemblies_visible(request.user, cooperative))
        return paginate(self, queryset, AssemblyOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: AssemblyDetailOut},
        operation_id="assemblies_create",
        description="Prepare an assembly (a draft). Its second call, when given, is "
        "announced in the convocation. The board only.",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            assembly = services.assembly_create(
                actor=person_of(request),
                cooperative=cooperative,
                kind=values["kind"],
                title=values["title"],
                first_call_at=values["first_call_at"],
                second_call_at=values.get("second_call_at"),
                place=values["place"],
                remote_url=values["remote_url"],
                remote_allowed=values["remote_allowed"],
                postal_allowed=values["postal_allowed"],
                results_live=values["results_live"],
            )
        response = detail(assembly.pk)
        response.status_code = status.HTTP_201_CREATED
        return response


class AssemblyDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200, required=False)
        first_call_at = serializers.DateTimeField(required=False)
        second_call_at = serializers.DateTimeField(required=False, allow_null=True)
        place = serializers.CharField(max_length=300, required=False, allow_blank=True)
        remote_url = serializers.URLField(max_length=URL_MAX, required=False, allow_blank=True)
        remote_allowed = serializers.BooleanField(required=False)
        postal_allowed = serializers.BooleanField(required=False)
        results_live = serializers.BooleanField(required=False)

    @extend_schema(
        tags=TAG,
        responses={200: AssemblyDetailOut},
        operation_id="assemblies_retrieve",
        description="An assembly with its calls, agenda, documents and results.",
    )
    def get(self, request: Request, pk: int) -> Response:
        access_assembly(request.user, pk)
        return detail(pk)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={200: AssemblyDetailOut},
        operation_id="assemblies_update",
        description="Change a draft. The board only. Errors: `assembly_state`.",
    )
    def patch(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            assembly, _role = access_assembly(request.user, pk, manage=True)
            services.assembly_update(
                actor=person_of(request),
                assembly=assembly,
                **data.validated_data,
            )
        return detail(pk)


class _ActionApi(APIView):
    """A state change with no input but the time, answered with the assembly."""

    def act(self, request: Request, pk: int) -> Response:
        with transaction.atomic(durable=True):
            assembly, _role = access_assembly(request.user, pk, manage=True)
            self.perform(request, assembly)
        return detail(pk)

    def perform(self, request: Request, assembly: Assembly) -> None:
        raise NotImplementedError


class AssemblyConveneApi(_ActionApi):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: AssemblyDetailOut},
        operation_id="assemblies_convene",
        description="Convene the first call: the agenda and rules version are "
        "fixed, the notice periods of the rules checked, and every member with a "
        "vote is sent the convocation by email and in-app. Errors: "
        "`notice_too_short` (details: required_days, notice_days, earliest_date), "
        "`agenda_empty`, `assembly_state`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, pk)

    def perform(self, request: Request, assembly: Assembly) -> None:
        services.assembly_convene(actor=person_of(request), assembly=assembly)


class AssemblySecondCallApi(APIView):
    class InputSerializer(serializers.Serializer):
        scheduled_at = serializers.DateTimeField(required=False, allow_null=True)
        place = serializers.CharField(max_length=300, required=False, allow_null=True)
        remote_url = serializers.URLField(
            max_length=URL_MAX, required=False, allow_null=True, allow_blank=True
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={200: AssemblyDetailOut},
        operation_id="assemblies_second_call",
        description="Convene the second call after a first call without quorum, "
        "with the later-call notice. Errors: `notice_too_short`, `assembly_state`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            assembly, _role = access_assembly(request.user, pk, manage=True)
            services.assembly_convene_second_call(
                actor=person_of(request),
                assembly=assembly,
                scheduled_at=values.get("scheduled_at"),
                place=values.get("place"),
                remote_url=values.get("remote_url"),
            )
        return detail(pk)


class AssemblyOpenApi(APIView):
    class InputSerializer(serializers.Serializer):
        secretary_id = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=2**63 - 1
        )
        scrutineer_ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
            required=False,
            min_length=2,
            max_length=2,
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={200: AssemblyDetailOut},
        operation_id="assemblies_open",
        description="Open the meeting on its current call; the caller chairs. The bureau "
        "(the chair, the secretary and two scrutineers, by person id) is recorded and signs "
        "the minutes. Errors: `quorum_not_reached` (details: the counts), `call_not_due`, "
        "`two_scrutineers`, `assembly_state`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            assembly, _role = access_assembly(request.user, pk, manage=True)
            services.assembly_open(
                actor=person_of(request),
                assembly=assembly,
                secretary=_person(data.validated_data.get("secretary_id")),
                scrutineers=[
                    p
                    for p in (_person(i) for i in data.validated_data.get("scrutineer_ids", []))
                    if p is not None
                ],
            )
        return detail(pk)


class AssemblyNoQuorumApi(_ActionApi):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: AssemblyDetailOut},
        operation_id="assemblies_record_no_quorum",
        description="Record that the current call lacks its quorum: after a "
        "first call the assembly waits for its second call; after a second call "
        "it closes without deciding. Errors: `quorum_reached`, `call_not_due`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, pk)

    def perform(self, request: Request, assembly: Assembly) -> None:
        services.assembly_record_no_quorum(
            actor=person_of(request),
            assembly=assembly,
        )


class AssemblyCloseApi(_ActionApi):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: AssemblyDetailOut},
        operation_id="assemblies_close",
        description="Close the meeting and generate its minutes (HTML and PDF), "
        "whose digests go to the audit log. Errors: `another_item_open`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        return self.act(request, pk)

    def perform(self, request: Request, assembly: Assembly) -> None:
        services.assembly_close(actor=person_of(request), assembly=assembly)


class AssemblyCancelApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=300)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={200: AssemblyDetailOut},
        operation_id="assemblies_cancel",
        description="Call off an assembly before it opens; convened members are told in-app.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            assembly, _role = access_assembly(request.user, pk, manage=True)
            services.assembly_cancel(
                actor=person_of(request),
                assembly=assembly,
                reason=data.validated_data["reason"],
            )
        return detail(pk)


class AssemblyQuorumApi(APIView):
    @extend_schema(
        tags=TAG,
        responses={200: AttendanceCountOut},
        operation_id="assemblies_quorum",
        description="Live attendance of the current call (present, remote, "
        "represented, postal, per college) and its quorum in the rules' mode.",
    )
    def get(self, request: Request, pk: int) -> Response:
        assembly, _role = access_assembly(request.user, pk)
        count = selectors.call_attendance(assembly, selectors.current_call(assembly))
        return Response(AttendanceCountOut(count.as_dict()).data)
