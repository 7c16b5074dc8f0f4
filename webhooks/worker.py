"""The delivery worker: fans outbox events out to endpoints and sends due messages."""

from __future__ import annotations

import logging
import random
import secrets
import threading
import time
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from core.models import OutboxEvent
from webhooks import catalog
from webhooks.models import (
    CLAIMABLE_STATUSES,
    Attempt,
    DisabledReason,
    Endpoint,
    Message,
    MessageStatus,
)
from webhooks.netguard import DEFAULT_ALLOWED_PORTS, PortPolicy
from webhooks.schedule import (
    MAX_ATTEMPTS,
    Outcome,
    classify,
    next_attempt_delay,
    should_disable_for_failures,
)
from webhooks.selectors import endpoint_active_secrets, endpoint_subscribes_to
from webhooks.services import (
    allow_private_destinations,
    allowed_ports,
    endpoint_disable,
    message_build,
)
from webhooks.signing import build_headers, canonical_body
from webhooks.transport import AttemptResult, ClientPool, deliver

logger = logging.getLogger(__name__)

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


def _wall_clock() -> float:
    """Seconds since the epoch for ``webhook-timestamp``; a function so tests can shift it."""
    return time.time()


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


def send(
    delivery: Delivery,
    *,
    policy: DeliveryPolicy,
    started_at: datetime | None = None,
    clients: ClientPool | None = None,
) -> Sent:
    """Sign and POST one attempt; never touches the database and never raises for the
    network. The ``webhook-timestamp`` is the wall clock at the moment of sending. With
    ``clients``, the connection to the checked address is kept alive for the next attempt
    to the same destination."""
    started_at = _now(started_at)
    headers = build_headers(
        secrets=delivery.secrets,
        msg_id=delivery.msg_id,
        timestamp=int(_wall_clock()),
        body=delivery.body,
    )
    result = deliver(
        url=delivery.url,
        headers=headers,
        body=delivery.body,
        timeout=policy.timeout,
        allow_private=policy.allow_private,
        allowed_ports=policy.allowed_ports,
        pool=clients,
    )
    return Sent(delivery=delivery, started_at=started_at, result=result)


def _failure_text(result: AttemptResult) -> str:
    if result.error:
        return result.error[:500]
    return f"HTTP {result.status}"


def record_outcomes(
    sent: Iterable[Sent],
    *,
    policy: DeliveryPolicy,
    rng: random.Random,
    now: datetime | None = None,
) -> None:
    """Log each attempt and move each message on: delivered, retried later, or failed.

    Locks the endpoints, then the messages, in id order (the order the board's services
    use). A report from a worker whose lease was taken over is logged but decides nothing,
    except a success, which always counts. A 410 disables the endpoint; so does a failure
    when the endpoint has had no success for 5 days; both notify the board.
    """
    reports = sorted(sent, key=lambda item: item.delivery.message_id)
    if not reports:
        return
    now = _now(now)
    with transaction.atomic():
        endpoints = {
            endpoint.pk: endpoint
            for endpoint in Endpoint.objects.select_for_update(no_key=True)
            .select_related("cooperative")
            .filter(pk__in={item.delivery.endpoint_id for item in reports})
            .order_by("id")
        }
        messages = {
            message.pk: message
            for message in Message.objects.select_for_update()
            .filter(pk__in=[item.delivery.message_id for item in reports])
            .order_by("id")
        }
        attempts: list[Attempt] = []
        changed: list[Message] = []
        succeeded: set[int] = set()
        failed: set[int] = set()
        gone: set[int] = set()
        for item in reports:
            delivery, result = item.delivery, item.result
            message = messages.get(delivery.message_id)
            endpoint = endpoints.get(delivery.endpoint_id)
            if message is None or endpoint is None:
                continue  # The endpoint was deleted meanwhile, with its messages.
            attempts.append(
                Attempt(
                    message=message,
                    number=delivery.attempt_number,
                    started_at=item.started_at,
                    status_code=result.status,
                    duration_ms=max(result.duration_ms, 0),
                    response_excerpt=result.response_excerpt,
                    error=(result.error or "")[:500],
                )
            )
            outcome = classify(result.status, result.error)
            owns = (
                message.status == MessageStatus.DELIVERING
                and message.lease_token == delivery.lease_token
            )
            if outcome is Outcome.SUCCESS:
                succeeded.add(endpoint.pk)
                # A replayed message stays queued: the board asked for another delivery.
                if owns or message.status != MessageStatus.PENDING:
                    _finish(message, MessageStatus.DELIVERED, result)
                    message.delivered_at = now
                    changed.append(message)
                continue
            if not owns:
                continue  # Another worker took the message over; its report decides.
            failed.add(endpoint.pk)
            if outcome is Outcome.GONE:
                gone.add(endpoint.pk)
                _finish(message, MessageStatus.FAILED, result)
            elif not endpoint.is_enabled:
                _finish(message, MessageStatus.CANCELLED, result)
            else:
                delay = next_attempt_delay(
                    attempt_number=message.round_attempts,
                    status=result.status,
                    retry_after=result.retry_after,
                    rng=rng,
                    now=now,
                )
                if delay is None:
                    _finish(message, MessageStatus.FAILED, result)
                else:
                    _finish(message, MessageStatus.PENDING, result)
                    message.next_attempt_at = now + delay * policy.retry_scale
            changed.append(message)
        Attempt.objects.bulk_create(
            attempts,
            update_conflicts=True,
            unique_fields=["message", "number"],
            update_fields=["started_at", "status_code", "duration_ms", "response_excerpt", "error"],
        )
        _save_outcomes(changed)
        for endpoint in endpoints.values():
            _track_endpoint(
                endpoint,
                succeeded=endpoint.pk in succeeded,
                failed=endpoint.pk in failed,
                gone=endpoint.pk in gone,
                now=now,
            )


def _save_outcomes(changed: list[Message]) -> None:
    """Write the new states with one UPDATE per distinct set of values: successes share
    theirs, so a batch costs a few statements rather than one per message."""
    groups: dict[tuple[tuple[str, Any], ...], list[int]] = {}
    for message in changed:
        values: dict[str, Any] = {
            "status": message.status,
            "next_attempt_at": message.next_attempt_at,
            "locked_until": None,
            "lease_token": "",
            "last_status_code": message.last_status_code,
            "last_error": message.last_error,
        }
        if message.status == MessageStatus.DELIVERED:
            values["delivered_at"] = message.delivered_at
        groups.setdefault(tuple(values.items()), []).append(message.pk)
    for key, ids in groups.items():
        Message.objects.filter(pk__in=ids).update(**dict(key))


def _finish(message: Message, status: str, result: AttemptResult) -> None:
    message.status = status
    message.next_attempt_at = None
    message.locked_until = None
    message.lease_token = ""
    message.last_status_code = result.status
    message.last_error = "" if status == MessageStatus.DELIVERED else _failure_text(result)


def _track_endpoint(
    endpoint: Endpoint, *, succeeded: bool, failed: bool, gone: bool, now: datetime
) -> None:
    """Keep ``failing_since`` (first failure since the last success) and disable the
    endpoint after a 410 or 5 days of failures."""
    if succeeded:
        if endpoint.failing_since is not None:
            endpoint.failing_since = None
            endpoint.save(update_fields=["failing_since"])
        return
    if not failed:
        return
    if endpoint.failing_since is None:
        endpoint.failing_since = now
        endpoint.save(update_fields=["failing_since"])
    if not endpoint.is_enabled:
        return
    if gone:
        logger.warning("Webhook endpoint %s answered 410 Gone: disabled", endpoint.pk)
        endpoint_disable(endpoint=endpoint, reason=DisabledReason.GONE, now=now)
    elif should_disable_for_failures(first_failure_at=endpoint.failing_since, now=now):
        logger.warning("Webhook endpoint %s failed for 5 days: disabled", endpoint.pk)
        endpoint_disable(endpoint=endpoint, reason=DisabledReason.FAILING, now=now)


def deliver_due(
    *,
    now: datetime | None = None,
    policy: DeliveryPolicy | None = None,
    rng: random.Random | None = None,
    limit: int | None = None,
    clients: ClientPool | None = None,
) -> int:
    """Dispatch new events, then send one batch of due messages in parallel and record the
    outcomes. Returns the number of attempts made. ``now`` fixes the clock of the schedule
    (tests); the ``webhook-timestamp`` header always takes the wall clock."""
    policy = policy or DeliveryPolicy.from_settings()
    rng = rng or random.Random()
    dispatch_pending(now=now)
    deliveries = claim_due(policy=policy, limit=limit or policy.concurrency, now=now)
    if not deliveries:
        return 0
    with ThreadPoolExecutor(max_workers=min(policy.concurrency, len(deliveries))) as pool:
        futures = [
            pool.submit(send, delivery, policy=policy, started_at=now, clients=clients)
            for delivery in deliveries
        ]
        sent = [future.result() for future in futures]
    record_outcomes(sent, policy=policy, rng=rng, now=now)
    return len(sent)


def drain(*, policy: DeliveryPolicy | None = None, rng: random.Random | None = None) -> int:
    """Deliver until nothing is due now; retries scheduled later are left for later."""
    total = 0
    clients = ClientPool()
    try:
        while True:
            count = deliver_due(policy=policy, rng=rng, clients=clients)
            if not count:
                return total
            total += count
    finally:
        clients.close()


def run_forever(
    *,
    stop: threading.Event,
    policy: DeliveryPolicy | None = None,
    idle_seconds: float = IDLE_SECONDS,
) -> None:
    """Deliver until ``stop`` is set, keeping up to ``policy.concurrency`` sends in flight.

    Sends run in a thread pool and never touch the database; this thread claims, records
    and dispatches. On stop, the sends in flight finish and are recorded. A database error
    is logged and retried after a pause: unrecorded attempts are sent again when their
    lease ends, with the same ``webhook-id``. Connections are kept alive per checked
    destination (``ClientPool``) and closed when idle or on stop.
    """
    policy = policy or DeliveryPolicy.from_settings()
    rng = random.Random()
    in_flight: dict[Future[Sent], Delivery] = {}
    pool = ThreadPoolExecutor(max_workers=policy.concurrency, thread_name_prefix="webhook-send")
    clients = ClientPool()
    # Claims wait for a few free slots, so that one transaction leases several messages.
    claim_threshold = max(1, policy.concurrency // 4)
    next_dispatch = 0.0
    try:
        while not stop.is_set():
            try:
                clock = time.monotonic()
                if clock >= next_dispatch:
                    # A full batch means more events wait: dispatch again at once.
                    full = dispatch_pending() >= DISPATCH_BATCH
                    next_dispatch = clock if full else clock + DISPATCH_INTERVAL
                free = policy.concurrency - len(in_flight)
                if free >= claim_threshold or (free and not in_flight):
                    for delivery in claim_due(policy=policy, limit=free):
                        sending = pool.submit(send, delivery, policy=policy, clients=clients)
                        in_flight[sending] = delivery
                if not in_flight:
                    stop.wait(idle_seconds)
                    continue
                done, _pending = wait(in_flight, timeout=idle_seconds, return_when=FIRST_COMPLETED)
                _record_done(done, in_flight, policy=policy, rng=rng)
            except Exception:
                logger.exception("Webhook worker step failed; retrying")
                connection.close()
                stop.wait(ERROR_BACKOFF_SECONDS)
        if in_flight:
            done, _pending = wait(in_flight)
            _record_done(done, in_flight, policy=policy, rng=rng)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
        clients.close()
        connection.close()


def _record_done(
    done: set[Future[Sent]],
    in_flight: dict[Future[Sent], Delivery],
    *,
    policy: DeliveryPolicy,
    rng: random.Random,
) -> None:
    if not done:
        return
    sent = []
    for future in done:
        in_flight.pop(future, None)
        sent.append(future.result())
    record_outcomes(sent, policy=policy, rng=rng)
