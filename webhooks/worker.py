"""The delivery worker: fans outbox events out to endpoints and sends due messages."""

from __future__ import annotations

import logging
import random
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime

from django.db import connection

from webhooks.claiming import (
    DISPATCH_BATCH,
    DISPATCH_INTERVAL,
    ERROR_BACKOFF_SECONDS,
    IDLE_SECONDS,
    LEASE_EXPIRED_ERROR,
    Delivery,
    DeliveryPolicy,
    Sent,
    _body,
    _now,
    claim_due,
    dispatch_pending,
)
from webhooks.outcomes import record_outcomes
from webhooks.signing import build_headers
from webhooks.transport import ClientPool, deliver

# The steps live in `claiming` and `outcomes`; this module runs them and re-exports them.
__all__ = [
    "LEASE_EXPIRED_ERROR",
    "Delivery",
    "DeliveryPolicy",
    "Sent",
    "_body",
    "claim_due",
    "deliver_due",
    "dispatch_pending",
    "drain",
    "record_outcomes",
    "run_forever",
    "send",
]

logger = logging.getLogger(__name__)


def _wall_clock() -> float:
    """Seconds since the epoch for ``webhook-timestamp``; a function so tests can shift it."""
    return time.time()


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
