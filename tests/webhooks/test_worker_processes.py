"""Worker processes on PostgreSQL: killed mid-delivery, racing each other, through outages."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection, transaction

from core.outbox import outbox_emit
from tests.webhooks.helpers import POLICY, endpoint_for
from tests.webhooks.receiver import Behaviour, WebhookReceiver, verified_deliveries
from webhooks import worker
from webhooks.models import Attempt, Endpoint, Message, MessageStatus

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

MANAGE = Path(settings.BASE_DIR) / "manage.py"


def _database_url() -> str:
    """The test database, for a worker process to connect to."""
    options = connection.settings_dict
    auth = options["USER"] + (f":{options['PASSWORD']}" if options["PASSWORD"] else "")
    host = options["HOST"] or "127.0.0.1"
    port = options["PORT"] or 5432
    return f"postgres://{auth}@{host}:{port}/{options['NAME']}"


@pytest.fixture
def start_worker() -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``manage.py deliver_webhooks`` processes; any still running are killed after."""
    started: list[subprocess.Popen[str]] = []
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "DJANGO_SETTINGS_MODULE": "config.settings_test",
    }

    def start(*options: str) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            [sys.executable, str(MANAGE), "deliver_webhooks", *options],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)


def _wait_until(condition: Callable[[], bool], *, seconds: float, what: str) -> None:
    """Poll ``condition``; the deadline only stops a broken run from hanging the suite."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"Gave up waiting for {what}.")
        time.sleep(0.05)


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    return stdout


def _seeded_endpoint(url: str, events: int) -> Endpoint:
    endpoint = endpoint_for(url)
    for seq in range(events):
        outbox_emit(
            cooperative_id=endpoint.cooperative_id, type="decision.adopted", data={"seq": seq}
        )
    return endpoint


def test_a_killed_worker_and_receiver_outages_lose_nothing_and_duplicate_nothing(
    start_worker: Callable[..., subprocess.Popen[str]],
) -> None:
    options = ("--timeout", "1", "--lease", "3", "--retry-scale", "0.001", "--concurrency", "4")
    # Three failures, then an answer that never comes: the worker is killed while it waits.
    with WebhookReceiver(
        Behaviour.error(500), Behaviour.error(500), Behaviour.error(500), Behaviour.slow(60)
    ) as receiver:
        endpoint = _seeded_endpoint(receiver.url, 40)
        first = start_worker(*options)
        held = receiver.wait_for_requests(4, timeout=30)[3]
        first.kill()
        first.wait(timeout=10)
        killed_id = held.headers["webhook-id"]

        # The receiver goes down: connections are refused while two new workers start.
        receiver.stop()
        second = start_worker(*options)
        third = start_worker(*options)
        _wait_until(
            lambda: Attempt.objects.filter(error="connection_refused").count() >= 3,
            seconds=60,
            what="refused connections",
        )
        # It comes back slow enough to time out twice, then answers.
        receiver.program(Behaviour.slow(3), Behaviour.slow(3))
        receiver.start()
        _wait_until(
            lambda: not Message.objects.exclude(status=MessageStatus.DELIVERED).exists(),
            seconds=90,
            what="every message delivered",
        )
        _stop(second)
        _stop(third)
        requests = receiver.requests

    messages = {m.msg_id: m for m in Message.objects.select_related("event")}
    assert len(messages) == 41
    payloads = verified_deliveries(requests, secret=endpoint.secret)
    # At least once: every message reached the receiver and verified.
    assert set(payloads) == set(messages)
    # Exactly once after deduplication: one webhook-id per event, with that event's data.
    assert sorted(p["data"].get("seq", -1) for p in payloads.values()) == [-1, *range(40)]
    for msg_id, payload in payloads.items():
        assert payload["type"] == messages[msg_id].event.type
    # The message held by the killed worker was sent again with its id and a new timestamp.
    again = [r for r in requests if r.headers["webhook-id"] == killed_id]
    assert len(again) >= 2
    assert len({r.headers["webhook-timestamp"] for r in again}) >= 2
    killed = messages[killed_id]
    log = list(killed.attempt_log.order_by("number"))
    assert log[0].error == worker.LEASE_EXPIRED_ERROR
    assert log[-1].status_code == 200
    # The killed worker may not have recorded its 500s: their attempts count as lost.
    answered_500 = {r.headers["webhook-id"] for r in requests[:3]}
    assert all(messages[msg_id].attempts >= 2 for msg_id in answered_500)
    errors = Counter(a.error or str(a.status_code) for a in Attempt.objects.all())
    assert errors[worker.LEASE_EXPIRED_ERROR] + errors["500"] >= 4
    assert errors["connection_refused"] >= 3
    assert errors["timeout"] >= 1
    assert Endpoint.objects.get().is_enabled


def test_two_workers_share_the_work_and_never_send_a_message_twice(
    start_worker: Callable[..., subprocess.Popen[str]],
) -> None:
    # Alone, one worker would need 8 s: both have time to start and take a share.
    with WebhookReceiver(default=Behaviour.slow(0.2)) as receiver:
        endpoint = _seeded_endpoint(receiver.url, 159)
        # Dispatched beforehand: "--once" stops when nothing is due, and a message that the
        # other worker is still creating is not due yet.
        worker.dispatch_pending()
        options = ("--once", "--concurrency", "4", "--timeout", "5")
        workers = [start_worker(*options), start_worker(*options)]
        outputs = [process.communicate(timeout=120) for process in workers]
        requests = receiver.requests

    made = []
    for process, (stdout, stderr) in zip(workers, outputs, strict=True):
        assert process.returncode == 0, stderr
        made.append(int(stdout.strip().rsplit(" ", 1)[-1]))
    assert all(count > 0 for count in made), made
    assert sum(made) == 160
    counts = Counter(r.headers["webhook-id"] for r in requests)
    assert len(counts) == 160
    assert set(counts.values()) == {1}
    assert len(verified_deliveries(requests, secret=endpoint.secret)) == 160
    assert Message.objects.filter(status=MessageStatus.DELIVERED).count() == 160
    assert set(Attempt.objects.values_list("number", flat=True)) == {1}


def test_a_claim_skips_messages_another_worker_holds_locked() -> None:
    endpoint = _seeded_endpoint("http://127.0.0.1:9009/hook", 9)
    worker.dispatch_pending()
    locked = threading.Event()
    release = threading.Event()
    held: list[int] = []

    def other_worker() -> None:
        try:
            with transaction.atomic():
                rows = Message.objects.select_for_update(skip_locked=True).order_by("id")[:4]
                held.extend(row.pk for row in rows)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    try:
        assert locked.wait(timeout=30)
        claimed = worker.claim_due(policy=POLICY, limit=100)
    finally:
        release.set()
        thread.join(timeout=30)

    assert len(held) == 4
    assert len(claimed) == 6
    assert not {d.message_id for d in claimed} & set(held)
    assert Message.objects.filter(endpoint=endpoint, status=MessageStatus.PENDING).count() == 4
