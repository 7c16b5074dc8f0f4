"""The transactional outbox and its fan-out to the cooperative's endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from core.models import OutboxEvent
from governance.models import MembershipStatus
from tests.governance.factories import add_member, chair_of, make_cooperative
from tests.webhooks.helpers import POLICY, T0, emit, endpoint_for
from webhooks import services, worker
from webhooks.models import Message, MessageStatus

pytestmark = pytest.mark.django_db


class Boom(Exception):
    pass


def test_a_committed_change_gets_its_event_and_a_rolled_back_one_never_does() -> None:
    cooperative = make_cooperative()
    endpoint_for("http://127.0.0.1:9009/hook", cooperative=cooperative)
    before = OutboxEvent.objects.count()

    with pytest.raises(Boom), transaction.atomic():
        add_member(cooperative, "Workers")
        assert OutboxEvent.objects.filter(type="membership.admitted").exists()
        raise Boom

    assert OutboxEvent.objects.count() == before
    assert not cooperative.memberships.filter(status=MembershipStatus.ACTIVE).exists()
    add_member(cooperative, "Workers")
    worker.dispatch_pending(now=T0)
    types = sorted(Message.objects.values_list("event__type", flat=True))
    assert types == ["college.weights_changed", "membership.admitted"]


def test_each_event_goes_once_to_each_enabled_subscribed_endpoint_of_its_cooperative() -> None:
    cooperative = make_cooperative()
    every = endpoint_for("http://127.0.0.1:9009/all", cooperative=cooperative)
    decisions = endpoint_for(
        "http://127.0.0.1:9009/decisions",
        cooperative=cooperative,
        event_types=("decision.adopted", "decision.rejected"),
    )
    disabled = endpoint_for("http://127.0.0.1:9009/off", cooperative=cooperative)
    services.endpoint_update(actor=chair_of(cooperative), endpoint=disabled, is_enabled=False)
    elsewhere = endpoint_for("http://127.0.0.1:9009/other")
    OutboxEvent.objects.update(dispatched_at=T0)
    emit(cooperative, 2, type="decision.adopted")
    emit(cooperative, 1, type="membership.ended")

    assert worker.dispatch_pending(now=T0) == 3
    assert worker.dispatch_pending(now=T0) == 0

    assert Message.objects.filter(endpoint=every).count() == 3
    assert Message.objects.filter(endpoint=decisions).count() == 2
    assert set(
        Message.objects.filter(endpoint=decisions).values_list("event__type", flat=True)
    ) == {"decision.adopted"}
    assert not Message.objects.filter(endpoint__in=[disabled, elsewhere]).exists()
    assert not OutboxEvent.objects.filter(dispatched_at__isnull=True).exists()
    messages = list(Message.objects.all())
    assert len({m.msg_id for m in messages}) == len(messages)
    assert all(m.status == MessageStatus.PENDING and m.next_attempt_at == T0 for m in messages)
    assert all(m.msg_id.startswith("msg_") for m in messages)


def test_dispatch_handles_a_backlog_in_batches() -> None:
    cooperative = make_cooperative()
    endpoint = endpoint_for("http://127.0.0.1:9009/hook", cooperative=cooperative)
    emit(cooperative, 11)

    assert worker.dispatch_pending(now=T0, limit=5) == 5
    assert worker.dispatch_pending(now=T0, limit=5) == 5
    assert worker.dispatch_pending(now=T0, limit=5) == 2
    assert worker.dispatch_pending(now=T0, limit=5) == 0
    assert Message.objects.filter(endpoint=endpoint).count() == 12


def test_a_test_message_goes_only_to_the_endpoint_tested() -> None:
    cooperative = make_cooperative()
    tested = endpoint_for("http://127.0.0.1:9009/a", cooperative=cooperative)
    other = endpoint_for("http://127.0.0.1:9009/b", cooperative=cooperative)
    OutboxEvent.objects.update(dispatched_at=T0)

    message = services.endpoint_send_test(actor=chair_of(cooperative), endpoint=tested, now=T0)
    worker.dispatch_pending(now=T0)

    assert message.event.type == "webhook.test"
    assert message.event.data["endpoint"] == {"id": tested.pk}
    assert list(Message.objects.filter(endpoint=tested)) == [message]
    assert not Message.objects.filter(endpoint=other).exists()


def _plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", ()):
        yield from _plan_nodes(child)


def _walks_its_index(captured: list[dict[str, str]], table: str, index: str, rows: int) -> None:
    """The claim's ``FOR UPDATE SKIP LOCKED`` read of ``table``, run again in the
    transaction the claim ran in (and so under its settings), read ``rows`` rows of
    ``index`` in order and sorted nothing."""
    reads = [q["sql"] for q in captured if "SKIP LOCKED" in q["sql"]]
    [sql] = [read for read in reads if f'FROM "{table}"' in read]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
        [[explained]] = cursor.fetchone()
    nodes = list(_plan_nodes(explained["Plan"]))
    assert not [node["Node Type"] for node in nodes if "Sort" in node["Node Type"]]
    [scan] = [node for node in nodes if node.get("Relation Name") == table]
    assert (scan["Index Name"], scan["Actual Rows"]) == (index, rows)


def _backlog(events: int) -> None:
    """Events owed to one endpoint, in tables never analyzed: the planner takes them for
    empty, as it does a fresh backlog, and would read and sort them all for each claim."""
    cooperative = make_cooperative()
    endpoint_for("http://127.0.0.1:9009/hook", cooperative=cooperative)
    OutboxEvent.objects.bulk_create(
        OutboxEvent(cooperative_id=cooperative.pk, type="membership.admitted", data={"seq": n})
        for n in range(events)
    )


# The test's transaction stays open, so a claim's settings hold for the plan read after it.


@pytest.mark.postgres
def test_a_claim_reads_the_messages_it_takes_not_the_whole_backlog() -> None:
    _backlog(600)
    while worker.dispatch_pending(now=T0, limit=200):
        pass

    with CaptureQueriesContext(connection) as queries:
        claimed = worker.claim_due(policy=POLICY, limit=4, now=T0)

    assert len(claimed) == 4
    _walks_its_index(queries.captured_queries, "webhooks_message", "webhook_message_due", 4)


@pytest.mark.postgres
def test_dispatch_reads_the_batch_it_takes_not_the_events_already_sent() -> None:
    _backlog(600)
    assert worker.dispatch_pending(now=T0, limit=590) == 590

    with CaptureQueriesContext(connection) as queries:
        assert worker.dispatch_pending(now=T0, limit=5) == 5

    _walks_its_index(queries.captured_queries, "core_outboxevent", "outbox_event_undispatched", 5)
