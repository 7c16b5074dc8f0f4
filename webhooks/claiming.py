"""Which messages are due: the delivery policy, the fan-out of outbox events into messages,
and the claim that leases due messages to this worker."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.models import OutboxEvent
from core.sql import read_in_index_order
from webhooks import catalog
from webhooks.models import (
    CLAIMABLE_STATUSES,
    Attempt,
    Endpoint,
    Message,
    MessageStatus,
)
from webhooks.netguard import DEFAULT_ALLOWED_PORTS, PortPolicy
from webhooks.schedule import (
    MAX_ATTEMPTS,
)
from webhooks.selectors import endpoint_active_secrets, endpoint_subscribes_to
from webhooks.services import (
    allow_private_destinations,
    allowed_ports,
    message_build,
)
from webhooks.signing import canonical_body
from webhooks.transport import AttemptResult

DISPATCH_BATCH: Final = 500
DEFAULT_CONCURRENCY: Final = 16
IDLE_SECONDS: Final = 0.25
DISPATCH_INTERVAL: Final = 0.2
ERROR_BACKOFF_SECONDS: Final = 2.0
LEASE_EXPIRED_ERROR: Final = "lease_expired: the worker stopped before recording the outcome"


def default_lease(timeout: float) -> timedelta:
    """Return a lease that outlasts one attempt: connect, send and read each get ``timeout``,
    plus a margin for DNS and scheduling. A lease that expires too early only risks a
    duplicate (same ``webhook-id``), never a loss."""
    return timedelta(seconds=4 * timeout + 30)


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    """How a worker delivers: timeout per attempt, lease, parallel sends, retry scale.

    ``retry_scale`` multiplies every retry delay; tests and benchmarks shrink it to replay
    the real schedule in seconds. ``allow_private`` admits private destinations;
    ``allowed_ports`` bounds the destination ports.
    """

    timeout: float
    lease: timedelta
    concurrency: int = DEFAULT_CONCURRENCY
    retry_scale: float = 1.0
    allow_private: bool = False
    allowed_ports: PortPolicy = DEFAULT_ALLOWED_PORTS

    @classmethod
    def from_settings(cls, **overrides: Any) -> DeliveryPolicy:
        options: dict[str, Any] = settings.COLLEGIA
        timeout = float(options.get("WEBHOOK_TIMEOUT_SECONDS", 15))
        policy = cls(
            timeout=timeout,
            lease=default_lease(timeout),
            retry_scale=float(options.get("WEBHOOK_RETRY_SCALE", 1.0)),
            allow_private=allow_private_destinations(),
            allowed_ports=allowed_ports(),
        )
        if "timeout" in overrides and "lease" not in overrides:
            overrides["lease"] = default_lease(overrides["timeout"])
        return replace(policy, **overrides)


@dataclass(frozen=True, slots=True)
class Delivery:
    """Everything one attempt needs, read when the message was claimed: no database access
    is needed to send it."""

    message_id: int
    msg_id: str
    endpoint_id: int
    url: str
    secrets: tuple[str, ...]
    body: bytes
    attempt_number: int
    lease_token: str


@dataclass(frozen=True, slots=True)
class Sent:
    delivery: Delivery
    started_at: datetime
    result: AttemptResult


def _now(now: datetime | None) -> datetime:
    return now if now is not None else timezone.now()


def dispatch_pending(*, now: datetime | None = None, limit: int = DISPATCH_BATCH) -> int:
    """Create one message per enabled, subscribed endpoint for each undispatched outbox
    event, and mark the events dispatched, in one transaction. Returns the events handled.

    Concurrent dispatchers skip each other's locked events (PostgreSQL), so each event is
    fanned out exactly once; the unique (endpoint, event) constraint guards it as well.
    """
    pending = OutboxEvent.objects.filter(dispatched_at__isnull=True)
    # A plain read first, so an idle worker takes no write lock (SQLite locks the file).
    if not pending.exists():
        return 0
    now = _now(now)
    with transaction.atomic():
        read_in_index_order()
        events = list(pending.select_for_update(skip_locked=True).order_by("id")[:limit])
        if not events:
            return 0
        endpoints: dict[int, list[Endpoint]] = {}
        for endpoint in Endpoint.objects.filter(
            cooperative_id__in={event.cooperative_id for event in events}, is_enabled=True
        ).order_by("id"):
            endpoints.setdefault(endpoint.cooperative_id, []).append(endpoint)
        messages = [
            message_build(endpoint=endpoint, event=event, now=now)
            for event in events
            for endpoint in endpoints.get(event.cooperative_id, [])
            if endpoint_subscribes_to(endpoint, event.type)
        ]
        Message.objects.bulk_create(messages, batch_size=1000)
        OutboxEvent.objects.filter(pk__in=[event.pk for event in events]).update(dispatched_at=now)
    return len(events)


def _body(event: OutboxEvent) -> bytes:
    """The body of every attempt of this event's messages: the same bytes each time."""
    return canonical_body(
        event_type=event.type,
        timestamp=event.created_at,
        data=catalog.delivered_data(payload_version=event.payload_version, data=event.data),
    )


def claim_due(*, policy: DeliveryPolicy, limit: int, now: datetime | None = None) -> list[Delivery]:
    """Take up to ``limit`` due messages of enabled endpoints and lease them; commit at once.

    ``SELECT ... FOR UPDATE SKIP LOCKED`` lets several workers claim side by side without
    ever taking the same message; the lease (``locked_until``) is committed before any
    request is sent, so no transaction stays open during HTTP. A message whose lease has
    expired (its worker died) is claimed again, and the lost attempt is logged.
    """
    due = Message.objects.filter(status__in=CLAIMABLE_STATUSES, endpoint__is_enabled=True)
    if limit <= 0:
        return []
    now = _now(now)
    if not due.filter(next_attempt_at__lte=now).exists():
        return []
    with transaction.atomic():
        # The due index gives the claim's order: a claim reads `limit` rows, not the backlog.
        read_in_index_order()
        messages = list(
            due.filter(next_attempt_at__lte=now)
            .select_for_update(skip_locked=True, of=("self",))
            .select_related("endpoint", "event")
            .order_by("next_attempt_at", "id")[:limit]
        )
        if not messages:
            return []
        lost = [
            Attempt(
                message=message,
                number=message.attempts,
                started_at=message.last_attempt_at or now,
                error=LEASE_EXPIRED_ERROR,
            )
            for message in messages
            if message.status == MessageStatus.DELIVERING and message.attempts > 0
        ]
        # A late report of the lost attempt, if one ever comes, replaces this placeholder.
        Attempt.objects.bulk_create(lost, ignore_conflicts=True)
        # A message whose every attempt of the schedule was lost (a message that kills its
        # worker, say) fails instead of being claimed forever.
        exhausted = [
            message.pk
            for message in messages
            if message.status == MessageStatus.DELIVERING and message.round_attempts >= MAX_ATTEMPTS
        ]
        if exhausted:
            Message.objects.filter(pk__in=exhausted).update(
                status=MessageStatus.FAILED,
                next_attempt_at=None,
                locked_until=None,
                lease_token="",
                last_status_code=None,
                last_error=LEASE_EXPIRED_ERROR,
            )
            messages = [message for message in messages if message.pk not in exhausted]
        locked_until = now + policy.lease
        # One token per claim: a later claim of the same message gets another one.
        lease_token = secrets.token_hex(8)
        Message.objects.filter(pk__in=[message.pk for message in messages]).update(
            status=MessageStatus.DELIVERING,
            attempts=F("attempts") + 1,
            round_attempts=F("round_attempts") + 1,
            locked_until=locked_until,
            # A message whose worker dies becomes due again when the lease ends.
            next_attempt_at=locked_until,
            lease_token=lease_token,
            last_attempt_at=now,
        )
        deliveries = [
            Delivery(
                message_id=message.pk,
                msg_id=message.msg_id,
                endpoint_id=message.endpoint_id,
                url=message.endpoint.url,
                secrets=tuple(endpoint_active_secrets(message.endpoint, now=now)),
                body=_body(message.event),
                attempt_number=message.attempts + 1,
                lease_token=lease_token,
            )
            for message in messages
        ]
    return deliveries
