"""The demo shows a debate, a vote under way and a decision taken, once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from core.models import AuditEntry
from deliberation.models import Comment, Proposal
from governance.demo import DEMO_SLUG
from governance.models import Person
from voting.models import Decision, RollEntry, Vote

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_debate_a_vote_under_way_and_a_decision() -> None:
    call_command("load_demo", stdout=None)
    statuses = dict(
        Proposal.objects.filter(cooperative__slug=DEMO_SLUG).values_list("title", "status")
    )
    assert sorted(statuses.values()) == ["adopted", "in_deliberation", "voting"]
    assert Comment.objects.filter(parent__isnull=False).exists()

    under_way = Vote.objects.get(status="open", e2e__isnull=True)
    voted = RollEntry.objects.filter(vote=under_way, has_voted=True)
    assert voted.count() > 10
    lea = RollEntry.objects.get(vote=under_way, member__person__username="lea")
    assert lea.has_voted is False, "the demo's plain member still has her ballot to cast"

    decision = Decision.objects.get()
    assert decision.result["outcome"] == "adopted"
    names = {c["name"] for c in decision.result["colleges"]}
    assert names >= {"Coursiers", "Collectivités territoriales"}


def test_loading_the_demo_again_adds_nothing() -> None:
    call_command("load_demo")
    counts = (Proposal.objects.count(), Vote.objects.count(), Comment.objects.count())
    call_command("load_demo")
    assert (Proposal.objects.count(), Vote.objects.count(), Comment.objects.count()) == counts


def test_loading_the_demo_again_keeps_its_debate_and_vote_open_after_today(
    capture_on_commit: Any,
) -> None:
    """An install loaded weeks ago still shows the debate and the vote open: `make run`
    loads the demo again, which moves them forward through the services."""
    call_command("load_demo", stdout=None)
    long_ago = timezone.now() - dt.timedelta(days=40)
    under_way = Vote.objects.get(status="open", e2e__isnull=True)
    debate = Proposal.objects.get(status="in_deliberation")
    assert under_way.closes_at is not None and debate.deliberation_closes_at is not None
    # As if the demo had been loaded 40 days ago and the server stopped since.
    Vote.objects.filter(pk=under_way.pk).update(closes_at=long_ago)
    Proposal.objects.filter(pk=debate.pk).update(
        deliberation_opens_at=long_ago - dt.timedelta(days=1), deliberation_closes_at=long_ago
    )

    with capture_on_commit(execute=True):
        call_command("load_demo", stdout=None)

    under_way.refresh_from_db()
    debate.refresh_from_db()
    now = timezone.now()
    assert under_way.status == "open"
    assert under_way.closes_at is not None and under_way.closes_at > now + dt.timedelta(days=6)
    assert debate.status == "in_deliberation"
    assert debate.deliberation_closes_at is not None
    assert debate.deliberation_closes_at > now + dt.timedelta(days=13)
    # Recorded in the audit log as the board's act, like any other change of schedule.
    assert AuditEntry.objects.filter(verb="vote.scheduled").exists()


def test_the_demo_speaks_french() -> None:
    call_command("load_demo", stdout=None)
    titles = set(Proposal.objects.values_list("title", flat=True))
    assert "Adopter le budget 2027" in titles
    assert "Hausser la rémunération par livraison en centre-ville" in titles
    bodies = " ".join(Comment.objects.values_list("body", flat=True))
    assert "restaurants" in bodies.lower() and " the " not in bodies
    names = set(Person.objects.values_list("display_name", flat=True))
    assert {"Léa Dubois", "Claire Martin", "Nadia Ferrand"} <= names
