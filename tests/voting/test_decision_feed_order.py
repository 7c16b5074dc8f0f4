"""The decisions feed follows commit order: a close that took its decision id first but
committed last still reaches a platform polling from the cursor it was given."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction
from rest_framework.test import APIClient

from core.audit import audit_append
from tests.voting.factories import cast, make_coop, make_vote
from voting import services
from voting.models import Decision, Vote

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SMALL = {"Workers": 2, "Users": 2, "Suppliers": 1, "Authorities": 1}
# Bounds on waiting for another thread, so that a broken scenario fails instead of hanging;
# nothing is asserted about how long anything takes.
PATIENCE_SECONDS = 60


class Worker(threading.Thread):
    """Runs `job` on its own database connection and keeps its result or its exception."""

    def __init__(self, job: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.job = job
        self.result: Any = None
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            self.result = self.job()
        except BaseException as exc:
            self.error = exc
        finally:
            close_old_connections()
            connection.close()

    def finish(self) -> Any:
        self.join(timeout=PATIENCE_SECONDS)
        assert not self.is_alive(), "a closing transaction never finished"
        if self.error is not None:
            raise self.error
        return self.result


def wait_until_blocked_on_a_lock(backend_pid: int) -> None:
    """Wait until the given PostgreSQL backend waits for a lock (the audit chain's head)."""
    deadline = time.monotonic() + PATIENCE_SECONDS
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [backend_pid]
            )
            row = cursor.fetchone()
        if row is not None and row[0] == "Lock":
            return
        time.sleep(0.01)
    pytest.fail("the first close never waited for the audit chain's head lock")


def wait_for(event: threading.Event, what: str) -> None:
    assert event.wait(timeout=PATIENCE_SECONDS), f"never saw: {what}"


def test_a_decision_committed_after_a_later_id_is_still_fed_to_a_poller() -> None:
    coop = make_coop(SMALL)
    vote_a, vote_b = make_vote(coop, title="A"), make_vote(coop, title="B")
    for vote in (vote_a, vote_b):
        cast(coop.person("Workers"), vote, "for")
    chair = coop.chair

    b_holds_head = threading.Event()
    b_may_close = threading.Event()
    a_pid: list[int] = []
    a_closed = threading.Event()
    a_may_commit = threading.Event()

    def close_b() -> Decision:
        # B's transaction made an audited change before its close (as an assembly's does),
        # so it already holds the audit chain's head lock when A asks for it.
        with transaction.atomic(durable=True):
            audit_append(
                actor=chair, verb="test.before_close", cooperative_id=vote_b.cooperative_id
            )
            b_holds_head.set()
            wait_for(b_may_close, "the go-ahead for B's close")
            return services.vote_close(actor=chair, vote=Vote.objects.get(pk=vote_b.pk))

    def close_a() -> Decision:
        with transaction.atomic(durable=True):
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                a_pid.append(cursor.fetchone()[0])
            decision = services.vote_close(actor=chair, vote=Vote.objects.get(pk=vote_a.pk))
            a_closed.set()
            wait_for(a_may_commit, "the go-ahead for A's commit")
            return decision

    thread_b = Worker(close_b)
    thread_b.start()
    wait_for(b_holds_head, "B holding the audit head")
    thread_a = Worker(close_a)
    thread_a.start()
    # A inserts its decision (taking its id), then waits for the head lock that B holds.
    while not a_pid and thread_a.is_alive():
        time.sleep(0.01)
    assert a_pid, thread_a.error
    wait_until_blocked_on_a_lock(a_pid[0])
    b_may_close.set()
    decision_b = thread_b.finish()
    wait_for(a_closed, "A's close after B committed")

    # A platform polls between the two commits: it sees B only.
    client = APIClient()
    client.force_authenticate(chair)
    url = f"/api/v1/cooperatives/{coop.cooperative.slug}/decisions/"
    first = client.get(url, {"since": 0}).json()
    assert [d["id"] for d in first["results"]] == [decision_b.pk]

    a_may_commit.set()
    decision_a = thread_a.finish()
    # The scenario of the report: A took the smaller id and committed last.
    assert decision_a.pk < decision_b.pk

    second = client.get(url, {"since": first["next_since"]}).json()
    assert [d["id"] for d in second["results"]] == [decision_a.pk]
    assert second["next_since"] == Decision.objects.get(pk=decision_a.pk).feed_position
    assert client.get(url, {"since": second["next_since"]}).json()["results"] == []


def test_the_migration_places_existing_decisions_at_their_close_entry() -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("voting.migrations.0003_decision_feed_position")
    coop = make_coop(SMALL)
    closed = []
    for title in ("A", "B"):
        vote = make_vote(coop, title=title)
        cast(coop.person("Workers"), vote, "for")
        closed.append(services.vote_close(actor=coop.chair, vote=vote))
    expected = {d.pk: d.feed_position for d in closed}
    # As the decisions of an installation stood before the feed position existed.
    Decision.objects.update(feed_position=None)
    migration.place_existing_decisions(apps, None)
    placed = dict(Decision.objects.values_list("pk", "feed_position"))
    assert placed == expected and all(placed.values())
