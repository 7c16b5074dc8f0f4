"""Builders and clocks shared by the webhook tests."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from core.outbox import outbox_emit
from governance.models import Cooperative, Person
from tests.governance.factories import chair_of, make_cooperative
from webhooks import services, worker
from webhooks.models import Endpoint, Message

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Real sends, a short timeout, and a lease long enough that it never expires by accident.
POLICY = worker.DeliveryPolicy(
    timeout=2.0, lease=timedelta(minutes=5), concurrency=4, allow_private=True
)


def endpoint_for(
    url: str, *, cooperative: Cooperative | None = None, event_types: tuple[str, ...] = ()
) -> Endpoint:
    cooperative = cooperative or make_cooperative()
    return services.endpoint_create(
        actor=chair_of(cooperative), cooperative=cooperative, url=url, event_types=event_types
    )


def emit(cooperative: Cooperative, count: int = 1, type: str = "membership.admitted") -> None:
    for number in range(count):
        outbox_emit(cooperative_id=cooperative.pk, type=type, data={"seq": number})


def deliver(now: datetime, *, seed: int = 7, limit: int | None = None, **overrides: Any) -> int:
    """Run one worker step at ``now`` with a seeded jitter; return the attempts made."""
    policy = worker.DeliveryPolicy(**{**_policy_fields(), **overrides})
    return worker.deliver_due(now=now, policy=policy, rng=random.Random(seed), limit=limit)


def _policy_fields() -> dict[str, Any]:
    return {
        "timeout": POLICY.timeout,
        "lease": POLICY.lease,
        "concurrency": POLICY.concurrency,
        "allow_private": POLICY.allow_private,
    }


def only_message(endpoint: Endpoint) -> Message:
    [message] = Message.objects.filter(endpoint=endpoint)
    return message


def board_of(cooperative: Cooperative) -> Person:
    return chair_of(cooperative)
