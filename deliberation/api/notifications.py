"""REST endpoints of the signed-in person's notifications (mentions and others)."""

from __future__ import annotations

from django.db import transaction
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import page_of, paginate, person_of
from core.notifications import notification_mark_read
from deliberation import selectors
from deliberation.api.outputs import NotificationOut

TAG = ["notifications"]


class NotificationListApi(APIView):
    class QuerySerializer(serializers.Serializer):
        unread = serializers.BooleanField(
            required=False, default=False, help_text="Only the notifications not yet read."
        )

    @extend_schema(
        tags=TAG,
        parameters=[QuerySerializer],
        responses={200: page_of(NotificationOut)},
        operation_id="notifications_list",
    )
    def get(self, request: Request) -> Response:
        query = self.QuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return paginate(
            self,
            selectors.notification_list(
                person_of(request), unread_only=query.validated_data["unread"]
            ),
            NotificationOut,
        )


class NotificationMarkReadApi(APIView):
    class InputSerializer(serializers.Serializer):
        ids = serializers.ListField(
            child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
            min_length=1,
            max_length=200,
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        operation_id="notifications_mark_read",
        responses={
            200: inline_serializer("NotificationsMarked", {"updated": serializers.IntegerField()})
        },
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            updated = notification_mark_read(
                person=person_of(request), ids=data.validated_data["ids"]
            )
        return Response({"updated": updated})
