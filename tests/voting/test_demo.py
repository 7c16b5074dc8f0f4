"""The demo shows a debate, a vote under way and a decision taken, once."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from deliberation.models import Comment, Proposal
from governance.demo import DEMO_SLUG
from voting.models import Decision, RollEntry, Vote

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_debate_a_vote_under_way_and_a_decision() -> None:
    call_command("load_demo", stdout=None)
    statuses = dict(
        Proposal.objects.filter(cooperative__slug=DEMO_SLUG).values_list("title", "status")
    )
    assert sorted(statuses.values()) == ["adopted", "in_deliberation", "voting"]
    assert Comment.objects.filter(parent__isnull=False).exists()

    under_way = Vote.objects.get(status="open")
    voted = RollEntry.objects.filter(vote=under_way, has_voted=True)
    assert voted.count() > 10
    lea = RollEntry.objects.get(vote=under_way, member__person__username="lea")
    assert lea.has_voted is False, "the demo's plain member still has her ballot to cast"

    decision = Decision.objects.get()
    assert decision.result["outcome"] == "adopted"
    assert {c["name"] for c in decision.result["colleges"]} >= {"Couriers", "Local authorities"}


def test_loading_the_demo_again_adds_nothing() -> None:
    call_command("load_demo")
    counts = (Proposal.objects.count(), Vote.objects.count(), Comment.objects.count())
    call_command("load_demo")
    assert (Proposal.objects.count(), Vote.objects.count(), Comment.objects.count()) == counts
