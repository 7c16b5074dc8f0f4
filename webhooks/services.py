"""Every write to webhook endpoints and messages, on the board's request or the worker's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_append
from core.errors import DomainError, InvalidInput
from core.models import OutboxEvent
from core.notifications import notify
from governance.models import Cooperative, Person
from governance.permissions import require_board
from webhooks import catalog
from webhooks.models import DisabledReason, Endpoint, Message, MessageStatus
from webhooks.netguard import (
    DEFAULT_ALLOWED_PORTS_TEXT,
    PortPolicy,
    UnsafeDestination,
    validate_url_syntax,
)
from webhooks.selectors import board_people
from webhooks.signing import generate_secret, new_message_id

MAX_ENDPOINTS_PER_COOPERATIVE: Final = 20
MAX_DESCRIPTION_LENGTH: Final = 300
# During a rotation the previous secret signs too, so receivers can switch without a gap.
PREVIOUS_SECRET_VALIDITY: Final = timedelta(hours=24)


class EndpointDisabled(DomainError):
    code = "endpoint_disabled"


class MessageInFlight(DomainError):
    code = "message_in_flight"


class EndpointLimitReached(DomainError):
    code = "endpoint_limit"


def allow_private_destinations() -> bool:
    return bool(settings.COLLEGIA.get("WEBHOOK_ALLOW_PRIVATE_DESTINATIONS", False))


def allowed_ports() -> PortPolicy:
    """The ports webhooks may be sent to (WEBHOOK_ALLOWED_PORTS, "80,443,1024-65535")."""
    text = str(settings.COLLEGIA.get("WEBHOOK_ALLOWED_PORTS", DEFAULT_ALLOWED_PORTS_TEXT))
    try:
        return PortPolicy.parse(text)
    except ValueError as exc:
        raise ImproperlyConfigured(f"WEBHOOK_ALLOWED_PORTS: {exc}.") from exc


def _audit(actor: Person | None, verb: str, endpoint: Endpoint, **data: Any) -> None:
    audit_append(
        actor=actor, verb=verb, target=endpoint, cooperative_id=endpoint.cooperative_id, data=data
    )


def _clean_url(url: str) -> str:
    url = url.strip()
    try:
        validate_url_syntax(
            url, allow_private=allow_private_destinations(), allowed_ports=allowed_ports()
        )
    except UnsafeDestination as exc:
        if exc.code == "port_not_allowed":
            ports = allowed_ports().describe()
            raise InvalidInput(
                code="port_not_allowed",
                message=_("Webhooks can only be sent to ports %(ports)s.") % {"ports": ports},
                details={"url": [exc.message], "reason": exc.code, "allowed_ports": ports},
            ) from exc
        raise InvalidInput(
            code="url_refused",
            message=_("This URL cannot receive webhooks: %(reason)s") % {"reason": exc.message},
            details={"url": [exc.message], "reason": exc.code},
        ) from exc
    return url


def _clean_event_types(event_types: Sequence[str]) -> list[str]:
    unknown = [name for name in event_types if name not in catalog.SUBSCRIBABLE_TYPES]
    if unknown:
        raise InvalidInput(
            code="unknown_event_type",
            message=_("Unknown event types: %(types)s.") % {"types": ", ".join(unknown)},
            details={"event_types": unknown},
        )
    # Stored in catalog order without duplicates, so equal filters compare equal.
    wanted = set(event_types)
    return [name for name in catalog.SUBSCRIBABLE_TYPES if name in wanted]


def message_build(*, endpoint: Endpoint, event: OutboxEvent, now: datetime) -> Message:
    """Return an unsaved message of ``event`` for ``endpoint``, due at once."""
    return Message(
        msg_id=new_message_id(),
        endpoint=endpoint,
        event=event,
        status=MessageStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )


@transaction.atomic
def endpoint_create(
    *,
    actor: Person,
    cooperative: Cooperative,
    url: str,
    description: str = "",
    event_types: Sequence[str] = (),
) -> Endpoint:
    """Register a URL of the platform with a new random secret. Board only.

    The URL is checked without DNS (scheme, form, no literal private address unless the
    setting allows it); its name is resolved and checked again at every delivery.
    """
    require_board(actor, cooperative)
    if Endpoint.objects.filter(cooperative=cooperative).count() >= MAX_ENDPOINTS_PER_COOPERATIVE:
        raise EndpointLimitReached(
            message=_("A cooperative has at most %(count)d webhook endpoints.")
            % {"count": MAX_ENDPOINTS_PER_COOPERATIVE}
        )
    endpoint = Endpoint.objects.create(
        cooperative=cooperative,
        url=_clean_url(url),
        description=description.strip()[:MAX_DESCRIPTION_LENGTH],
        event_types=_clean_event_types(event_types),
        secret=generate_secret(),
        created_by=actor,
    )
    _audit(
        actor,
        "webhook_endpoint.created",
        endpoint,
        url=endpoint.url,
        event_types=endpoint.event_types,
    )
    return endpoint


@transaction.atomic
def endpoint_update(
    *,
    actor: Person,
    endpoint: Endpoint,
    url: str | None = None,
    description: str | None = None,
    event_types: Sequence[str] | None = None,
    is_enabled: bool | None = None,
    now: datetime | None = None,
) -> Endpoint:
    """Change what was given. Disabling cancels the messages still waiting; enabling again
    starts afresh (replay what failed meanwhile with ``messages_replay_failed``)."""
    require_board(actor, endpoint.cooperative)
    now = now or timezone.now()
    changed: dict[str, Any] = {}
    if url is not None and url.strip() != endpoint.url:
        endpoint.url = _clean_url(url)
        changed["url"] = endpoint.url
    if description is not None and description.strip() != endpoint.description:
        endpoint.description = description.strip()[:MAX_DESCRIPTION_LENGTH]
        changed["description"] = endpoint.description
    if event_types is not None:
        cleaned = _clean_event_types(event_types)
        if cleaned != endpoint.event_types:
            endpoint.event_types = cleaned
            changed["event_types"] = cleaned
    if changed:
        endpoint.save()
        _audit(actor, "webhook_endpoint.updated", endpoint, **changed)
    if is_enabled is False and endpoint.is_enabled:
        endpoint_disable(endpoint=endpoint, reason=DisabledReason.BOARD, actor=actor, now=now)
    elif is_enabled is True and not endpoint.is_enabled:
        endpoint.is_enabled = True
        endpoint.disabled_reason = ""
        endpoint.disabled_at = None
        endpoint.failing_since = None
        endpoint.save(
            update_fields=[
                "is_enabled",
                "disabled_reason",
                "disabled_at",
                "failing_since",
                "updated_at",
            ]
        )
        _audit(actor, "webhook_endpoint.enabled", endpoint)
    return endpoint


@transaction.atomic
def endpoint_disable(
    *,
    endpoint: Endpoint,
    reason: str,
    actor: Person | None = None,
    now: datetime | None = None,
) -> Endpoint:
    """Stop deliveries to an endpoint and cancel its waiting messages.

    Called by the board (reason ``board``) or by the worker (``gone`` after a 410 answer,
    ``failing`` after 5 days without a success); the worker's reasons notify the board.
    The caller holds the endpoint's row lock when the worker may be recording outcomes.
    """
    now = now or timezone.now()
    endpoint.is_enabled = False
    endpoint.disabled_reason = reason
    endpoint.disabled_at = now
    endpoint.save(update_fields=["is_enabled", "disabled_reason", "disabled_at", "updated_at"])
    cancelled = Message.objects.filter(endpoint=endpoint, status=MessageStatus.PENDING).update(
        status=MessageStatus.CANCELLED, next_attempt_at=None
    )
    _audit(actor, "webhook_endpoint.disabled", endpoint, reason=reason, cancelled=cancelled)
    if reason != DisabledReason.BOARD:
        cooperative = endpoint.cooperative
        notify(
            people=board_people(cooperative),
            kind="webhook_endpoint_disabled",
            message=_(
                "Webhooks to %(url)s are stopped: %(reason)s. Fix the receiver, then "
                "enable the endpoint again and replay what failed."
            )
            % {"url": endpoint.url, "reason": DisabledReason(reason).label},
            cooperative_id=cooperative.pk,
            data={"endpoint_id": endpoint.pk, "reason": reason, "cancelled": cancelled},
        )
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor: Person, endpoint: Endpoint) -> None:
    """Delete an endpoint with its messages and attempts; the outbox events stay."""
    require_board(actor, endpoint.cooperative)
    _audit(actor, "webhook_endpoint.deleted", endpoint, url=endpoint.url)
    endpoint.delete()


@transaction.atomic
def endpoint_rotate_secret(
    *, actor: Person, endpoint: Endpoint, now: datetime | None = None
) -> Endpoint:
    """Give the endpoint a new secret; the current one keeps signing for 24 hours.

    A rotation during another's 24 hours drops the oldest secret: two at most are active.
    """
    require_board(actor, endpoint.cooperative)
    now = now or timezone.now()
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = now + PREVIOUS_SECRET_VALIDITY
    endpoint.secret = generate_secret()
    endpoint.save(
        update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
    )
    _audit(
        actor,
        "webhook_endpoint.secret_rotated",
        endpoint,
        previous_valid_until=endpoint.previous_secret_expires_at,
    )
    return endpoint


def _require_enabled(endpoint: Endpoint) -> None:
    if not endpoint.is_enabled:
        raise EndpointDisabled(
            message=_("This endpoint is disabled; enable it before sending to it.")
        )


@transaction.atomic
def endpoint_send_test(
    *, actor: Person, endpoint: Endpoint, now: datetime | None = None
) -> Message:
    """Queue a ``webhook.test`` message to this endpoint only, delivered like any other."""
    require_board(actor, endpoint.cooperative)
    _require_enabled(endpoint)
    now = now or timezone.now()
    cooperative = endpoint.cooperative
    event = OutboxEvent.objects.create(
        cooperative_id=cooperative.pk,
        type=catalog.TEST_EVENT,
        data={
            "cooperative": {
                "id": cooperative.pk,
                "slug": cooperative.slug,
                "name": cooperative.name,
            },
            "endpoint": {"id": endpoint.pk},
            "message": "This is a test message from Collegia.",
        },
        # Marked dispatched at once: a test goes to this endpoint, never to the others.
        dispatched_at=now,
    )
    message = message_build(endpoint=endpoint, event=event, now=now)
    message.save(force_insert=True)
    _audit(actor, "webhook_endpoint.test_sent", endpoint, msg_id=message.msg_id)
    return message


def _schedule_again(message: Message, now: datetime) -> None:
    message.status = MessageStatus.PENDING
    message.next_attempt_at = now
    message.round_attempts = 0
    message.locked_until = None
    message.lease_token = ""


@transaction.atomic
def message_replay(*, actor: Person, message: Message, now: datetime | None = None) -> Message:
    """Deliver a message again, whatever its status, with the same ``webhook-id``.

    The retry schedule starts over. Refused while a worker holds a live lease on it, and
    when the endpoint is disabled. The caller locks the endpoint, then the message.
    """
    endpoint = message.endpoint
    require_board(actor, endpoint.cooperative)
    _require_enabled(endpoint)
    now = now or timezone.now()
    if (
        message.status == MessageStatus.DELIVERING
        and message.locked_until is not None
        and message.locked_until > now
    ):
        raise MessageInFlight(message=_("This message is being delivered right now."))
    previous = message.status
    _schedule_again(message, now)
    message.save(
        update_fields=["status", "next_attempt_at", "round_attempts", "locked_until", "lease_token"]
    )
    _audit(
        actor, "webhook_message.replayed", endpoint, msg_id=message.msg_id, previous_status=previous
    )
    return message


@transaction.atomic
def messages_replay_failed(
    *, actor: Person, endpoint: Endpoint, since: datetime, now: datetime | None = None
) -> int:
    """Deliver again every failed or cancelled message created since ``since``, with the
    same ``webhook-id`` each. Returns how many were queued. The endpoint must be enabled."""
    require_board(actor, endpoint.cooperative)
    _require_enabled(endpoint)
    now = now or timezone.now()
    if since > now:
        raise InvalidInput(
            code="since_in_future",
            message=_("Choose a date in the past."),
            details={"since": [_("Choose a date in the past.")]},
        )
    count = Message.objects.filter(
        endpoint=endpoint,
        status__in=[MessageStatus.FAILED, MessageStatus.CANCELLED],
        created_at__gte=since,
    ).update(
        status=MessageStatus.PENDING,
        next_attempt_at=now,
        round_attempts=0,
        locked_until=None,
        lease_token="",
    )
    _audit(actor, "webhook_message.replayed_failed", endpoint, since=since, count=count)
    return count
