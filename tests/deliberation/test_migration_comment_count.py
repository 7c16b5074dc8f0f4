"""The migration that adds the stored comment count fills it for the proposals already there."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from deliberation.models import RoomCounter
from tests.db import schema_at
from tests.governance.factories import PersonFactory, make_cooperative

BEFORE = [("deliberation", "0002_proposal_read")]
AFTER = [("deliberation", "0003_roomcounter_comment_count")]


@pytest.fixture
def executor(transactional_db: None) -> Iterator[MigrationExecutor]:
    with schema_at(BEFORE) as executor:
        yield executor


def test_existing_proposals_get_the_count_of_their_comments(executor: MigrationExecutor) -> None:
    # Only the deliberation app went back: the cooperative and people are made as today.
    cooperative = make_cooperative()
    author = PersonFactory()
    old = executor.loader.project_state(BEFORE).apps
    proposal_model = old.get_model("deliberation", "Proposal")
    comment_model = old.get_model("deliberation", "Comment")
    counter_model = old.get_model("deliberation", "RoomCounter")

    def proposal(title: str) -> object:
        return proposal_model.objects.create(
            cooperative_id=cooperative.pk, author_id=author.pk, title=title, body="<p>x</p>"
        )

    debated, without_row, quiet = proposal("Débattue"), proposal("Sans compteur"), proposal("Calme")
    counter_model.objects.create(proposal=debated, last_seq=7)
    counter_model.objects.create(proposal=quiet, last_seq=2)
    root = comment_model.objects.create(proposal=debated, author_id=author.pk, body="<p>a</p>")
    comment_model.objects.create(
        proposal=debated, author_id=author.pk, parent=root, depth=1, body="<p>b</p>"
    )
    comment_model.objects.create(
        proposal=debated,
        author_id=author.pk,
        body="<p>c</p>",
        hidden_at=timezone.now(),
        hidden_reason="Hors sujet",
    )
    comment_model.objects.create(
        proposal=debated, author_id=author.pk, body="", deleted_at=timezone.now()
    )
    comment_model.objects.create(proposal=without_row, author_id=author.pk, body="<p>d</p>")

    executor.loader.build_graph()
    executor.migrate(AFTER)

    rows = {row.proposal_id: (row.last_seq, row.comment_count) for row in RoomCounter.objects.all()}
    assert rows == {
        debated.pk: (7, 3),  # hidden ones count, deleted ones do not
        without_row.pk: (0, 1),
        quiet.pk: (2, 0),
    }
