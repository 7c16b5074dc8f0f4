"""What an attempt leaves behind: the attempt row, the message's next step (success, retry or
failure) and the endpoint's health (disabled on 410 Gone or after days of failures)."""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction

from webhooks.claiming import (
    DeliveryPolicy,
    Sent,
    _now,
)
from webhooks.models import (
    Attempt,
    DisabledReason,
    Endpoint,
    Message,
    MessageStatus,
)
from webhooks.schedule import (
    Outcome,
    classify,
    next_attempt_delay,
    should_disable_for_failures,
)
from webhooks.services import (
    endpoint_disable,
)
from webhooks.transport import AttemptResult

logger = logging.getLogger("webhooks.worker")  # the name it had when this lived there


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
