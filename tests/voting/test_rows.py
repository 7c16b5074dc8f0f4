"""Hand-written reads of the casting path build the same instances the ORM would."""

from __future__ import annotations

import pytest
from django.db.models import Model

from tests.voting.factories import make_coop, make_vote
from voting.models import RollEntry, Vote, VoteMethod
from voting.rows import fetch_instances

pytestmark = pytest.mark.django_db

SMALL = {"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1}


def field_values(instance: Model) -> dict[str, object]:
    return {f.attname: getattr(instance, f.attname) for f in instance._meta.concrete_fields}


def test_every_field_reads_as_through_the_orm_converters_included() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, method=VoteMethod.APPROVAL)
    [fetched] = fetch_instances(
        Vote, f"SELECT * FROM {Vote._meta.db_table} WHERE id = %s", [vote.pk]
    )
    expected = Vote.objects.get(pk=vote.pk)
    assert field_values(fetched) == field_values(expected)
    assert fetched.options == ["A", "B", "C"]
    assert fetched.opened_at is not None and fetched.opened_at.tzinfo is not None
    assert fetched._state.adding is False


def test_other_columns_become_attributes_and_unselected_fields_load_on_access() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    table = RollEntry._meta.db_table
    rows = fetch_instances(
        RollEntry,
        f"SELECT r.id, r.member_id, 7 AS lucky FROM {table} r WHERE r.vote_id = %s ORDER BY r.id",
        [vote.pk],
    )
    assert len(rows) == 5
    first = rows[0]
    assert first.lucky == 7  # type: ignore[attr-defined]
    assert first.get_deferred_fields() >= {"has_voted", "vote_id"}
    assert first.has_voted is False
    assert first.vote_id == vote.pk


def test_a_statement_reads_its_columns_once_and_each_text_keeps_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.db import connection

    coop = make_coop(SMALL)
    vote = make_vote(coop)
    table = RollEntry._meta.db_table
    in_order = f"SELECT r.id, r.member_id, 1 AS mark FROM {table} r WHERE r.vote_id = %s"
    swapped = f"SELECT r.member_id, r.id, 2 AS mark FROM {table} r WHERE r.vote_id = %s"
    fetch_instances(RollEntry, in_order, [vote.pk])
    with connection.cursor() as probe:
        cursor_class = type(probe.cursor)
    reads: list[int] = []
    description = cursor_class.description

    def counted(self: object) -> object:
        reads.append(1)
        return description.__get__(self)

    monkeypatch.setattr(cursor_class, "description", property(counted))
    again = fetch_instances(RollEntry, in_order, [vote.pk])
    assert reads == []
    # Another text, the same columns in another order: read afresh, and read right.
    other = fetch_instances(RollEntry, swapped, [vote.pk])
    assert len(reads) == 1
    by_id = {entry.pk: entry for entry in again}
    assert {entry.pk: entry.member_id for entry in other} == {
        pk: entry.member_id for pk, entry in by_id.items()
    }
    assert {entry.mark for entry in other} == {2}  # type: ignore[attr-defined]
