"""Endpoints of decisions: the reconciliation feed a platform catches up with, and one decision."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.errors import NotFound
from governance.permissions import access_cooperative
from voting import selectors
from voting.api.serializers import DecisionOut
from voting.permissions import access_decision, can_read_decisions

TAG = ["decisions"]
MAX_LIMIT = 500


class DecisionListApi(APIView):
    class QuerySerializer(serializers.Serializer):
        since = serializers.IntegerField(
            required=False, default=0, min_value=0, max_value=2**63 - 1
        )
        limit = serializers.IntegerField(
            required=False, default=100, min_value=1, max_value=MAX_LIMIT
        )

    class OutputSerializer(serializers.Serializer):
        results = DecisionOut(many=True)
        next_since = serializers.IntegerField(
            help_text="The feed position of the last decision returned: pass it as `since` "
            "to get what follows; unchanged when nothing new."
        )
        has_more = serializers.BooleanField()

    @extend_schema(
        tags=TAG,
        responses={200: OutputSerializer},
        operation_id="decisions_list",
        parameters=[
            OpenApiParameter(
                "since",
                int,
                description="Feed position cursor (`next_since` of the previous page, or 0 "
                "for all): only decisions placed after it are returned. It is not a decision "
                "id.",
            ),
            OpenApiParameter("limit", int, description=f"At most this many (1 to {MAX_LIMIT})."),
        ],
        description="Every decision of the cooperative in feed order, from a cursor: a "
        "platform that missed webhooks catches up with it. Board members and members (token "
        "auth).\n\nThe order is the order in which the closes committed, given by each "
        "decision's `feed_position` (the position in the audit log of the entry its close "
        "appended). Decision ids are taken before a close waits for the audit log and so "
        "may commit out of order; feed positions never do: a decision that commits after "
        "a poll always has a position above that poll's `next_since`, so polling from "
        "`next_since` never skips one. Positions grow but are not consecutive.",
    )
    def get(self, request: Request, slug: str) -> Response:
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        since, limit = query.validated_data["since"], query.validated_data["limit"]
        cooperative, role = access_cooperative(request.user, slug)
        if not can_read_decisions(role):
            raise NotFound()
        decisions = selectors.decision_list_since(
            request.user, cooperative, role, since=since, limit=limit + 1
        )
        page = decisions[:limit]
        body = {
            "results": page,
            "next_since": page[-1].feed_position if page else since,
            "has_more": len(decisions) > limit,
        }
        return Response(self.OutputSerializer(body).data)


class DecisionDetailApi(APIView):
    @extend_schema(tags=TAG, responses={200: DecisionOut}, operation_id="decisions_retrieve")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        decision = access_decision(request.user, cooperative, pk)
        return Response(DecisionOut(decision).data)
