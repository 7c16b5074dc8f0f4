"""Endpoints of casting and reading: ballots, roll, turnout, result, box, receipts."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer, page_of, paginate, person_of
from core.errors import Forbidden
from core.sql import transaction_ending_with_write
from voting import selectors, services
from voting.api.serializers import (
    BallotOut,
    BoundedJSONField,
    BoxEntryOut,
    CollegeRefOut,
    MemberRefOut,
    ProxyOut,
    ResultOut,
    RollEntryOut,
    TurnoutOut,
)
from voting.explain import explain
from voting.models import VoteStatus
from voting.permissions import (
    access_published_box,
    access_vote,
    access_vote_for_casting,
    can_read_roll,
    can_see_open_ballots,
    can_see_results,
)
from voting.sealing import tracker_from_code

TAG = ["voting"]
MAX_ID = 2**63 - 1
_VOTED_AT = serializers.DateTimeField()


def cast_body(cast: services.CastResult) -> dict[str, Any]:
    """The answer to a cast, as BallotListCastApi.OutputSerializer describes it, built
    without instantiating the serializer: every ballot answers with it, and the nested
    serializers' field copies cost more than the rest of the rendering."""
    entry = cast.roll_entry
    assert entry.voted_at is not None, "a cast marks its roll entry"
    return {
        "vote_id": cast.vote.pk,
        "member": {"id": entry.member_id, "name": entry.member.name},
        "college": {"key": entry.vote_college.key, "name": entry.vote_college.name},
        "choice": cast.choice,
        "receipt": cast.receipt,
        "changed": cast.changed,
        "via_proxy": cast.via_proxy,
        "voted_at": _VOTED_AT.to_representation(entry.voted_at),
    }


class BallotListCastApi(APIView):
    class InputSerializer(serializers.Serializer):
        choice = BoundedJSONField(
            help_text=(
                'resolution: "for" | "against" | "abstain"; consent: "consent" | '
                '"stand_aside"; approval: [options approved]; majority_judgment: {option: '
                "grade} (a missing option gets the worst grade); ranked: [options best first, a "
                "list inside for a tie]."
            )
        )
        member_id = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=MAX_ID,
            help_text="The member you vote as, when you act for several (yourself and a legal "
            "person you represent); with on_behalf_of, the member holding the proxy.",
        )
        on_behalf_of = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=MAX_ID,
            help_text="Vote as proxy holder for this member (the principal).",
        )

    class OutputSerializer(serializers.Serializer):
        vote_id = serializers.IntegerField()
        member = MemberRefOut()
        college = CollegeRefOut()
        choice = serializers.JSONField()
        receipt = serializers.CharField(
            allow_null=True,
            help_text="Secret ballots: the tracker of your sealed ballot (the sha256 of its "
            "bytes), shown this once; keep it to check that your ballot was counted. It "
            "says nothing of your choice, and is not needed to change the ballot.",
        )
        changed = serializers.BooleanField()
        via_proxy = serializers.BooleanField()
        voted_at = serializers.DateTimeField()

    @extend_schema(
        tags=TAG,
        responses={200: page_of(BallotOut)},
        operation_id="ballots_list",
        description="Who voted what, on an open ballot, for members and the board: "
        "live when the vote shows results live, otherwise after the close.",
    )
    def get(self, request: Request, vote_id: int) -> Response:
        vote, role = access_vote(request.user, vote_id)
        if not can_see_open_ballots(vote, role):
            raise Forbidden(
                code="ballots_hidden",
                message=_(
                    "Ballots of this vote are not shown: it is secret, or "
                    "they are shown after the close."
                ),
            )
        return paginate(self, selectors.open_ballot_list(vote), BallotOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={
            201: OutputSerializer,
            409: OpenApiResponse(
                ErrorSerializer,
                description="A rule of the vote refused the ballot: `vote_not_open`, "
                "`vote_closed`, `ballot_already_cast`, `principal_voted_directly`, or "
                "`use_assembly_booth` (the vote belongs to an assembly: cast in its booth), "
                "`e2e_ballots_ended`, `encrypted_ballot_cast` (a vote counted end to end).",
            ),
        },
        operation_id="ballots_cast",
        description="Cast or change a ballot; the last one counts. A secret ballot is "
        "sealed on the voter's own roll entry until the close. Errors: "
        "`vote_not_open`, `vote_closed`, `not_on_roll`, `invalid_choice`, "
        "`ballot_already_cast`, `no_proxy`, "
        "`principal_voted_directly`, `member_required`, `use_assembly_booth`, "
        "`e2e_ballots_ended`, `encrypted_ballot_cast`.",
    )
    def post(self, request: Request, vote_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        # The ballot's write goes with the COMMIT: the audit head is released at once.
        with transaction_ending_with_write():
            vote, _role = access_vote_for_casting(request.user, vote_id)
            cast = services.ballot_cast(
                actor=person_of(request),
                vote=vote,
                choice=values["choice"],
                member_id=values.get("member_id"),
                on_behalf_of=values.get("on_behalf_of"),
                locked=True,
            )
        return Response(cast_body(cast), status=status.HTTP_201_CREATED)


class ParticipationApi(APIView):
    class OutputSerializer(serializers.Serializer):
        class EntryOut(serializers.Serializer):
            member = MemberRefOut()
            college = CollegeRefOut(source="vote_college")
            has_voted = serializers.BooleanField()
            voted_via_proxy = serializers.BooleanField()

        vote_id = serializers.IntegerField()
        members = EntryOut(many=True)
        proxies_held = ProxyOut(many=True)
        proxies_given = ProxyOut(many=True)

    @extend_schema(
        tags=TAG,
        responses={200: OutputSerializer},
        operation_id="votes_me",
        description="As which members you may vote, whether they voted, and the "
        "live proxies you hold or gave.",
    )
    def get(self, request: Request, vote_id: int) -> Response:
        vote, _role = access_vote(request.user, vote_id)
        mine = selectors.participation(vote, request.user)
        body = {
            "vote_id": vote.pk,
            "members": mine.members,
            "proxies_held": mine.proxies_held,
            "proxies_given": mine.proxies_given,
        }
        return Response(self.OutputSerializer(body).data)


class RollApi(APIView):
    @extend_schema(
        tags=TAG,
        responses={200: page_of(RollEntryOut)},
        operation_id="roll_list",
        parameters=[
            OpenApiParameter(
                "search",
                str,
                description="Only the members whose name contains this text (any case): "
                "how the booth finds the holder of a proxy.",
            ),
            OpenApiParameter(
                "proxy_holders",
                bool,
                description="Only the members who may still be given a proxy: below the "
                "cap of proxies held that the rules of the vote set.",
            ),
        ],
        description="The frozen roll: members, their college and weight, and "
        "whether they voted (never what, on a secret vote). Board and members.",
    )
    def get(self, request: Request, vote_id: int) -> Response:
        vote, role = access_vote(request.user, vote_id)
        if not can_read_roll(role):
            raise Forbidden(
                code="roll_hidden", message=_("Only members and the board read the roll.")
            )
        search = request.query_params.get("search", "").strip()[:200]
        if request.query_params.get("proxy_holders", "") in ("1", "true"):
            entries = selectors.proxy_holder_search(vote, search)
        elif search:
            entries = selectors.roll_search(vote, search)
        else:
            entries = selectors.roll_list(vote)
        return paginate(self, entries, RollEntryOut)


class TurnoutApi(APIView):
    @extend_schema(tags=TAG, responses={200: TurnoutOut}, operation_id="turnout_retrieve")
    def get(self, request: Request, vote_id: int) -> Response:
        vote, _role = access_vote(request.user, vote_id)
        return Response(TurnoutOut(selectors.vote_turnout(vote)).data)


class ResultApi(APIView):
    @extend_schema(
        tags=TAG,
        responses={200: ResultOut},
        operation_id="result_retrieve",
        description="The decision of a closed vote, or the live count of an open "
        "vote that shows results live (`final` false).",
    )
    def get(self, request: Request, vote_id: int) -> Response:
        vote, _role = access_vote(request.user, vote_id)
        if not can_see_results(vote):
            raise Forbidden(
                code="results_not_available",
                message=_("Results are published when the vote closes."),
            )
        if vote.status == VoteStatus.CLOSED:
            decision = vote.decision
            body = {
                "vote_id": vote.pk,
                "final": True,
                "outcome": decision.outcome,
                "adopted": decision.adopted,
                "result": decision.result,
                "explanation": explain(decision.result["explanation_parts"]),
                "decision_id": decision.pk,
                "audit_hash": decision.audit_hash,
            }
        else:
            live = selectors.vote_tally(vote)
            body = {
                "vote_id": vote.pk,
                "final": False,
                "outcome": live.outcome,
                "adopted": live.adopted,
                "result": live.result,
                "explanation": explain(live.parts),
                "decision_id": None,
                "audit_hash": None,
            }
        return Response(ResultOut(body).data)


class BoxApi(APIView):
    @extend_schema(
        tags=TAG,
        responses={
            200: page_of(BoxEntryOut),
            403: OpenApiResponse(ErrorSerializer, description="`box_not_published`"),
        },
        operation_id="box_list",
        description="The box of a closed secret vote: college and choice of every ballot "
        "counted, in an order drawn at random at the close. No tracker: the counted "
        "trackers are published apart (trackers/).",
    )
    def get(self, request: Request, vote_id: int) -> Response:
        vote, _role = access_published_box(request.user, vote_id)
        return paginate(self, selectors.box_list(vote), BoxEntryOut)


class TrackerListApi(APIView):
    class OutputSerializer(serializers.Serializer):
        tracker = serializers.CharField()

    @extend_schema(
        tags=TAG,
        responses={
            200: page_of(OutputSerializer),
            403: OpenApiResponse(ErrorSerializer, description="`box_not_published`"),
        },
        operation_id="trackers_list",
        description="The trackers of the ballots counted in a closed secret vote, sorted. "
        "A voter finds theirs here; nothing links a tracker to a ballot of the box.",
    )
    def get(self, request: Request, vote_id: int) -> Response:
        vote, _role = access_published_box(request.user, vote_id)
        return paginate(self, selectors.counted_trackers(vote), self.OutputSerializer)


class ReceiptCheckApi(APIView):
    class InputSerializer(serializers.Serializer):
        receipt = serializers.CharField(
            max_length=100, help_text="The tracker shown when the ballot was cast."
        )

    class OutputSerializer(serializers.Serializer):
        counted = serializers.BooleanField(
            help_text="Open vote: the ballot of this tracker stands (a changed ballot's "
            "tracker no longer does). Closed vote: it was opened into the box."
        )
        tracker = serializers.CharField()
        final = serializers.BooleanField(help_text="Whether the vote is closed.")

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={
            200: OutputSerializer,
            403: OpenApiResponse(ErrorSerializer, description="`not_secret`"),
        },
        operation_id="receipt_check",
        description="Check whether the secret ballot of a tracker counts, before or after "
        "the close. Never says the choice: a tracker proves inclusion, not how anyone "
        "voted. Sent in the body so the tracker stays out of URLs and logs.",
    )
    def post(self, request: Request, vote_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        vote, _role = access_vote(request.user, vote_id)
        if not vote.is_secret:
            raise Forbidden(code="not_secret", message=_("Only secret ballots have trackers."))
        code = data.validated_data["receipt"]
        body = {
            "counted": selectors.tracker_counted(vote, code),
            "tracker": tracker_from_code(code),
            "final": vote.status == VoteStatus.CLOSED,
        }
        return Response(self.OutputSerializer(body).data)
