"""insert_with and write_together: writes that succeed or fail together, in one statement
on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from core.models import AuditEntry, AuditHead
from core.sql import RowUpdate, insert_with, run_update

pytestmark = pytest.mark.django_db


def entry(pk: int, digest: str) -> AuditEntry:
    return AuditEntry(
        id=pk, created_at=timezone.now(), verb="test.done", prev_hash="0" * 64, hash=digest
    )


def test_the_row_is_inserted_and_the_other_updated() -> None:
    AuditHead.objects.update_or_create(
        pk=1, defaults={"last_hash": "0" * 64, "last_entry_id": None}
    )
    row = entry(1001, "a" * 64)
    insert_with(row, update=RowUpdate(AuditHead, 1, {"last_hash": "a" * 64, "last_entry_id": 1001}))
    assert AuditEntry.objects.get(pk=1001).hash == "a" * 64
    assert AuditHead.objects.values_list("last_hash", "last_entry_id").get(pk=1) == ("a" * 64, 1001)
    assert row._state.adding is False


def test_a_failed_insert_leaves_the_update_undone() -> None:
    AuditHead.objects.update_or_create(
        pk=1, defaults={"last_hash": "0" * 64, "last_entry_id": None}
    )
    entry(1001, "a" * 64).save(force_insert=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        insert_with(
            entry(1002, "a" * 64),  # the hash is unique
            update=(AuditHead.objects.filter(pk=1), {"last_hash": "b" * 64, "last_entry_id": 1002}),
        )
    assert AuditHead.objects.values_list("last_entry_id", flat=True).get(pk=1) is None


def test_a_key_the_database_gives_is_set_on_the_instance() -> None:
    from tests.voting.factories import cast, make_coop, make_vote

    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    vote = make_vote(coop)
    result = cast(coop.person("Workers"), vote, "for")
    assert result.ballot is not None and result.ballot.pk is not None
    assert result.ballot.__class__.objects.get(pk=result.ballot.pk).roll_entry.has_voted is True


@pytest.mark.parametrize("with_key", [True, False])
def test_the_insert_is_the_one_the_orm_compiler_writes(with_key: bool) -> None:
    from core.sql import _compiled_insert, _insert_sql
    from tests.voting.factories import cast, make_coop, make_vote

    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    ballot = cast(coop.person("Workers"), make_vote(coop), "for").ballot
    assert ballot is not None
    rows = [entry(1001, "a" * 64), ballot]
    for row in rows:
        if not with_key:
            row.pk = None
        sql, params, returning = _insert_sql(row)
        compiled_sql, compiled_params, compiled_returning = _compiled_insert(row)
        assert (sql, returning) == (compiled_sql, compiled_returning)
        assert [str(p) for p in params] == [str(p) for p in compiled_params]


def test_a_locking_read_rides_in_the_insert_and_its_row_is_returned() -> None:
    from core.audit import audit_verify, head_lock
    from tests.voting.factories import cast, make_coop, make_vote

    coop = make_coop({"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1})
    vote = make_vote(coop)
    cast(coop.person("Workers", 0), vote, "for")
    ballot = cast(coop.person("Workers", 1), vote, "for").ballot
    assert ballot is not None
    row = entry(10_001, "c" * 64)
    lock = head_lock()
    if lock is None:
        pytest.skip("the locking read rides in the insert on PostgreSQL only")
    # The head as the second ballot's audit entry left it.
    expected = AuditHead.objects.values_list("last_hash", "last_entry_id").get(pk=1)
    with transaction.atomic():
        got = insert_with(
            row, update=RowUpdate(AuditHead, 0, {"last_entry_id": None}), lock_first=lock
        )
    assert got == expected
    assert AuditEntry.objects.filter(pk=10_001).exists()
    AuditEntry.objects.filter(pk=10_001).delete()
    assert audit_verify().ok


def test_a_locking_read_that_finds_nothing_returns_none() -> None:
    from core.audit import head_lock

    lock = head_lock()
    if lock is None:
        pytest.skip("the locking read rides in the insert on PostgreSQL only")
    AuditHead.objects.all().delete()
    got = insert_with(
        entry(10_002, "d" * 64),
        update=(AuditHead.objects.filter(pk=0), {"last_entry_id": None}),
        lock_first=lock,
    )
    assert got is None
    assert AuditEntry.objects.filter(pk=10_002).exists()


def _head(last_hash: str = "0" * 64, last_id: int | None = None) -> None:
    AuditHead.objects.update_or_create(
        pk=1, defaults={"last_hash": last_hash, "last_entry_id": last_id}
    )


def test_write_together_runs_every_write_in_one_statement_on_postgresql() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from core.sql import write_together

    _head()
    first, second = entry(2001, "e" * 64), entry(2002, "f" * 64)
    with CaptureQueriesContext(connection) as captured, transaction.atomic(savepoint=False):
        write_together(
            updates=[
                (AuditHead.objects.filter(pk=1), {"last_hash": "f" * 64, "last_entry_id": 2002})
            ],
            inserts=[first, second],
        )
    written = [q for q in captured if "SAVEPOINT" not in q["sql"]]
    assert len(written) == (1 if connection.vendor == "postgresql" else 3)
    assert set(AuditEntry.objects.filter(pk__in=(2001, 2002)).values_list("hash", flat=True)) == {
        "e" * 64,
        "f" * 64,
    }
    assert AuditHead.objects.values_list("last_hash", "last_entry_id").get(pk=1) == ("f" * 64, 2002)
    assert first._state.adding is False and second._state.adding is False


def test_write_together_fails_whole_when_one_write_fails() -> None:
    from core.sql import write_together

    _head()
    entry(2001, "e" * 64).save(force_insert=True)
    with pytest.raises(IntegrityError), transaction.atomic():
        write_together(
            updates=[
                (AuditHead.objects.filter(pk=1), {"last_hash": "g" * 64, "last_entry_id": 2003})
            ],
            inserts=[entry(2002, "h" * 64), entry(2003, "e" * 64)],  # the hash is unique
        )
    assert AuditHead.objects.values_list("last_entry_id", flat=True).get(pk=1) is None
    assert not AuditEntry.objects.filter(pk__in=(2002, 2003)).exists()


def _orm_update(update: RowUpdate) -> tuple[str, list[Any]]:
    from core.sql import _update_sql

    return _update_sql((update.model.objects.filter(pk=update.pk), update.values))


def _plain(param: Any) -> Any:
    """A parameter as a value that compares: a database's binary wrapper unwrapped."""
    wrapped = getattr(param, "obj", None)
    return bytes(wrapped) if isinstance(wrapped, bytes | memoryview) else param


def test_a_row_update_is_the_one_the_orm_compiler_writes() -> None:
    from core.sql import _row_update_sql
    from tests.voting.factories import cast, make_coop, make_vote
    from voting.models import RollEntry

    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    result = cast(coop.person("Workers"), make_vote(coop), "for")
    marks = {"has_voted": True, "voted_at": timezone.now(), "voted_via_proxy": False}
    for update in (
        RowUpdate(RollEntry, result.roll_entry.pk, marks),
        # Binary data and a text column, as a secret ballot's mark writes them.
        RowUpdate(
            RollEntry, result.roll_entry.pk, {"sealed_ballot": b"\x00sealed", "tracker": "T"}
        ),
        RowUpdate(AuditHead, 1, {"last_hash": "b" * 64, "last_entry_id": 7}),
        RowUpdate(AuditHead, 1, {"last_entry_id": None}),
    ):
        keyed = _row_update_sql(update)
        assert keyed is not None
        sql, params = keyed
        orm_sql, orm_params = _orm_update(update)
        assert sql == orm_sql
        assert [_plain(p) for p in params] == [_plain(p) for p in orm_params]


def test_a_row_update_with_an_expression_goes_through_the_compiler() -> None:
    from core.sql import _row_update_sql, _update_sql

    _head(last_id=5)
    update = RowUpdate(AuditHead, 1, {"last_entry_id": F("last_entry_id") + 1})
    assert _row_update_sql(update) is None
    assert _update_sql(update) == _orm_update(update)
    run_update(update)
    assert AuditHead.objects.get(pk=1).last_entry_id == 6
