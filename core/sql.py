"""Fewer round trips on the hottest write paths (an audit entry, a ballot), and queue claims
whose cost does not grow with the queue."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from django.db import connection, models
from django.db.models.sql import InsertQuery, UpdateQuery


def insert_with(
    instance: models.Model,
    *,
    update: models.QuerySet[Any],
    lock_first: tuple[str, list[Any]] | None = None,
    **values: Any,
) -> tuple[Any, ...] | None:
    """Insert `instance` and `update.update(**values)` in one statement.

    On PostgreSQL the ORM's UPDATE rides in front of the ORM's INSERT as a data-modifying
    WITH clause, which runs whether or not the INSERT reads it; both succeed or fail
    together. Elsewhere they are two statements. As with `save(force_insert=True)`, the
    fields' pre_save hooks run and a primary key the database gives is set on `instance`;
    unlike it, no save signals are sent, so use it only for models without receivers.

    With `lock_first`, a locking SELECT of one row (its SQL and parameters) rides in the
    same statement on PostgreSQL, and its row (or None when it found none) is returned:
    the ballot takes the audit chain's head this way (core.audit.head_lock) instead of in
    a round trip of its own. Elsewhere it returns None and the caller locks as usual.
    """
    if connection.vendor != "postgresql":
        instance.save(force_insert=True)
        update.update(**values)
        return None
    write, write_params = _update_sql(update, values)
    insert, insert_params, returning = _insert_sql(instance)
    locked: tuple[Any, ...] | None = None
    with connection.cursor() as cursor:
        if lock_first is None:
            sql = f"WITH written AS ({write}) {insert}"
            cursor.execute(sql, [*write_params, *insert_params])
            row = cursor.fetchone() if returning else None
        else:
            # The locking read is a WITH item of its own, read back by the final SELECT;
            # the two writes run whether or not it finds its row.
            lock_sql, lock_params = lock_first
            returned = insert if returning else f"{insert} RETURNING 1"
            sql = (
                f"WITH locked AS ({lock_sql}), written AS ({write}), inserted AS ({returned})"
                " SELECT inserted.*, locked.* FROM inserted LEFT JOIN locked ON true"
            )
            cursor.execute(sql, [*lock_params, *write_params, *insert_params])
            fetched = cursor.fetchone()
            assert fetched is not None, "the INSERT returns its row"
            row = fetched[: len(returning)]
            tail = fetched[max(1, len(returning)) :]
            locked = None if all(value is None for value in tail) else tuple(tail)
    for field, value in zip(returning, row or (), strict=False):
        setattr(instance, field.attname, value)
    instance._state.adding = False
    instance._state.db = connection.alias
    return locked


def write_together(
    *,
    updates: Sequence[tuple[models.QuerySet[Any], dict[str, Any]]],
    inserts: Sequence[models.Model],
) -> None:
    """Run `queryset.update(**values)` for each of `updates` and insert each of `inserts`
    (rows whose primary key is set: nothing comes back), in one statement on PostgreSQL.

    There every write but the last insert rides in front of it as a data-modifying WITH
    item; they all run, on the statement's one snapshot, and succeed or fail together. So
    no write may depend on another's effect: each touches rows of its own. Elsewhere they
    are one statement each, the updates first. No save signals are sent (see
    `insert_with`)."""
    assert inserts and all(row.pk is not None for row in inserts), "rows with their keys"
    if connection.vendor != "postgresql":
        for queryset, values in updates:
            queryset.update(**values)
        for row in inserts:
            row.save(force_insert=True)
        return
    parts: list[str] = []
    params: list[Any] = []
    for queryset, values in updates:
        sql, update_params = _update_sql(queryset, values)
        parts.append(f"u{len(parts)} AS ({sql})")
        params.extend(update_params)
    for row in inserts[:-1]:
        sql, insert_params, _returning = _insert_sql(row)
        parts.append(f"u{len(parts)} AS ({sql})")
        params.extend(insert_params)
    last, last_params, _returning = _insert_sql(inserts[-1])
    sql = f"WITH {', '.join(parts)} {last}" if parts else last
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *last_params])
    for row in inserts:
        row._state.adding = False
        row._state.db = connection.alias


def read_in_index_order() -> None:
    """For the rest of the current transaction, have PostgreSQL take ordered rows from an
    index instead of sorting every row that matches.

    A queue's claim (``ORDER BY due, id LIMIT n FOR UPDATE SKIP LOCKED``) must cost the same
    with ten rows waiting or a hundred thousand. When its statistics say few rows wait, the
    planner reads and sorts all of them, joins included; a backlog grows faster than
    ANALYZE follows it, so that is exactly when the backlog is large. Measured with 10,000
    webhook messages waiting: 45 ms a claim by sorting, 0.3 ms walking the index. The claim
    needs an index that gives its whole order; the transaction's other statements should
    be lookups by key. A no-op on other databases."""
    assert connection.in_atomic_block, "SET LOCAL lasts for a transaction: open one first"
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")


def _update_sql(queryset: models.QuerySet[Any], values: dict[str, Any]) -> tuple[str, list[Any]]:
    """The UPDATE `queryset.update(**values)` runs, and its parameters."""
    change: Any = queryset.query.chain(UpdateQuery)
    change.add_update_values(values)
    updating = change.get_compiler(connection=connection)
    updating.pre_sql_setup()
    sql, params = updating.as_sql()
    return sql, list(params)


def _insert_sql(instance: models.Model) -> tuple[str, list[Any], list[Any]]:
    """The INSERT of `instance` as the ORM writes it, its parameters and the fields it
    returns. The statement's text depends only on the model and on whether the primary
    key is set, so it is compiled once per shape; the values go through the fields'
    pre_save and database preparation, as the ORM's compiler takes them."""
    shape = _insert_shape(type(instance), instance.pk is not None, connection.alias)
    if shape is None:
        return _compiled_insert(instance)
    sql, fields, returning = shape
    values = [field.pre_save(instance, True) for field in fields]
    if any(hasattr(value, "resolve_expression") for value in values):
        return _compiled_insert(instance)
    params = [
        field.get_db_prep_save(value, connection=connection)
        for field, value in zip(fields, values, strict=True)
    ]
    return sql, params, list(returning)


def _insert_fields(model: type[models.Model], pk_set: bool) -> list[Any]:
    meta = model._meta
    return [
        field
        for field in meta.local_concrete_fields
        if not field.generated and (pk_set or field is not meta.auto_field)
    ]


@lru_cache(maxsize=64)
def _insert_shape(
    model: type[models.Model], pk_set: bool, alias: str
) -> tuple[str, tuple[Any, ...], tuple[Any, ...]] | None:
    """The compiled INSERT of one row of `model`, or None when a field writes a
    placeholder of its own (the compiler is then asked every time)."""
    fields = _insert_fields(model, pk_set)
    if any(hasattr(field, "get_placeholder") for field in fields):
        return None
    quote = connection.ops.quote_name
    returning: tuple[Any, ...] = () if pk_set else tuple(model._meta.db_returning_fields)
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)}"
        f" ({', '.join(quote(field.column) for field in fields)})"
        f" VALUES ({', '.join('%s' for _ in fields)})"
    )
    if returning:
        sql += " RETURNING " + ", ".join(
            f"{quote(model._meta.db_table)}.{quote(str(field.column))}" for field in returning
        )
    return sql, tuple(fields), returning


def _compiled_insert(instance: models.Model) -> tuple[str, list[Any], list[Any]]:
    meta = instance._meta
    pk_set = instance.pk is not None
    fields = _insert_fields(type(instance), pk_set)
    query = InsertQuery(type(instance))
    query.insert_values(fields, [instance])
    inserting: Any = query.get_compiler(connection=connection)
    returning = [] if pk_set else list(meta.db_returning_fields)
    inserting.returning_fields = returning
    [(insert, insert_params)] = inserting.as_sql()
    return insert, list(insert_params), returning
