"""Endpoints of the agenda: items, documents, candidates, the chair's control and the booth."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assemblies import services
from assemblies.api.lifecycle import TAG, URL_MAX, detail
from assemblies.api.serializers import (
    AgendaItemOut,
    AssemblyDetailOut,
    CandidateOut,
)
from assemblies.inputs import MAX_ID, BoothCastInput
from assemblies.models import AgendaItem, ItemKind
from assemblies.permissions import access_assembly, access_booth_for_cast, access_booth_resolution
from core.api import ErrorSerializer, person_of
from core.errors import InvalidInput, NotFound
from core.sql import transaction_ending_with_write
from deliberation.models import Proposal
from governance.models import BoardRoleKind, College, Person


def _item(assembly: Any, item_id: int) -> AgendaItem:
    item = (
        AgendaItem.objects.select_related("assembly").filter(pk=item_id, assembly=assembly).first()
    )
    if item is None:
        raise NotFound()
    item.assembly = assembly
    return item


class ReservedSeatIn(serializers.Serializer):
    college_id = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    seats = serializers.IntegerField(min_value=1, max_value=50)


class AgendaItemAddApi(APIView):
    class InputSerializer(serializers.Serializer):
        kind = serializers.ChoiceField(choices=ItemKind.choices)
        title = serializers.CharField(max_length=200)
        text = serializers.CharField(
            max_length=20_000,
            required=False,
            allow_blank=True,
            default="",
            help_text="HTML; cleaned on input.",
        )
        board_backed = serializers.BooleanField(
            required=False,
            default=True,
            help_text="Proposed or approved by the board: proxies without a holder vote for "
            "it, and against the others.",
        )
        is_secret = serializers.BooleanField(
            required=False, allow_null=True, default=None, help_text="Null: the rules' default."
        )
        proposal_id = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=MAX_ID
        )
        seats = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=50,
            help_text="Elections: seats filled.",
        )
        term_years = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=6,
            help_text="Elections: at most 6.",
        )
        role = serializers.ChoiceField(
            choices=BoardRoleKind.choices, required=False, default=BoardRoleKind.DIRECTOR
        )
        reserved = ReservedSeatIn(
            many=True, required=False, default=list, help_text="Elections: seats kept for colleges."
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: AgendaItemOut},
        operation_id="assemblies_items_add",
        description="Add a point to the agenda of a draft: a resolution (possibly "
        "putting a proposal to the vote), a board election, or information. "
        "Errors: `assembly_state`, `election_invalid`, `decision_kind_mismatch`.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            assembly, _role = access_assembly(request.user, pk, manage=True)
            proposal = None
            if values.get("proposal_id") is not None:
                proposal = Proposal.objects.filter(
                    pk=values["proposal_id"], cooperative=assembly.cooperative
                ).first()
                if proposal is None:
                    raise InvalidInput(code="unknown_proposal", message=_("No such proposal."))
            colleges = {
                c.pk: c
                for c in College.objects.filter(
                    cooperative=assembly.cooperative,
                    pk__in=[r["college_id"] for r in values["reserved"]],
                )
            }
            reserved = []
            for row in values["reserved"]:
                if row["college_id"] not in colleges:
                    raise InvalidInput(code="unknown_college", message=_("No such college."))
                reserved.append((colleges[row["college_id"]], row["seats"]))
            item = services.agenda_item_add(
                actor=person_of(request),
                assembly=assembly,
                kind=values["kind"],
                title=values["title"],
                text=values["text"],
                board_backed=values["board_backed"],
                is_secret=values.get("is_secret"),
                proposal=proposal,
                seats=values.get("seats"),
                term_years=values.get("term_years"),
                role=values["role"],
                reserved=reserved,
            )
        return Response(AgendaItemOut(item).data, status=status.HTTP_201_CREATED)


class AgendaItemRemoveApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: AssemblyDetailOut},
        operation_id="assemblies_items_remove",
        description="Remove a point from the agenda of a draft.",
    )
    def delete(self, request: Request, pk: int, item_id: int) -> Response:
        with transaction.atomic(durable=True):
            assembly, _role = access_assembly(request.user, pk, manage=True)
            services.agenda_item_remove(
                actor=person_of(request),
                item=_item(assembly, item_id),
            )
        return detail(pk)


class AgendaItemOpenApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: AgendaItemOut},
        operation_id="assemblies_items_open",
        description="The chair opens a point: its vote (one per candidate for an "
        "election) opens with the quorum of the current call, and the assembly's "
        "proxies and postal ballots are carried into it. Errors: "
        "`another_item_open`, `item_state`, `assembly_state`.",
    )
    def post(self, request: Request, pk: int, item_id: int) -> Response:
        with transaction.atomic(durable=True):
            assembly, _role = access_assembly(request.user, pk, manage=True)
            item = services.item_open(
                actor=person_of(request),
                item=_item(assembly, item_id),
            )
        return Response(AgendaItemOut(AgendaItem.objects.get(pk=item.pk)).data)


class AgendaItemCloseApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: AgendaItemOut},
        operation_id="assemblies_items_close",
        description="The chair closes the open point: its votes are tallied and "
        "their decisions stored; an election declares who is elected.",
    )
    def post(self, request: Request, pk: int, item_id: int) -> Response:
        with transaction.atomic(durable=True):
            assembly, _role = access_assembly(request.user, pk, manage=True)
            item = services.item_close(
                actor=person_of(request),
                item=_item(assembly, item_id),
            )
        return Response(AgendaItemOut(AgendaItem.objects.get(pk=item.pk)).data)


class CandidateAddApi(APIView):
    class InputSerializer(serializers.Serializer):
        person_id = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=MAX_ID,
            help_text="The board registers someone; leave out to stand yourself.",
        )
        member_id = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=MAX_ID
        )
        statement = serializers.CharField(
            max_length=2000, required=False, allow_blank=True, default=""
        )
        board_backed = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: CandidateOut},
        operation_id="assemblies_candidates_add",
        description="Stand for a board election, or (the board) register a "
        "candidate, until the meeting opens. Errors: `election_invalid`, "
        "`candidate_not_member`, `already_candidate`.",
    )
    def post(self, request: Request, pk: int, item_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            assembly, _role = access_assembly(request.user, pk)
            person = None
            if values.get("person_id") is not None:
                person = Person.objects.filter(pk=values["person_id"], is_active=True).first()
                if person is None:
                    raise InvalidInput(code="unknown_person", message=_("No such person."))
            candidate = services.candidate_add(
                actor=person_of(request),
                item=_item(assembly, item_id),
                person=person,
                member_id=values.get("member_id"),
                statement=values["statement"],
                board_backed=values["board_backed"],
            )
        return Response(CandidateOut(candidate).data, status=status.HTTP_201_CREATED)


class AssemblyDocumentAddApi(APIView):
    class InputSerializer(serializers.Serializer):
        title = serializers.CharField(max_length=200)
        url = serializers.URLField(max_length=URL_MAX)
        sha256 = serializers.RegexField(
            r"^[0-9a-fA-F]{64}$", required=False, allow_blank=True, default=""
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: AssemblyDetailOut},
        operation_id="assemblies_documents_add",
        description="Attach a document (a link, with its SHA-256 when known) to the "
        "convocation of a draft.",
    )
    def post(self, request: Request, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            assembly, _role = access_assembly(request.user, pk, manage=True)
            services.document_add(
                actor=person_of(request),
                assembly=assembly,
                **data.validated_data,
            )
        response = detail(pk)
        response.status_code = status.HTTP_201_CREATED
        return response


class BoothCastApi(APIView):
    InputSerializer = BoothCastInput

    class OutputSerializer(serializers.Serializer):
        resolution_id = serializers.IntegerField()
        vote_id = serializers.IntegerField()
        member = serializers.IntegerField(source="member_id")
        choice = serializers.CharField()
        receipt = serializers.CharField(
            allow_null=True,
            help_text="Secret ballots: the tracker of your sealed ballot, shown this once; "
            "keep it to check that your ballot was counted.",
        )
        changed = serializers.BooleanField()
        via_proxy = serializers.BooleanField()

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: OutputSerializer},
        operation_id="assemblies_ballots_cast",
        description="The assembly's booth, the same in the room and remotely: vote "
        "on an open resolution once signed in to the call. Errors: "
        "`not_attending`, `resolution_not_open`, and the voting errors "
        "(`not_on_roll`, `no_proxy`, `ballot_already_cast`, ...).",
    )
    def post(self, request: Request, pk: int, resolution_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        # The ballot's write goes with the COMMIT: the audit head is released at once.
        with transaction_ending_with_write():
            booth = access_booth_for_cast(request.user, pk, resolution_id)
            cast = services.assembly_ballot_cast(
                actor=person_of(request),
                resolution=booth.resolution,
                choice=values["choice"],
                member_id=values.get("member_id"),
                on_behalf_of=values.get("on_behalf_of"),
                assembly=booth.assembly,
                locked=True,
                acting=booth.acting,
            )
        body = {
            "resolution_id": booth.resolution.pk,
            "vote_id": cast.vote.pk,
            "member_id": cast.roll_entry.member_id,
            "choice": cast.choice,
            "receipt": cast.receipt,
            "changed": cast.changed,
            "via_proxy": cast.via_proxy,
        }
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)


class BoothE2ECastApi(APIView):
    class InputSerializer(serializers.Serializer):
        ballot = serializers.CharField(
            max_length=200_000,
            trim_whitespace=False,
            help_text="The Belenios ballot JSON, as its text, encrypted in the browser.",
        )
        member_id = serializers.IntegerField(
            min_value=1,
            max_value=MAX_ID,
            required=False,
            help_text="The member voting, when the signed-in person acts for several.",
        )

    class OutputSerializer(serializers.Serializer):
        tracker = serializers.CharField(
            help_text="The smart ballot tracker, to find the ballot on the bulletin board."
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            400: OpenApiResponse(
                ErrorSerializer,
                description="`ballot_*` (the verifier's code: `ballot_malformed`, "
                "`ballot_bad_proof`, `ballot_bad_signature`, `ballot_wrong_election`, "
                "`ballot_unknown_credential`, `ballot_replayed`), `member_required`.",
            ),
            403: OpenApiResponse(
                ErrorSerializer,
                description="`not_attending` (not signed in to the call, or not acting for "
                "this member), `credential_not_yours`.",
            ),
            404: OpenApiResponse(ErrorSerializer, description="No such resolution here."),
            409: OpenApiResponse(
                ErrorSerializer,
                description="`resolution_not_open`, `e2e_state` (the resolution is not "
                "counted end to end, or its ballots have ended).",
            ),
        },
        operation_id="assemblies_e2e_ballots_cast",
        description="The assembly's booth for a resolution counted end to end: cast a "
        "ballot encrypted, proven and signed in the browser, once signed in to the call. "
        "The ballot goes to the election of the voter's college; the last one counts. "
        "A proxy holder votes for the giver with the sealed ballot instead.",
    )
    def post(self, request: Request, pk: int, resolution_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            _assembly, resolution, _role = access_booth_resolution(request.user, pk, resolution_id)
            cast = services.assembly_e2e_ballot_cast(
                actor=person_of(request),
                resolution=resolution,
                ballot=values["ballot"],
                member_id=values.get("member_id"),
            )
        body = {"tracker": cast.tracker}
        return Response(self.OutputSerializer(body).data, status=status.HTTP_201_CREATED)
