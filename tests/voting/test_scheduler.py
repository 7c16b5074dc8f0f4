"""The scheduler opens and closes votes on time, without anyone clicking."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.audit import audit_verify
from core.models import AuditEntry
from governance.errors import BoardOnly
from governance.services import rules_update
from tests.voting.factories import cast, make_coop, make_vote
from voting import scheduler
from voting.models import Decision, VoteStatus
from voting.services import vote_open

pytestmark = pytest.mark.django_db

SMALL = {"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1}


def test_tick_opens_due_drafts_and_closes_due_votes() -> None:
    coop = make_coop(SMALL)
    now = timezone.now()
    later = make_vote(
        coop,
        open_now=False,
        opens_at=now + dt.timedelta(hours=1),
        closes_at=now + dt.timedelta(hours=2),
    )
    report = scheduler.tick(now=now)
    assert report.opened == [] and report.closed == []

    report = scheduler.tick(now=now + dt.timedelta(hours=1))
    assert report.opened == [later.pk]
    later.refresh_from_db()
    assert later.status == VoteStatus.OPEN
    assert AuditEntry.objects.get(verb="vote.opened", target_id=str(later.pk)).actor is None

    cast(coop.person("Workers"), later, "for", now=now + dt.timedelta(hours=1, minutes=5))
    report = scheduler.tick(now=now + dt.timedelta(hours=2))
    assert report.closed == [later.pk]
    decision = Decision.objects.get(vote=later)
    assert decision.decided_at == now + dt.timedelta(hours=2)
    assert scheduler.tick(now=now + dt.timedelta(hours=3)).closed == []


def test_vote_that_cannot_open_records_why_and_is_not_retried() -> None:
    coop = make_coop(SMALL)
    rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={},
        block_votes_on_composition_breach=True,
    )
    now = timezone.now()
    vote = make_vote(coop, open_now=False, opens_at=now)
    report = scheduler.tick(now=now)
    assert report.failed == [vote.pk]
    vote.refresh_from_db()
    assert vote.status == VoteStatus.DRAFT
    assert "composition" in vote.schedule_error
    assert scheduler.tick(now=now).failed == []


class StopAfterOnePass(threading.Event):
    """A stop event that is asked for after the loop's first pass, when it waits."""

    def wait(self, timeout: float | None = None) -> bool:
        self.set()
        return True


@pytest.mark.django_db(transaction=True)
def test_run_forever_ticks_until_asked_to_stop() -> None:
    """The loop runs with the database's own transactions, as in production (it closes stale
    connections between passes), hence a transactional test."""
    coop = make_coop(SMALL)
    due = make_vote(coop, open_now=False, opens_at=timezone.now() - dt.timedelta(minutes=1))

    stopped = threading.Event()
    stopped.set()
    scheduler.run_forever(stop=stopped, interval=0.01)
    due.refresh_from_db()
    assert due.status == VoteStatus.DRAFT

    scheduler.run_forever(stop=StopAfterOnePass(), interval=0.01)
    due.refresh_from_db()
    assert due.status == VoteStatus.OPEN


def test_command_runs_one_pass() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, open_now=False, opens_at=timezone.now() - dt.timedelta(minutes=1))
    call_command("run_scheduler", "--once")
    vote.refresh_from_db()
    assert vote.status == VoteStatus.OPEN


def test_the_scheduler_acts_and_is_audited_as_the_system() -> None:
    """Its entries name no person and say which system acted; a person who is not on the
    board still cannot open a vote, since only the scheduler acts as the system."""
    coop = make_coop(SMALL)
    now = timezone.now()
    vote = make_vote(coop, open_now=False, opens_at=now, closes_at=now + dt.timedelta(hours=1))
    with pytest.raises(BoardOnly):
        vote_open(actor=coop.person("Workers"), vote=vote)
    scheduler.tick(now=now)
    scheduler.tick(now=now + dt.timedelta(hours=1))
    for verb in ("vote.opened", "vote.closed"):
        entry = AuditEntry.objects.get(verb=verb, cooperative_id=coop.cooperative.pk)
        assert entry.actor is None
        assert entry.data["system"] == "scheduler"
    assert audit_verify().ok
