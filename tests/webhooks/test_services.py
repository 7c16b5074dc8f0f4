"""Board services on endpoints and messages: secrets, rotation, disabling, replays."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from django.test import override_settings

from core.errors import DomainError, Forbidden, InvalidInput
from core.models import AuditEntry, Notification, OutboxEvent
from tests.governance.factories import add_member, chair_of, make_cooperative
from tests.webhooks.helpers import POLICY, T0, emit, endpoint_for, only_message
from webhooks import services, worker
from webhooks.models import Attempt, DisabledReason, Endpoint, Message, MessageStatus
from webhooks.selectors import endpoint_active_secrets

pytestmark = pytest.mark.django_db

URL = "https://plateforme.example.org/collegia"


def test_a_new_endpoint_gets_a_random_whsec_secret_and_is_audited() -> None:
    cooperative = make_cooperative()
    first = services.endpoint_create(actor=chair_of(cooperative), cooperative=cooperative, url=URL)
    second = services.endpoint_create(actor=chair_of(cooperative), cooperative=cooperative, url=URL)

    for endpoint in (first, second):
        assert endpoint.secret.startswith("whsec_")
        assert len(base64.b64decode(endpoint.secret.removeprefix("whsec_"))) == 32
        assert endpoint.is_enabled
        assert endpoint.event_types == []
    assert first.secret != second.secret
    entry = AuditEntry.objects.filter(verb="webhook_endpoint.created").first()
    assert entry is not None
    assert entry.data == {"url": URL, "event_types": []}
    assert "whsec_" not in str(AuditEntry.objects.values_list("data", flat=True))


def test_event_types_are_checked_deduplicated_and_kept_in_catalog_order() -> None:
    cooperative = make_cooperative()
    chair = chair_of(cooperative)

    endpoint = services.endpoint_create(
        actor=chair,
        cooperative=cooperative,
        url=URL,
        event_types=["decision.rejected", "proposal.published", "decision.rejected"],
    )

    assert endpoint.event_types == ["proposal.published", "decision.rejected"]
    with pytest.raises(InvalidInput) as caught:
        services.endpoint_create(
            actor=chair, cooperative=cooperative, url=URL, event_types=["decision.made"]
        )
    assert caught.value.code == "unknown_event_type"
    with pytest.raises(InvalidInput):
        services.endpoint_create(
            actor=chair, cooperative=cooperative, url=URL, event_types=["webhook.test"]
        )


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/hook",
        "http://localhost/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://10.0.0.7/hook",
    ],
)
def test_private_destinations_are_refused_unless_the_setting_allows_them(url: str) -> None:
    cooperative = make_cooperative()
    chair = chair_of(cooperative)

    with override_settings(COLLEGIA={"WEBHOOK_ALLOW_PRIVATE_DESTINATIONS": False}):
        with pytest.raises(InvalidInput) as caught:
            services.endpoint_create(actor=chair, cooperative=cooperative, url=url)
        assert caught.value.code == "url_refused"
        assert caught.value.details["reason"] == "private_address"

    with override_settings(COLLEGIA={"WEBHOOK_ALLOW_PRIVATE_DESTINATIONS": True}):
        assert services.endpoint_create(actor=chair, cooperative=cooperative, url=url).pk


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("ftp://example.org/", "scheme_not_allowed"),
        ("https://u:p@example.org/", "userinfo_not_allowed"),
    ],
)
def test_malformed_urls_are_refused_with_the_reason(url: str, reason: str) -> None:
    cooperative = make_cooperative()
    with pytest.raises(InvalidInput) as caught:
        services.endpoint_create(actor=chair_of(cooperative), cooperative=cooperative, url=url)
    assert caught.value.details["reason"] == reason


def test_only_the_board_manages_endpoints() -> None:
    cooperative = make_cooperative()
    member = add_member(cooperative, "Workers").member.person
    endpoint = endpoint_for(URL, cooperative=cooperative)

    with pytest.raises(Forbidden):
        services.endpoint_create(actor=member, cooperative=cooperative, url=URL)
    with pytest.raises(Forbidden):
        services.endpoint_rotate_secret(actor=member, endpoint=endpoint)
    with pytest.raises(Forbidden):
        services.endpoint_update(actor=member, endpoint=endpoint, is_enabled=False)
    with pytest.raises(Forbidden):
        services.endpoint_delete(actor=member, endpoint=endpoint)


def test_a_cooperative_has_at_most_twenty_endpoints() -> None:
    cooperative = make_cooperative()
    for _ in range(services.MAX_ENDPOINTS_PER_COOPERATIVE):
        endpoint_for(URL, cooperative=cooperative)
    with pytest.raises(DomainError) as caught:
        endpoint_for(URL, cooperative=cooperative)
    assert caught.value.code == "endpoint_limit"


def test_rotation_keeps_the_old_secret_for_24_hours_and_two_secrets_at_most() -> None:
    endpoint = endpoint_for(URL)
    chair = chair_of(endpoint.cooperative)
    original = endpoint.secret

    services.endpoint_rotate_secret(actor=chair, endpoint=endpoint, now=T0)
    rotated = endpoint.secret
    assert endpoint_active_secrets(endpoint, now=T0 + timedelta(hours=23, minutes=59)) == [
        rotated,
        original,
    ]
    assert endpoint_active_secrets(endpoint, now=T0 + timedelta(hours=24)) == [rotated]

    services.endpoint_rotate_secret(actor=chair, endpoint=endpoint, now=T0 + timedelta(hours=1))
    assert endpoint_active_secrets(endpoint, now=T0 + timedelta(hours=2)) == [
        endpoint.secret,
        rotated,
    ]
    assert len({original, rotated, endpoint.secret}) == 3
    assert AuditEntry.objects.filter(verb="webhook_endpoint.secret_rotated").count() == 2


def test_disabling_cancels_what_waits_and_enabling_restarts_with_new_events_only() -> None:
    endpoint = endpoint_for(URL)
    chair = chair_of(endpoint.cooperative)
    worker.dispatch_pending(now=T0)

    services.endpoint_update(actor=chair, endpoint=endpoint, is_enabled=False, now=T0)
    endpoint.refresh_from_db()
    assert (endpoint.is_enabled, endpoint.disabled_reason) == (False, DisabledReason.BOARD)
    assert only_message(endpoint).status == MessageStatus.CANCELLED
    assert not Notification.objects.exists(), "the board knows what it did itself"

    emit(endpoint.cooperative)
    worker.dispatch_pending(now=T0)
    assert Message.objects.filter(endpoint=endpoint).count() == 1

    services.endpoint_update(actor=chair, endpoint=endpoint, is_enabled=True)
    emit(endpoint.cooperative)
    worker.dispatch_pending(now=T0)
    endpoint.refresh_from_db()
    assert (endpoint.is_enabled, endpoint.disabled_reason, endpoint.failing_since) == (
        True,
        "",
        None,
    )
    assert Message.objects.filter(endpoint=endpoint, status=MessageStatus.PENDING).count() == 1


def test_updates_change_only_what_is_given_and_are_audited() -> None:
    endpoint = endpoint_for(URL)
    chair = chair_of(endpoint.cooperative)

    services.endpoint_update(
        actor=chair, endpoint=endpoint, description="  Plateforme  ", event_types=["vote.closed"]
    )

    endpoint.refresh_from_db()
    assert (endpoint.url, endpoint.description, endpoint.event_types) == (
        URL,
        "Plateforme",
        ["vote.closed"],
    )
    entry = AuditEntry.objects.filter(verb="webhook_endpoint.updated").get()
    assert entry.data == {"description": "Plateforme", "event_types": ["vote.closed"]}


def test_a_message_being_sent_cannot_be_replayed_until_its_lease_ends() -> None:
    endpoint = endpoint_for(URL)
    chair = chair_of(endpoint.cooperative)
    worker.dispatch_pending(now=T0)
    worker.claim_due(policy=POLICY, limit=1, now=T0)
    message = only_message(endpoint)

    with pytest.raises(DomainError) as caught:
        services.message_replay(actor=chair, message=message, now=T0 + timedelta(seconds=1))
    assert caught.value.code == "message_in_flight"

    replayed = services.message_replay(actor=chair, message=message, now=T0 + POLICY.lease)
    assert replayed.status == MessageStatus.PENDING
    assert replayed.next_attempt_at == T0 + POLICY.lease
    assert replayed.round_attempts == 0
    assert replayed.attempts == 1


def test_nothing_is_sent_to_a_disabled_endpoint_on_request() -> None:
    endpoint = endpoint_for(URL)
    chair = chair_of(endpoint.cooperative)
    worker.dispatch_pending(now=T0)
    services.endpoint_update(actor=chair, endpoint=endpoint, is_enabled=False)
    message = only_message(endpoint)

    for attempt in (
        lambda: services.message_replay(actor=chair, message=message),
        lambda: services.endpoint_send_test(actor=chair, endpoint=endpoint),
        lambda: services.messages_replay_failed(actor=chair, endpoint=endpoint, since=T0),
    ):
        with pytest.raises(DomainError) as caught:
            attempt()
        assert caught.value.code == "endpoint_disabled"


def test_replaying_failures_since_a_date_requeues_only_those() -> None:
    endpoint = endpoint_for(URL)
    chair = chair_of(endpoint.cooperative)
    emit(endpoint.cooperative, 4)
    worker.dispatch_pending(now=T0)
    messages = list(Message.objects.filter(endpoint=endpoint).order_by("id"))
    statuses = [
        MessageStatus.FAILED,
        MessageStatus.CANCELLED,
        MessageStatus.FAILED,
        MessageStatus.DELIVERED,
        MessageStatus.FAILED,
    ]
    for day, (message, status) in enumerate(zip(messages, statuses, strict=True)):
        Message.objects.filter(pk=message.pk).update(
            status=status,
            created_at=T0 + timedelta(days=day),
            next_attempt_at=None,
            delivered_at=T0,
            round_attempts=10,
        )

    queued = services.messages_replay_failed(
        actor=chair, endpoint=endpoint, since=T0 + timedelta(days=1), now=T0 + timedelta(days=9)
    )

    assert queued == 3
    after = list(
        Message.objects.filter(endpoint=endpoint)
        .order_by("id")
        .values_list("status", "round_attempts")
    )
    assert after == [
        ("failed", 10),
        ("pending", 0),
        ("pending", 0),
        ("delivered", 10),
        ("pending", 0),
    ]
    with pytest.raises(InvalidInput):
        services.messages_replay_failed(
            actor=chair, endpoint=endpoint, since=T0 + timedelta(days=10), now=T0
        )


def test_deleting_an_endpoint_removes_its_log_and_keeps_the_outbox() -> None:
    endpoint = endpoint_for(URL)
    worker.dispatch_pending(now=T0)
    worker.claim_due(policy=POLICY, limit=1, now=T0)
    Attempt.objects.create(message=only_message(endpoint), number=1, started_at=T0)
    events = OutboxEvent.objects.count()

    services.endpoint_delete(actor=chair_of(endpoint.cooperative), endpoint=endpoint)

    assert not Endpoint.objects.exists()
    assert not Message.objects.exists()
    assert not Attempt.objects.exists()
    assert OutboxEvent.objects.count() == events
    assert AuditEntry.objects.filter(verb="webhook_endpoint.deleted").count() == 1
