"""Parallel casts and a close from several threads on PostgreSQL: no double ballot, no
ballot lost or counted after the close."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction
from django.db.models import Count

from core.errors import DomainError
from core.sql import transaction_ending_with_write
from tests.db import second_connection
from tests.voting.factories import make_coop, make_vote
from voting import services
from voting.models import Ballot, Decision, RollEntry, Vote
from voting.permissions import access_vote_for_casting

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

SIZES = {"Workers": 12, "Users": 12, "Suppliers": 8, "Authorities": 8}


def run_threads(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Start every job at once (behind a barrier) and return what each returned or raised."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list[Any] = [None] * len(jobs)

    def worker(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait()
            outcomes[index] = job()
        except Exception as exc:
            outcomes[index] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def cast_job(person: Any, vote_id: int, choice: str) -> Callable[[], Any]:
    def job() -> Any:
        with transaction.atomic(durable=True):
            vote = Vote.objects.get(pk=vote_id)
            return services.ballot_cast(actor=person, vote=vote, choice=choice)

    return job


def close_job(chair: Any, vote_id: int) -> Callable[[], Any]:
    def job() -> Any:
        with transaction.atomic(durable=True):
            return services.vote_close(actor=chair, vote=Vote.objects.get(pk=vote_id))

    return job


def test_parallel_double_casts_give_one_ballot_each() -> None:
    coop = make_coop(SIZES)
    vote = make_vote(coop, allow_change=False)
    people = coop.everyone
    jobs = [cast_job(p, vote.pk, choice) for p in people for choice in ("for", "against")]
    outcomes = run_threads(jobs)
    refused = [o for o in outcomes if isinstance(o, DomainError)]
    unexpected = [
        o for o in outcomes if isinstance(o, Exception) and not isinstance(o, DomainError)
    ]
    assert not unexpected, unexpected
    assert {o.code for o in refused} == {"ballot_already_cast"}
    assert len(refused) == len(people)
    per_entry = Ballot.objects.filter(vote=vote).values("roll_entry").annotate(n=Count("id"))
    assert {row["n"] for row in per_entry} == {1}
    assert RollEntry.objects.filter(vote=vote, has_voted=True).count() == len(people)


def test_parallel_changes_leave_one_current_ballot_each() -> None:
    coop = make_coop({"Workers": 6, "Users": 6, "Suppliers": 4, "Authorities": 4})
    vote = make_vote(coop)
    people = coop.everyone
    jobs = [
        cast_job(p, vote.pk, choice) for p in people for choice in ("for", "against", "abstain")
    ]
    outcomes = run_threads(jobs)
    assert not [o for o in outcomes if isinstance(o, Exception)]
    current = Ballot.objects.filter(vote=vote, is_current=True)
    assert current.count() == len(people)
    assert Ballot.objects.filter(vote=vote).count() == 3 * len(people)
    assert set(Counter(current.values_list("roll_entry", flat=True)).values()) == {1}


@pytest.mark.parametrize("secret", [False, True])
def test_close_in_the_middle_of_casts_counts_exactly_the_ballots_cast_before_it(
    secret: bool,
) -> None:
    coop = make_coop(SIZES)
    vote = make_vote(coop, is_secret=secret)
    people = coop.everyone
    jobs: list[Callable[[], Any]] = [cast_job(p, vote.pk, "for") for p in people]
    jobs.insert(len(jobs) // 2, close_job(coop.chair, vote.pk))
    outcomes = run_threads(jobs)
    unexpected = [
        o
        for o in outcomes
        if isinstance(o, Exception) and getattr(o, "code", None) != "vote_closed"
    ]
    assert not unexpected, unexpected
    accepted = [o for o in outcomes if isinstance(o, services.CastResult)]
    decision = Decision.objects.get(vote=vote)
    totals = decision.result["tally"]["totals"]
    # Every cast either committed before the close (and is counted) or was refused.
    assert totals["voted"] == totals["yes"] == len(accepted)
    assert RollEntry.objects.filter(vote=vote, has_voted=True).count() == len(accepted)
    refused = [o for o in outcomes if getattr(o, "code", None) == "vote_closed"]
    assert len(accepted) + len(refused) == len(people)


def api_cast_job(person: Any, vote_id: int, choice: str) -> Callable[[], Any]:
    """The API's path: the vote read under the share lock by the loader, then cast in the
    same transaction without a second read, its write sent with the COMMIT."""

    def job() -> Any:
        with transaction_ending_with_write():
            vote, _role = access_vote_for_casting(person, vote_id)
            return services.ballot_cast(actor=person, vote=vote, choice=choice, locked=True)

    return job


def test_a_close_waits_for_casts_that_took_the_lock_in_the_loader() -> None:
    coop = make_coop(SIZES)
    vote = make_vote(coop)
    people = coop.everyone
    jobs: list[Callable[[], Any]] = [api_cast_job(p, vote.pk, "for") for p in people]
    jobs.insert(len(jobs) // 2, close_job(coop.chair, vote.pk))
    outcomes = run_threads(jobs)
    unexpected = [
        o
        for o in outcomes
        if isinstance(o, Exception) and getattr(o, "code", None) != "vote_closed"
    ]
    assert not unexpected, unexpected
    accepted = [o for o in outcomes if isinstance(o, services.CastResult)]
    decision = Decision.objects.get(vote=vote)
    totals = decision.result["tally"]["totals"]
    assert totals["voted"] == totals["yes"] == len(accepted)
    assert Ballot.objects.filter(vote=vote, is_current=True).count() == len(accepted)


@pytest.mark.parametrize("path", ["service", "api"])
def test_a_cast_waiting_for_its_roll_entry_does_not_hold_the_audit_chain(path: str) -> None:
    """The roll entry and the audit chain's head are locked in one statement, the entry
    first: a ballot queued behind another for the same member must not stop every other
    write of the installation, which all append to the chain. The same on the API's path,
    which reads the vote locked first."""
    import time

    from psycopg.errors import LockNotAvailable

    from core.audit import audit_verify
    from core.models import AuditHead

    coop = make_coop({"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1})
    vote = make_vote(coop)
    voter = coop.person("Workers", 0)
    entry = RollEntry.objects.get(vote=vote, member__person=voter)
    job = cast_job if path == "service" else api_cast_job
    holder, probe = second_connection(autocommit=False), second_connection()
    head = f"SELECT id FROM {AuditHead._meta.db_table} WHERE id = 1 FOR UPDATE NOWAIT"
    outcome: list[Any] = []
    try:
        holder.execute("SELECT id FROM voting_rollentry WHERE id = %s FOR UPDATE", [entry.pk])
        thread = threading.Thread(
            target=lambda: outcome.extend(run_threads([job(voter, vote.pk, "for")]))
        )
        thread.start()
        deadline = time.monotonic() + 30
        while not probe.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()[0]:
            assert time.monotonic() < deadline, "the cast never waited for the roll entry"
            time.sleep(0.02)
        try:
            assert probe.execute(head).fetchone() == (1,)
        except LockNotAvailable:  # pragma: no cover - the failure this test is about
            pytest.fail("a cast waiting for its roll entry holds the audit chain's head")
        holder.rollback()
        thread.join(timeout=60)
        assert not thread.is_alive()
    finally:
        holder.close()
        probe.close()
    assert isinstance(outcome[0], services.CastResult), outcome
    assert audit_verify().ok
