"""Reads of webhook endpoints, messages and attempts, scoped by the caller's loaders."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet

from governance.models import Cooperative
from governance.selectors import board_role_list
from webhooks.models import Attempt, Endpoint, Message, MessageStatus


def endpoint_list(cooperative: Cooperative) -> QuerySet[Endpoint]:
    """The cooperative's endpoints with how many of their messages wait and have failed."""
    return (
        Endpoint.objects.filter(cooperative=cooperative)
        .annotate(
            pending_count=Count(
                "messages",
                filter=Q(messages__status__in=[MessageStatus.PENDING, MessageStatus.DELIVERING]),
            ),
            failed_count=Count("messages", filter=Q(messages__status=MessageStatus.FAILED)),
        )
        .order_by("id")
    )


def endpoint_with_counts(endpoint: Endpoint) -> Endpoint:
    """Reload one endpoint with the counts ``endpoint_list`` adds."""
    return endpoint_list(endpoint.cooperative).get(pk=endpoint.pk)


def endpoint_active_secrets(endpoint: Endpoint, *, now: datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, then the previous one for the
    24 hours after a rotation."""
    secrets = [endpoint.secret]
    expires_at = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires_at is not None and expires_at > now:
        secrets.append(endpoint.previous_secret)
    return secrets


def endpoint_subscribes_to(endpoint: Endpoint, event_type: str) -> bool:
    return not endpoint.event_types or event_type in endpoint.event_types


def message_list(endpoint: Endpoint, *, status: str | None = None) -> QuerySet[Message]:
    queryset = Message.objects.filter(endpoint=endpoint).select_related("event")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-id")


def attempt_list(message: Message) -> QuerySet[Attempt]:
    return Attempt.objects.filter(message=message).order_by("-number")


def board_people(cooperative: Cooperative) -> list[Any]:
    """The people on the cooperative's board now, who hear about a disabled endpoint."""
    return [role.person for role in board_role_list(cooperative) if role.person.is_active]
