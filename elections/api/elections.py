"""Endpoints of a vote's elections: setup, credentials, ballots, the bulletin board, the
trustees' decryptions and the close."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer, page_of, paginate, person_of
from core.errors import NotFound
from elections import archive_store, selectors, services
from elections.models import CredentialMode, Election, ElectoralBoard, ProofBundle
from elections.permissions import access_election, access_trustee
from elections.services.closing import encrypted_tally
from verifiable.election import tally_json
from verifiable.group import sha256_b64
from voting.permissions import access_vote

TAG = ["elections"]
ERRORS = OpenApiResponse(ErrorSerializer, description="A refusal with its stable code.")


class E2EElectionOut(serializers.Serializer[Any]):
    uuid = serializers.CharField()
    status = serializers.CharField()
    college = serializers.CharField(source="vote_college.key")
    credential_mode = serializers.CharField()
    election = serializers.CharField(source="election_text")


class VoteElectionsApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        electoral_board_id = serializers.IntegerField(min_value=1)
        credential_mode = serializers.ChoiceField(
            choices=CredentialMode.choices, default=CredentialMode.AUTHORITY
        )

    @extend_schema(
        tags=TAG,
        responses={200: E2EElectionOut(many=True)},
        operation_id="vote_elections_list",
        description="The vote's elections, one per college (the booth reads its "
        "college's election file here).",
    )
    def get(self, request: Request, vote_id: int) -> Response:
        vote, _role = access_vote(request.user, vote_id)
        elections = Election.objects.filter(vote=vote).select_related("vote_college")
        return Response(E2EElectionOut(elections, many=True).data)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: E2EElectionOut(many=True), 400: ERRORS, 409: ERRORS},
        operation_id="vote_elections_setup",
        description="Count an open secret vote end to end (board only). Errors: "
        "`method_not_verifiable` (Schulze, consent), `electoral_board_not_ready`, "
        "`e2e_state`.",
    )
    def post(self, request: Request, vote_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            vote, _role = access_vote(request.user, vote_id, manage=True)
            board = ElectoralBoard.objects.filter(
                pk=data.validated_data["electoral_board_id"], cooperative=vote.cooperative_id
            ).first()
            if board is None:
                raise NotFound()
            elections = services.e2e_setup(
                actor=person_of(request),
                vote=vote,
                board=board,
                credential_mode=data.validated_data["credential_mode"],
            )
        return Response(E2EElectionOut(elections, many=True).data, status=status.HTTP_201_CREATED)


class DecisionRefOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    outcome = serializers.CharField()
    adopted = serializers.BooleanField()
    bundle_sha256 = serializers.CharField(source="result.verifiable.bundle_sha256")


class VoteEndBallotsApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: E2EElectionOut(many=True), 409: ERRORS},
        operation_id="vote_elections_end",
    )
    def post(self, request: Request, vote_id: int) -> Response:
        with transaction.atomic(durable=True):
            vote, _role = access_vote(request.user, vote_id, manage=True)
            elections = services.e2e_end_ballots(actor=person_of(request), vote=vote)
        return Response(E2EElectionOut(elections, many=True).data)


class VoteCloseE2EApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: DecisionRefOut, 409: ERRORS},
        operation_id="vote_elections_close",
        description="Decrypt each college's totals from the trustees' partial "
        "decryptions, weight them and store the proof bundle (board only).",
    )
    def post(self, request: Request, vote_id: int) -> Response:
        with transaction.atomic(durable=True):
            vote, _role = access_vote(request.user, vote_id, manage=True)
            decision = services.e2e_vote_close(actor=person_of(request), vote=vote)
        return Response(DecisionRefOut(decision).data)


class VoteBundleApi(APIView):
    @extend_schema(
        tags=TAG, responses={(200, "application/zip"): bytes}, operation_id="vote_elections_bundle"
    )
    def get(self, request: Request, vote_id: int) -> HttpResponse:
        vote, _role = access_vote(request.user, vote_id)
        made = ProofBundle.objects.filter(vote=vote).first()
        if made is None:
            raise NotFound()
        response = HttpResponse(bytes(made.content), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="vote-{vote.pk}-proof.zip"'
        return response


class VoterOut(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    email = serializers.CharField()


class VoterListOut(serializers.Serializer[Any]):
    uuid = serializers.CharField()
    voters = VoterOut(many=True)


class TallyOut(serializers.Serializer[Any]):
    fingerprint = serializers.CharField()
    num_tallied = serializers.IntegerField()
    encrypted_tally = serializers.JSONField()


class ElectionVotersApi(APIView):
    @extend_schema(
        tags=TAG,
        operation_id="election_voters",
        responses={200: VoterListOut},
        description="The college's roll, for the credential authority only.",
    )
    def get(self, request: Request, uuid: str) -> Response:
        election, _role = access_election(request.user, uuid)
        if election.authority_id != request.user.pk:
            raise NotFound()
        roll = election.vote_college.roll.select_related("member", "member__person")
        voters = [
            {
                "id": e.pk,
                "name": e.member.name,
                "email": getattr(e.member.person, "email", "") or "",
            }
            for e in roll
        ]
        return Response({"uuid": election.uuid, "voters": voters})


class ElectionCredentialsApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        credentials = serializers.DictField(child=serializers.CharField(max_length=64))

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={204: None, 400: ERRORS},
        operation_id="election_credentials",
    )
    def post(self, request: Request, uuid: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            election, _role = access_election(request.user, uuid)
            services.e2e_credentials_post(
                actor=person_of(request),
                election=election,
                credentials=data.validated_data["credentials"],
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


class EncryptedBallotOut(serializers.Serializer[Any]):
    tracker = serializers.CharField()


class ElectionBallotApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        ballot = serializers.CharField(
            max_length=200_000,
            trim_whitespace=False,
            help_text="The Belenios ballot JSON, as its text.",
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: EncryptedBallotOut, 400: ERRORS, 403: ERRORS, 409: ERRORS},
        operation_id="election_ballot_cast",
        description="Cast an encrypted ballot. Errors: `ballot_*` (the verifier's "
        "code: `ballot_bad_proof`, `ballot_bad_signature`, `ballot_wrong_election`, "
        "`ballot_unknown_credential`, `ballot_replayed`), `credential_not_yours`, "
        "`e2e_state`.",
    )
    def post(self, request: Request, uuid: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            election, _role = access_election(request.user, uuid)
            cast = services.e2e_ballot_cast(
                actor=person_of(request), election=election, ballot=data.validated_data["ballot"]
            )
        return Response({"tracker": cast.tracker}, status=status.HTTP_201_CREATED)


class ElectionTallyApi(APIView):
    @extend_schema(
        tags=TAG,
        operation_id="election_tally",
        responses={200: TallyOut},
        description="The encrypted totals a trustee decrypts.",
    )
    def get(self, request: Request, uuid: str) -> Response:
        election, _role = access_election(request.user, uuid)
        tally, num_tallied = encrypted_tally(election)
        return Response(
            {
                "fingerprint": sha256_b64(election.election_text),
                "num_tallied": num_tallied,
                "encrypted_tally": tally_json(tally),
            }
        )


class PartialDecryptionApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        partial_decryption = serializers.JSONField()

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={204: None, 400: ERRORS},
        operation_id="election_partial_decryption",
        description="A trustee's partial decryption with proofs; a bad one is "
        "refused (`partial_decryption_refused`).",
    )
    def post(self, request: Request, uuid: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            election, _role = access_election(request.user, uuid)
            access_trustee(request.user, election.board)
            services.e2e_partial_decryption_post(
                actor=person_of(request),
                election=election,
                partial_decryption=data.validated_data["partial_decryption"],
            )
        return Response(status=status.HTTP_204_NO_CONTENT)


class BulletinOut(serializers.Serializer[Any]):
    uuid = serializers.CharField()
    status = serializers.CharField()
    college = serializers.CharField()
    fingerprint = serializers.CharField()
    election = serializers.CharField()
    trustees = serializers.CharField()
    public_credentials = serializers.CharField()
    credential_mode = serializers.CharField()
    server_generated_credentials = serializers.IntegerField()
    server_encrypted_ballots = serializers.IntegerField()
    counted_trackers = serializers.ListField(child=serializers.CharField())
    result = serializers.JSONField(allow_null=True)


class EventOut(serializers.Serializer[Any]):
    height = serializers.IntegerField()
    type = serializers.CharField(source="event_type")
    hash = serializers.SerializerMethodField()
    event = serializers.CharField(source="content")

    def get_hash(self, entry: Any) -> str:
        return str(entry.name.split(".")[0])


class BulletinBoardApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAG,
        responses={200: BulletinOut},
        operation_id="bulletin_board",
        description="Read-only: election files, sorted counted trackers, counts of "
        "server-generated credentials and server-encrypted ballots. Members and "
        "observers; anyone when the cooperative made its boards public.",
    )
    def get(self, request: Request, uuid: str) -> Response:
        election, _role = access_election(request.user, uuid)
        return Response(BulletinOut(selectors.bulletin_summary(election)).data)


class BulletinEventsApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(tags=TAG, responses={200: page_of(EventOut)}, operation_id="bulletin_events")
    def get(self, request: Request, uuid: str) -> Response:
        election, _role = access_election(request.user, uuid)
        return paginate(self, selectors.bulletin_events(election), EventOut)


class BulletinArchiveApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAG,
        responses={(200, "application/octet-stream"): bytes},
        operation_id="bulletin_archive",
        description="The election's Belenios archive, for `belenios-tool`.",
    )
    def get(self, request: Request, uuid: str) -> HttpResponse:
        election, _role = access_election(request.user, uuid)
        response = HttpResponse(
            archive_store.load(election).to_bytes(), content_type="application/octet-stream"
        )
        response["Content-Disposition"] = f'attachment; filename="{election.uuid}.bel"'
        return response
