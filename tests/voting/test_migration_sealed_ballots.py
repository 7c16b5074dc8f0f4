"""The migration to sealed ballots: closed secret votes keep their box, open ones are sealed."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.voting.factories import cast, make_coop, make_vote
from voting import selectors, services
from voting.models import (
    BallotKey,
    CountedTracker,
    KeyWrap,
    SecretBallot,
    UnlinkedSealedBallot,
    Vote,
)

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE = [("voting", "0003_decision_feed_position"), ("assemblies", "0001_initial")]


def _receipt_hash(n: int) -> str:
    return hashlib.sha256(f"receipt-{n}".encode()).hexdigest()


def _migrate(targets: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_open_secret_votes_are_sealed_and_closed_ones_keep_their_box() -> None:
    coop = make_coop({"Workers": 3, "Users": 2})
    running = make_vote(coop, is_secret=True, title="Running")
    finished = make_vote(coop, is_secret=True, title="Finished")
    for vote in (running, finished):
        cast(coop.person("Workers", 0), vote, "for")
        cast(coop.person("Workers", 1), vote, "against")
        cast(coop.person("Users", 0), vote, "for")
    services.vote_close(actor=coop.chair, vote=finished)
    # Back to the old schema, the boxes as the old code wrote them: a choice and a receipt
    # hash per ballot, written at each cast.
    SecretBallot.objects.all().delete()
    CountedTracker.objects.all().delete()
    old = _migrate(BEFORE)
    OldBox = old.get_model("voting", "SecretBallot")
    OldCollege = old.get_model("voting", "VoteCollege")
    n = 0
    for vote in (running, finished):
        colleges = {c.key: c for c in OldCollege.objects.filter(vote_id=vote.pk)}
        workers, users = sorted(colleges.values(), key=lambda c: c.position)[:2]
        for college, choice in ((workers, "for"), (workers, "against"), (users, "for")):
            n += 1
            OldBox.objects.create(
                vote_id=vote.pk, vote_college=college, choice=choice, receipt_hash=_receipt_hash(n)
            )

    _migrate(executor_leaves())

    # The closed vote keeps its box; its receipt hashes are its counted trackers.
    assert sorted(SecretBallot.objects.filter(vote=finished).values_list("choice", flat=True)) == [
        "against",
        "for",
        "for",
    ]
    assert list(selectors.counted_trackers(finished).values_list("tracker", flat=True)) == sorted(
        _receipt_hash(i) for i in (4, 5, 6)
    )
    # The open vote: a key, its ballots sealed where they stood, no box, no choice in clear.
    running = Vote.objects.get(pk=running.pk)
    assert running.ballot_key_id is not None
    assert KeyWrap.objects.filter(ballot_key_id=running.ballot_key_id).count() == 1
    assert not SecretBallot.objects.filter(vote=running).exists()
    unlinked = UnlinkedSealedBallot.objects.filter(vote=running)
    assert sorted(unlinked.values_list("tracker", flat=True)) == sorted(
        _receipt_hash(i) for i in (1, 2, 3)
    )
    assert all(b"against" not in bytes(row.sealed) for row in unlinked)
    assert selectors.tracker_counted(running, "receipt-1") is False  # a code, not a hash
    # Its voters keep their ballots (final), others still vote, and the close counts all.
    cast(coop.person("Workers", 2), running, "against")
    decision = services.vote_close(actor=coop.chair, vote=running)
    workers = decision.result["tally"]["colleges"][0]
    assert (workers["yes"], workers["no"]) == (1, 2)
    assert SecretBallot.objects.filter(vote=running).count() == 4
    assert BallotKey.objects.get(pk=running.ballot_key_id).destroyed_at is not None


def executor_leaves() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()
