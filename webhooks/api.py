"""REST endpoints of webhooks: the event catalog, and the board's endpoints and messages."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import page_of, paginate, person_of
from webhooks import catalog, selectors, services
from webhooks.models import DisabledReason, Endpoint, MessageStatus
from webhooks.permissions import access_cooperative_webhooks, access_endpoint, access_message
from webhooks.signing import canonical_body

TAG = ["webhooks"]

_EVENT_TYPES_FIELD_HELP = "Event types to receive; empty or absent: every type."


class EventTypesField(serializers.ListField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            child=serializers.ChoiceField(choices=list(catalog.SUBSCRIBABLE_TYPES)),
            max_length=50,
            help_text=_EVENT_TYPES_FIELD_HELP,
            **kwargs,
        )


# Output serializers.


class EndpointOut(serializers.Serializer):
    id = serializers.IntegerField()
    url = serializers.CharField()
    description = serializers.CharField()
    event_types = serializers.ListField(
        child=serializers.CharField(), help_text=_EVENT_TYPES_FIELD_HELP
    )
    is_enabled = serializers.BooleanField()
    disabled_reason = serializers.ChoiceField(
        choices=[("", "Enabled"), *DisabledReason.choices],
        help_text="Why deliveries stopped: `board`, `gone` (410 answer) or `failing` (5 days "
        "without a success); empty while enabled.",
    )
    disabled_at = serializers.DateTimeField(allow_null=True)
    failing_since = serializers.DateTimeField(
        allow_null=True, help_text="First failed attempt since the last success."
    )
    previous_secret_valid_until = serializers.SerializerMethodField(
        help_text="While a rotated secret still signs deliveries: until when."
    )
    pending_count = serializers.IntegerField(help_text="Messages waiting or being sent.")
    failed_count = serializers.IntegerField(help_text="Messages that exhausted their retries.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_previous_secret_valid_until(self, endpoint: Endpoint) -> datetime | None:
        expires_at = endpoint.previous_secret_expires_at
        if endpoint.previous_secret and expires_at is not None and expires_at > timezone.now():
            return expires_at
        return None


class SecretOut(serializers.Serializer):
    secret = serializers.CharField(help_text="The current secret, `whsec_<base64>`.")
    previous_secret = serializers.CharField(
        allow_null=True, help_text="The rotated secret while it still signs, else null."
    )
    previous_secret_valid_until = serializers.DateTimeField(allow_null=True)


class EndpointWithSecretOut(EndpointOut):
    secret = serializers.CharField(help_text="The current secret, `whsec_<base64>`.")


class MessageOut(serializers.Serializer):
    id = serializers.CharField(source="msg_id", help_text="The `webhook-id` header.")
    event_id = serializers.IntegerField()
    event_type = serializers.CharField(source="event.type")
    status = serializers.ChoiceField(choices=MessageStatus.choices)
    attempts = serializers.IntegerField()
    next_attempt_at = serializers.DateTimeField(allow_null=True)
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class MessageDetailOut(MessageOut):
    body = serializers.SerializerMethodField(
        help_text='The JSON body every attempt sends: {"type", "timestamp", "data"}.'
    )

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_body(self, message: Any) -> dict[str, Any]:
        event = message.event
        return dict(
            json.loads(
                canonical_body(
                    event_type=event.type,
                    timestamp=event.created_at,
                    data=catalog.delivered_data(
                        payload_version=event.payload_version, data=event.data
                    ),
                )
            )
        )


class AttemptOut(serializers.Serializer):
    number = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    status_code = serializers.IntegerField(
        allow_null=True, help_text="Null when no answer arrived."
    )
    duration_ms = serializers.IntegerField()
    response_excerpt = serializers.CharField(help_text="The first 1,000 characters.")
    error = serializers.CharField(
        help_text="Empty when an answer arrived; else `timeout`, `connection_refused`, ..."
    )


class EventTypeOut(serializers.Serializer):
    type = serializers.CharField(source="name")
    description = serializers.CharField()
    version = serializers.IntegerField()
    app = serializers.CharField(source="source", help_text="The application that emits it.")
    schema = serializers.JSONField(
        source="data_schema", help_text="JSON Schema (2020-12) of `data`."
    )


def _endpoint_out(endpoint: Endpoint, *, with_secret: bool = False) -> dict[str, Any]:
    annotated = selectors.endpoint_with_counts(endpoint)
    if with_secret:
        return dict(EndpointWithSecretOut(annotated).data)
    return dict(EndpointOut(annotated).data)


# The catalog.


class EventTypeListApi(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        tags=TAG,
        responses={200: EventTypeOut(many=True)},
        operation_id="webhooks_event_types",
        description="Every event type a webhook endpoint can receive, with the JSON Schema "
        "of its `data`.\n\n" + catalog.catalog_markdown(),
    )
    def get(self, request: Request) -> Response:
        return Response(EventTypeOut(list(catalog.EVENT_TYPES.values()), many=True).data)


# Endpoints.


class EndpointListCreateApi(APIView):
    class InputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=2000)
        description = serializers.CharField(max_length=300, required=False, allow_blank=True)
        event_types = EventTypesField(required=False)

    @extend_schema(
        tags=TAG,
        responses={200: page_of(EndpointOut)},
        operation_id="webhook_endpoints_list",
        description="Board: the cooperative's webhook endpoints (secrets excluded).",
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative = access_cooperative_webhooks(request.user, slug)
        return paginate(self, selectors.endpoint_list(cooperative), EndpointOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: EndpointWithSecretOut},
        operation_id="webhook_endpoints_create",
        description="Board: register a URL of the platform. The answer carries the new "
        "secret; the board can read it again at `.../secret/`. Private, loopback and "
        "link-local destinations are refused (`url_refused`) unless the server allows them; "
        "ports other than 80, 443 and 1024-65535 (or WEBHOOK_ALLOWED_PORTS) are refused "
        "(`port_not_allowed`).",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            cooperative = access_cooperative_webhooks(request.user, slug)
            endpoint = services.endpoint_create(
                actor=person_of(request),
                cooperative=cooperative,
                url=values["url"],
                description=values.get("description", ""),
                event_types=values.get("event_types", []),
            )
        return Response(_endpoint_out(endpoint, with_secret=True), status=status.HTTP_201_CREATED)


class EndpointDetailApi(APIView):
    class InputSerializer(serializers.Serializer):
        url = serializers.CharField(max_length=2000, required=False)
        description = serializers.CharField(max_length=300, required=False, allow_blank=True)
        event_types = EventTypesField(required=False)
        is_enabled = serializers.BooleanField(
            required=False,
            help_text="False cancels the messages waiting; true restarts deliveries of new "
            "events (replay what failed with `replay-failed`).",
        )

    @extend_schema(tags=TAG, responses={200: EndpointOut}, operation_id="webhook_endpoints_get")
    def get(self, request: Request, slug: str, pk: int) -> Response:
        endpoint = access_endpoint(request.user, slug, pk)
        return Response(_endpoint_out(endpoint))

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={200: EndpointOut},
        operation_id="webhook_endpoints_update",
        description="Board: change the URL, description, filter, or enable/disable.",
    )
    def patch(self, request: Request, slug: str, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            endpoint = access_endpoint(request.user, slug, pk, lock=True)
            endpoint = services.endpoint_update(
                actor=person_of(request),
                endpoint=endpoint,
                url=values.get("url"),
                description=values.get("description"),
                event_types=values.get("event_types"),
                is_enabled=values.get("is_enabled"),
            )
        return Response(_endpoint_out(endpoint))

    @extend_schema(
        tags=TAG,
        request=None,
        responses={204: None},
        operation_id="webhook_endpoints_delete",
        description="Board: delete the endpoint with its messages and attempt log.",
    )
    def delete(self, request: Request, slug: str, pk: int) -> Response:
        with transaction.atomic(durable=True):
            endpoint = access_endpoint(request.user, slug, pk, lock=True)
            services.endpoint_delete(actor=person_of(request), endpoint=endpoint)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _secret_out(endpoint: Endpoint) -> dict[str, Any]:
    secrets = selectors.endpoint_active_secrets(endpoint, now=timezone.now())
    previous = secrets[1] if len(secrets) > 1 else None
    return {
        "secret": endpoint.secret,
        "previous_secret": previous,
        "previous_secret_valid_until": endpoint.previous_secret_expires_at if previous else None,
    }


class EndpointSecretApi(APIView):
    @extend_schema(
        tags=TAG,
        responses={200: SecretOut},
        operation_id="webhook_endpoints_secret",
        description="Board: the signing secret(s) to configure on the receiver.",
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        endpoint = access_endpoint(request.user, slug, pk)
        return Response(SecretOut(_secret_out(endpoint)).data)


class EndpointRotateSecretApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: SecretOut},
        operation_id="webhook_endpoints_rotate_secret",
        description="Board: make a new secret. For 24 hours deliveries carry a signature "
        "with each secret, so the receiver can switch at its own pace.",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        with transaction.atomic(durable=True):
            endpoint = access_endpoint(request.user, slug, pk, lock=True)
            endpoint = services.endpoint_rotate_secret(actor=person_of(request), endpoint=endpoint)
        return Response(SecretOut(_secret_out(endpoint)).data)


class EndpointTestApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={201: MessageOut},
        operation_id="webhook_endpoints_test",
        description="Board: queue a `webhook.test` message to this endpoint; follow its "
        "attempts at `.../messages/{id}/attempts/`. Refused (`endpoint_disabled`) when the "
        "endpoint is disabled.",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        with transaction.atomic(durable=True):
            endpoint = access_endpoint(request.user, slug, pk, lock=True)
            message = services.endpoint_send_test(actor=person_of(request), endpoint=endpoint)
        return Response(MessageOut(message).data, status=status.HTTP_201_CREATED)


class EndpointReplayFailedApi(APIView):
    class InputSerializer(serializers.Serializer):
        since = serializers.DateTimeField(
            help_text="Replay failed and cancelled messages created at or after this time."
        )

    class OutputSerializer(serializers.Serializer):
        queued = serializers.IntegerField(help_text="How many messages will be sent again.")

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={200: OutputSerializer},
        operation_id="webhook_endpoints_replay_failed",
        description="Board: send again, each with its own `webhook-id`, every message that "
        "failed or was cancelled since a date. Refused while the endpoint is disabled.",
    )
    def post(self, request: Request, slug: str, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            endpoint = access_endpoint(request.user, slug, pk, lock=True)
            queued = services.messages_replay_failed(
                actor=person_of(request), endpoint=endpoint, since=data.validated_data["since"]
            )
        return Response({"queued": queued})


# Messages and attempts.


class MessageListApi(APIView):
    class FilterSerializer(serializers.Serializer):
        status = serializers.ChoiceField(choices=MessageStatus.choices, required=False)

    @extend_schema(
        tags=TAG,
        responses={200: page_of(MessageOut)},
        operation_id="webhook_messages_list",
        parameters=[
            OpenApiParameter(
                "status",
                str,
                enum=MessageStatus.values,
                description="Only messages in this status.",
            )
        ],
        description="Board: the endpoint's messages, newest first.",
    )
    def get(self, request: Request, slug: str, pk: int) -> Response:
        filters = self.FilterSerializer(data=request.query_params)
        filters.is_valid(raise_exception=True)
        endpoint = access_endpoint(request.user, slug, pk)
        messages = selectors.message_list(endpoint, status=filters.validated_data.get("status"))
        return paginate(self, messages, MessageOut)


class MessageDetailApi(APIView):
    @extend_schema(
        tags=TAG,
        responses={200: MessageDetailOut},
        operation_id="webhook_messages_get",
        description="Board: one message by its `webhook-id`, with its body.",
    )
    def get(self, request: Request, slug: str, pk: int, msg_id: str) -> Response:
        endpoint = access_endpoint(request.user, slug, pk)
        return Response(MessageDetailOut(access_message(endpoint, msg_id)).data)


class AttemptListApi(APIView):
    @extend_schema(
        tags=TAG,
        responses={200: page_of(AttemptOut)},
        operation_id="webhook_attempts_list",
        description="Board: every attempt of one message, newest first.",
    )
    def get(self, request: Request, slug: str, pk: int, msg_id: str) -> Response:
        endpoint = access_endpoint(request.user, slug, pk)
        message = access_message(endpoint, msg_id)
        return paginate(self, selectors.attempt_list(message), AttemptOut)


class MessageReplayApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: MessageOut},
        operation_id="webhook_messages_replay",
        description="Board: deliver this message again with the same `webhook-id`, the "
        "retry schedule starting over. Refused (`message_in_flight`) while a worker is "
        "sending it and (`endpoint_disabled`) while the endpoint is disabled.",
    )
    def post(self, request: Request, slug: str, pk: int, msg_id: str) -> Response:
        with transaction.atomic(durable=True):
            endpoint = access_endpoint(request.user, slug, pk, lock=True)
            message = access_message(endpoint, msg_id, lock=True)
            message = services.message_replay(actor=person_of(request), message=message)
        return Response(MessageOut(message).data)
