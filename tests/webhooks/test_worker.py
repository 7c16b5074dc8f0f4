"""The delivery worker against a real HTTP receiver on localhost, with the clock injected."""

from __future__ import annotations

import json
import random
import time
from datetime import timedelta

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from core.models import AuditEntry, Notification
from tests.governance.factories import add_member, make_cooperative
from tests.webhooks.helpers import POLICY, T0, deliver, emit, endpoint_for, only_message
from tests.webhooks.receiver import Behaviour, WebhookReceiver, verified_deliveries
from webhooks import services, worker
from webhooks.models import Attempt, DisabledReason, Endpoint, Message, MessageStatus
from webhooks.schedule import JITTER_RATIO, MAX_ATTEMPTS, RETRY_SCHEDULE
from webhooks.signing import generate_secret
from webhooks.transport import AttemptResult

pytestmark = pytest.mark.django_db


def _refresh(endpoint: Endpoint) -> Endpoint:
    endpoint.refresh_from_db()
    return endpoint


def test_deliveries_follow_standard_webhooks_and_verify_with_the_reference_library() -> None:
    with WebhookReceiver() as receiver:
        endpoint = endpoint_for(receiver.url)
        add_member(endpoint.cooperative, "Workers")

        made = deliver(T0)
        requests = receiver.requests

    assert made == 2
    payloads = verified_deliveries(requests, secret=endpoint.secret)
    messages = {m.msg_id: m for m in Message.objects.filter(endpoint=endpoint)}
    assert set(payloads) == set(messages)
    for msg_id, payload in payloads.items():
        event = messages[msg_id].event
        assert set(payload) == {"type", "timestamp", "data"}
        assert payload["type"] == event.type
        assert payload["data"] == {"payload_version": 1, **event.data}
        assert payload["timestamp"].endswith("Z")
    admitted = next(p for p in payloads.values() if p["type"] == "membership.admitted")
    assert admitted["data"]["member"]["kind"] == "natural"
    for request in requests:
        assert request.headers["webhook-signature"].startswith("v1,")
        assert request.headers["content-type"] == "application/json"
    for message in messages.values():
        assert message.status == MessageStatus.DELIVERED
        assert message.delivered_at == T0
        [attempt] = message.attempt_log.all()
        assert (attempt.number, attempt.status_code, attempt.error) == (1, 200, "")
        assert attempt.response_excerpt == "ok"
        assert attempt.started_at == T0


def test_a_tampered_body_or_an_old_timestamp_fails_verification(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with WebhookReceiver() as receiver:
        endpoint = endpoint_for(receiver.url)
        deliver(T0)
        [genuine] = receiver.requests
        # A delivery signed ten minutes ago: the library's tolerance is five.
        monkeypatch.setattr(worker, "_wall_clock", lambda: time.time() - 600)
        emit(endpoint.cooperative)
        deliver(T0)
        [_genuine, old] = receiver.requests

    webhook = Webhook(endpoint.secret)
    assert webhook.verify(genuine.body, genuine.headers)
    tampered = genuine.body.replace(b'"version":1', b'"version":9')
    assert tampered != genuine.body
    with pytest.raises(WebhookVerificationError):
        webhook.verify(tampered, genuine.headers)
    with pytest.raises(WebhookVerificationError, match="too old"):
        webhook.verify(old.body, old.headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(genuine.body, genuine.headers)


def test_retries_keep_the_webhook_id_and_get_a_fresh_timestamp(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = iter([time.time() - 120, time.time()])
    monkeypatch.setattr(worker, "_wall_clock", lambda: next(clock))
    with WebhookReceiver(Behaviour.error(500)) as receiver:
        endpoint = endpoint_for(receiver.url)
        deliver(T0)
        message = only_message(endpoint)
        assert message.status == MessageStatus.PENDING
        deliver(message.next_attempt_at)
        first, second = receiver.requests

    assert first.headers["webhook-id"] == second.headers["webhook-id"] == message.msg_id
    assert int(second.headers["webhook-timestamp"]) - int(first.headers["webhook-timestamp"]) >= 119
    assert first.body == second.body
    assert len(verified_deliveries([first, second], secret=endpoint.secret)) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert [a.status_code for a in message.attempt_log.order_by("number")] == [500, 200]


def test_retries_follow_the_standard_schedule_with_jitter_then_give_up() -> None:
    with WebhookReceiver(default=Behaviour.error(503, body=b"maintenance")) as receiver:
        endpoint = endpoint_for(receiver.url)
        deliver(T0)
        message = only_message(endpoint)
        delays = []
        previous = T0
        while message.status == MessageStatus.PENDING:
            due = message.next_attempt_at
            assert due is not None
            delays.append(due - previous)
            # Nothing is sent a moment before the attempt is due.
            assert deliver(due - timedelta(milliseconds=1)) == 0
            assert deliver(due) == 1
            previous = due
            message.refresh_from_db()
        requests = receiver.requests

    assert len(delays) == MAX_ATTEMPTS - 1
    for delay, scheduled in zip(delays, RETRY_SCHEDULE[1:], strict=True):
        assert scheduled * (1 - JITTER_RATIO) <= delay <= scheduled * (1 + JITTER_RATIO)
    assert len(set(delays)) == len(delays), "jitter spreads the delays"
    assert message.status == MessageStatus.FAILED
    assert message.next_attempt_at is None
    assert message.last_status_code == 503
    assert message.last_error == "HTTP 503"
    assert message.attempts == MAX_ATTEMPTS
    log = list(message.attempt_log.order_by("number"))
    assert [a.number for a in log] == list(range(1, MAX_ATTEMPTS + 1))
    assert {a.response_excerpt for a in log} == {"maintenance"}
    assert {r.headers["webhook-id"] for r in requests} == {message.msg_id}
    assert len(requests) == MAX_ATTEMPTS
    # The whole schedule spans about three days: not yet the five that disable an endpoint.
    endpoint = _refresh(endpoint)
    assert endpoint.is_enabled
    assert endpoint.failing_since == T0


@pytest.mark.parametrize(
    ("behaviour", "at_least"),
    [
        (Behaviour.throttle("120"), timedelta(seconds=120)),
        (Behaviour.throttle("30", status=503), timedelta(seconds=30)),
        (Behaviour.error(502), timedelta(minutes=1)),
        (Behaviour.error(504), timedelta(minutes=1)),
        (Behaviour.error(429), timedelta(minutes=1)),
    ],
)
def test_throttling_answers_slow_the_next_attempt(
    behaviour: Behaviour, at_least: timedelta
) -> None:
    with WebhookReceiver(behaviour) as receiver:
        endpoint = endpoint_for(receiver.url)
        deliver(T0)

    message = only_message(endpoint)
    assert message.status == MessageStatus.PENDING
    assert message.next_attempt_at is not None
    assert message.next_attempt_at - T0 >= at_least
    assert message.next_attempt_at - T0 < at_least + timedelta(seconds=6)


def test_a_redirect_is_a_failure_and_is_not_followed() -> None:
    with WebhookReceiver() as receiver:
        receiver.program(Behaviour.redirect(receiver.url + "/elsewhere"))
        endpoint = endpoint_for(receiver.url)
        deliver(T0)
        requests = receiver.requests

    message = only_message(endpoint)
    assert message.status == MessageStatus.PENDING
    assert message.last_status_code == 301
    assert [r.path for r in requests] == ["/hook"]


def test_a_timeout_is_retried_and_the_message_then_delivered() -> None:
    with WebhookReceiver(Behaviour.slow(3.0)) as receiver:
        endpoint = endpoint_for(receiver.url)
        deliver(T0, timeout=0.3)
        message = only_message(endpoint)
        [attempt] = message.attempt_log.all()
        assert (attempt.status_code, attempt.error) == (None, "timeout")
        assert message.status == MessageStatus.PENDING
        deliver(message.next_attempt_at)
        requests = receiver.wait_for_requests(2)

    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert len(verified_deliveries(requests, secret=endpoint.secret)) == 1


def test_connection_refused_is_retried_until_the_receiver_is_back() -> None:
    with WebhookReceiver() as receiver:
        endpoint = endpoint_for(receiver.url)
        receiver.stop()
        deliver(T0)
        message = only_message(endpoint)
        assert message.last_error == "connection_refused"
        deliver(message.next_attempt_at)
        message.refresh_from_db()
        assert message.round_attempts == 2
        receiver.restart()
        deliver(message.next_attempt_at)
        requests = receiver.requests

    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert [a.error for a in message.attempt_log.order_by("number")] == [
        "connection_refused",
        "connection_refused",
        "",
    ]
    assert list(verified_deliveries(requests, secret=endpoint.secret)) == [message.msg_id]
    assert _refresh(endpoint).failing_since is None


def test_gone_disables_the_endpoint_cancels_what_waits_and_notifies_the_board() -> None:
    with WebhookReceiver(Behaviour.gone(), default=Behaviour.error(500)) as receiver:
        endpoint = endpoint_for(receiver.url)
        emit(endpoint.cooperative, 2)
        deliver(T0, concurrency=1, limit=1)
        assert deliver(T0 + timedelta(minutes=1)) == 0
        requests = receiver.requests

    endpoint = _refresh(endpoint)
    assert len(requests) == 1
    assert not endpoint.is_enabled
    assert endpoint.disabled_reason == DisabledReason.GONE
    statuses = sorted(Message.objects.filter(endpoint=endpoint).values_list("status", flat=True))
    assert statuses == ["cancelled", "cancelled", "failed"]
    [notice] = Notification.objects.filter(kind="webhook_endpoint_disabled")
    assert notice.person == endpoint.created_by
    assert notice.data["reason"] == "gone"
    assert endpoint.url in notice.text
    assert AuditEntry.objects.filter(verb="webhook_endpoint.disabled").count() == 1


def test_an_endpoint_failing_for_five_days_is_disabled_and_the_board_notified() -> None:
    with WebhookReceiver(default=Behaviour.error(500)) as receiver:
        endpoint = endpoint_for(receiver.url)
        deliver(T0)
        for day in (2, 4):
            emit(endpoint.cooperative)
            deliver(T0 + timedelta(days=day))
            assert _refresh(endpoint).is_enabled
        emit(endpoint.cooperative)
        deliver(T0 + timedelta(days=5))

    endpoint = _refresh(endpoint)
    assert not endpoint.is_enabled
    assert endpoint.disabled_reason == DisabledReason.FAILING
    assert endpoint.disabled_at == T0 + timedelta(days=5)
    assert not Message.objects.filter(endpoint=endpoint, status=MessageStatus.PENDING).exists()
    assert Message.objects.filter(endpoint=endpoint, status=MessageStatus.CANCELLED).exists()
    [notice] = Notification.objects.filter(kind="webhook_endpoint_disabled")
    assert {k: notice.data[k] for k in ("endpoint_id", "reason")} == {
        "endpoint_id": endpoint.pk,
        "reason": "failing",
    }
    assert endpoint.url in notice.text
    # A disabled endpoint receives nothing, even what was due.
    assert deliver(T0 + timedelta(days=30)) == 0


def test_one_success_resets_the_five_days() -> None:
    with WebhookReceiver(Behaviour.error(500), default=Behaviour.ok()) as receiver:
        endpoint = endpoint_for(receiver.url)
        deliver(T0)
        assert _refresh(endpoint).failing_since == T0
        emit(endpoint.cooperative)
        deliver(T0 + timedelta(days=4))
        assert _refresh(endpoint).failing_since is None
        receiver.program(Behaviour.error(500))
        emit(endpoint.cooperative)
        deliver(T0 + timedelta(days=6))

    endpoint = _refresh(endpoint)
    assert endpoint.is_enabled
    assert endpoint.failing_since == T0 + timedelta(days=6)


def test_destinations_are_checked_again_at_delivery_after_dns_resolution() -> None:
    with WebhookReceiver() as receiver:
        # Accepted when the endpoint was created (private destinations were allowed then).
        endpoint = endpoint_for(f"http://localhost:{receiver.port}/hook")
        deliver(T0, allow_private=False)
        time.sleep(0.05)
        requests = receiver.requests

    message = only_message(endpoint)
    assert requests == []
    assert message.status == MessageStatus.PENDING
    assert message.last_error.startswith("unsafe_destination: private_address")


def test_during_a_rotation_both_secrets_sign_for_24_hours() -> None:
    with WebhookReceiver() as receiver:
        endpoint = endpoint_for(receiver.url)
        old_secret = endpoint.secret
        services.endpoint_rotate_secret(actor=endpoint.created_by, endpoint=endpoint, now=T0)
        deliver(T0 + timedelta(hours=23))
        emit(endpoint.cooperative)
        deliver(T0 + timedelta(hours=25))
        during, after = receiver.requests

    new_secret = _refresh(endpoint).secret
    assert new_secret != old_secret
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    assert verified_deliveries([during], secret=old_secret)
    assert verified_deliveries([during], secret=new_secret)
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    assert verified_deliveries([after], secret=new_secret)
    with pytest.raises(WebhookVerificationError):
        verified_deliveries([after], secret=old_secret)


def test_a_message_whose_worker_died_is_sent_again_after_the_lease_with_the_same_id() -> None:
    with WebhookReceiver() as receiver:
        endpoint = endpoint_for(receiver.url)
        worker.dispatch_pending(now=T0)
        # A worker claims the message, then dies before sending or recording anything.
        [claimed] = worker.claim_due(policy=POLICY, limit=10, now=T0)
        assert deliver(T0 + POLICY.lease - timedelta(seconds=1)) == 0
        assert deliver(T0 + POLICY.lease) == 1
        [request] = receiver.requests

    message = only_message(endpoint)
    assert request.headers["webhook-id"] == claimed.msg_id == message.msg_id
    assert message.status == MessageStatus.DELIVERED
    lost, resent = message.attempt_log.order_by("number")
    assert (lost.number, lost.status_code, lost.error) == (1, None, worker.LEASE_EXPIRED_ERROR)
    assert (resent.number, resent.status_code) == (2, 200)


def _report(delivery: worker.Delivery, status: int | None, error: str | None = None) -> worker.Sent:
    result = AttemptResult(
        status=status, duration_ms=5, response_excerpt="", error=error, retry_after=None
    )
    return worker.Sent(delivery=delivery, started_at=T0, result=result)


def _rng() -> random.Random:
    return random.Random(1)


def test_a_late_failure_report_from_a_replaced_worker_decides_nothing() -> None:
    endpoint = endpoint_for("http://127.0.0.1:9009/hook")
    worker.dispatch_pending(now=T0)
    [first] = worker.claim_due(policy=POLICY, limit=1, now=T0)
    later = T0 + POLICY.lease
    [second] = worker.claim_due(policy=POLICY, limit=1, now=later)
    assert first.msg_id == second.msg_id
    assert (first.attempt_number, second.attempt_number) == (1, 2)

    worker.record_outcomes([_report(first, 500)], policy=POLICY, rng=_rng(), now=later)
    message = only_message(endpoint)
    assert message.status == MessageStatus.DELIVERING
    assert message.lease_token == second.lease_token

    worker.record_outcomes([_report(second, 200)], policy=POLICY, rng=_rng(), now=later)
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert [(a.number, a.status_code, a.error) for a in Attempt.objects.order_by("number")] == [
        (1, 500, ""),
        (2, 200, ""),
    ]


def test_a_late_success_from_a_replaced_worker_counts_and_is_not_undone() -> None:
    endpoint = endpoint_for("http://127.0.0.1:9009/hook")
    worker.dispatch_pending(now=T0)
    [first] = worker.claim_due(policy=POLICY, limit=1, now=T0)
    later = T0 + POLICY.lease
    [second] = worker.claim_due(policy=POLICY, limit=1, now=later)

    worker.record_outcomes([_report(first, 204)], policy=POLICY, rng=_rng(), now=later)
    worker.record_outcomes(
        [_report(second, None, "connection_refused")], policy=POLICY, rng=_rng(), now=later
    )

    message = only_message(endpoint)
    assert message.status == MessageStatus.DELIVERED
    assert message.last_status_code == 204
    assert message.attempt_log.count() == 2


def test_two_endpoints_receive_the_same_event_under_distinct_ids() -> None:
    with WebhookReceiver() as receiver:
        cooperative = make_cooperative()
        first = endpoint_for(receiver.url, cooperative=cooperative)
        second = endpoint_for(receiver.url, cooperative=cooperative)
        deliver(T0)
        requests = receiver.requests

    assert len(requests) == 2
    ids = {r.headers["webhook-id"] for r in requests}
    assert ids == {only_message(first).msg_id, only_message(second).msg_id}
    assert len({json.loads(r.body)["type"] for r in requests}) == 1


def test_a_replayed_message_is_sent_again_with_the_same_id() -> None:
    with WebhookReceiver() as receiver:
        endpoint = endpoint_for(receiver.url)
        deliver(T0)
        message = only_message(endpoint)
        services.message_replay(actor=endpoint.created_by, message=message, now=T0)
        deliver(T0)
        requests = receiver.requests

    assert [r.headers["webhook-id"] for r in requests] == [message.msg_id] * 2
    assert len(verified_deliveries(requests, secret=endpoint.secret)) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (MessageStatus.DELIVERED, 2)


def test_drain_delivers_everything_due_in_batches() -> None:
    with WebhookReceiver() as receiver:
        endpoint = endpoint_for(receiver.url)
        emit(endpoint.cooperative, 9)
        made = worker.drain(policy=worker.DeliveryPolicy(**{**_fields(), "concurrency": 4}))
        requests = receiver.requests

    assert made == 10
    assert len(verified_deliveries(requests, secret=endpoint.secret)) == 10
    assert not Message.objects.exclude(status=MessageStatus.DELIVERED).exists()


def _fields() -> dict[str, object]:
    return {"timeout": POLICY.timeout, "lease": POLICY.lease, "allow_private": True}


def test_a_message_whose_every_attempt_is_lost_fails_instead_of_looping() -> None:
    endpoint = endpoint_for("http://127.0.0.1:9009/hook")
    worker.dispatch_pending(now=T0)
    moment = T0
    # Each claim's worker dies before reporting: the schedule's attempts run out.
    for _ in range(MAX_ATTEMPTS):
        assert len(worker.claim_due(policy=POLICY, limit=1, now=moment)) == 1
        moment += POLICY.lease

    assert worker.claim_due(policy=POLICY, limit=1, now=moment) == []
    message = only_message(endpoint)
    assert message.status == MessageStatus.FAILED
    assert message.last_error == worker.LEASE_EXPIRED_ERROR
    assert message.attempt_log.count() == MAX_ATTEMPTS
