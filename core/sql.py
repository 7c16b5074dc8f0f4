"""Fewer round trips on the hottest write paths (an audit entry, a ballot), and queue claims
whose cost does not grow with the queue."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import connection, models, transaction
from django.db.models.sql import InsertQuery, UpdateQuery
from django.db.transaction import TransactionManagementError


@dataclass(frozen=True, slots=True)
class RowUpdate:
    """What ``model.objects.filter(pk=pk).update(**values)`` writes, without a queryset:
    its statement is compiled once per model and set of columns, not on every write, and
    plain values are prepared as the ORM's compiler prepares them. A value the statement
    cannot hold as a plain parameter (an expression, a model instance, a field with a
    placeholder of its own) goes through the compiler instead."""

    model: type[models.Model]
    pk: Any
    values: dict[str, Any]


# An update of one row (RowUpdate), or of a queryset's rows with these values.
type Update = RowUpdate | tuple[models.QuerySet[Any], dict[str, Any]]


def run_update(update: Update) -> None:
    """Run `update` as a statement of its own."""
    if isinstance(update, RowUpdate):
        update.model._default_manager.filter(pk=update.pk).update(**update.values)
    else:
        queryset, values = update
        queryset.update(**values)


def insert_with(
    instance: models.Model,
    *,
    update: Update,
    lock_first: tuple[str, list[Any]] | None = None,
) -> tuple[Any, ...] | None:
    """Insert `instance` and run `update` in one statement.

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
        run_update(update)
        return None
    write, write_params = _update_sql(update)
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
    updates: Sequence[Update],
    inserts: Sequence[models.Model],
) -> None:
    """Run each of `updates` and insert each of `inserts`
    (rows whose primary key is set: nothing comes back), in one statement on PostgreSQL.

    There every write but the last insert rides in front of it as a data-modifying WITH
    item; they all run, on the statement's one snapshot, and succeed or fail together. So
    no write may depend on another's effect: each touches rows of its own. Elsewhere they
    are one statement each, the updates first. No save signals are sent (see
    `insert_with`).

    Called directly in a `transaction_ending_with_write` block on PostgreSQL, the
    statement is sent with that transaction's COMMIT."""
    assert inserts and all(row.pk is not None for row in inserts), "rows with their keys"
    if connection.vendor != "postgresql":
        for update in updates:
            run_update(update)
        for row in inserts:
            row.save(force_insert=True)
        return
    parts: list[str] = []
    params: list[Any] = []
    for update in updates:
        sql, update_params = _update_sql(update)
        parts.append(f"u{len(parts)} AS ({sql})")
        params.extend(update_params)
    for row in inserts[:-1]:
        sql, insert_params, _returning = _insert_sql(row)
        parts.append(f"u{len(parts)} AS ({sql})")
        params.extend(insert_params)
    last, last_params, _returning = _insert_sql(inserts[-1])
    sql = f"WITH {', '.join(parts)} {last}" if parts else last
    closing = _closing.get()
    if closing is not None and closing.takes_write():
        closing.hold(sql, [*params, *last_params])
    else:
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *last_params])
    for row in inserts:
        row._state.adding = False
        row._state.db = connection.alias


class _ClosingWrite:
    """The write that ends a `transaction_ending_with_write` block, held until the block
    ends so that it goes with the COMMIT."""

    def __init__(self) -> None:
        self.block: Any = connection.atomic_blocks[-1]
        self.sql: str | None = None
        self.params: list[Any] = []

    def takes_write(self) -> bool:
        # Only the block's own transaction, never one it joined (a test's, say), and no
        # savepoint (an inner block without one leaves None there): the COMMIT ends it all.
        outermost = connection.atomic_blocks[0] is self.block
        return outermost and not any(connection.savepoint_ids)

    def hold(self, sql: str, params: list[Any]) -> None:
        if self.sql is not None:
            raise TransactionManagementError("A transaction ends with one write, not two.")
        self.sql, self.params = sql, params

    def refuse_after_write(
        self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any
    ) -> Any:
        if self.sql is not None:
            raise TransactionManagementError(
                "A statement after the write that ends the transaction: it would run first."
            )
        return execute(sql, params, many, context)

    def send(self) -> None:
        if self.sql is None or connection.needs_rollback:
            return
        from django.db.backends.postgresql import base

        # Two statements in one message need the simple query protocol: the parameters
        # are bound here, by psycopg, as Django binds them without server-side binding.
        client_binding: Any = base.Cursor
        django_connection: Any = connection
        raw = client_binding(connection.connection)
        with django_connection._prepare_cursor(raw) as cursor:
            cursor.execute(f"{self.sql}; COMMIT", self.params)


_closing: ContextVar[_ClosingWrite | None] = ContextVar("collegia_closing_write", default=None)


@contextmanager
def transaction_ending_with_write() -> Iterator[None]:
    """A durable transaction whose last write, made by `write_together`, is sent with its
    COMMIT in one round trip on PostgreSQL (elsewhere, a plain durable transaction).

    A ballot locks the audit chain's head, which every audited write waits for, from its
    first read to its commit. Sent alone, the last write left the head held for one more
    round trip, and for as long as the request's thread then waited for the interpreter
    before it could send the COMMIT: the ballots queued behind it. Measured with 16
    clients casting: the head was held about 3 ms between that write and the COMMIT.

    The write is held back until the block ends, so nothing may run after it: a
    statement after it raises TransactionManagementError, and the transaction rolls back.
    An error before the end sends nothing and rolls back as usual. On-commit callbacks
    run after the COMMIT, as always.
    """
    with transaction.atomic(durable=True):
        if connection.vendor != "postgresql":
            yield
            return
        closing = _ClosingWrite()
        token = _closing.set(closing)
        try:
            with connection.execute_wrapper(closing.refuse_after_write):
                yield
        finally:
            _closing.reset(token)
        closing.send()


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


def _update_sql(update: Update) -> tuple[str, list[Any]]:
    """The UPDATE `update` runs, and its parameters."""
    if isinstance(update, RowUpdate):
        keyed = _row_update_sql(update)
        if keyed is not None:
            return keyed
        queryset, values = update.model._default_manager.filter(pk=update.pk), update.values
    else:
        queryset, values = update
    change: Any = queryset.query.chain(UpdateQuery)
    change.add_update_values(values)
    updating = change.get_compiler(connection=connection)
    updating.pre_sql_setup()
    sql, params = updating.as_sql()
    return sql, list(params)


def _row_update_sql(update: RowUpdate) -> tuple[str, list[Any]] | None:
    """The compiler's UPDATE of one row by its key, from the statement compiled for its
    model and columns; None when a value needs the compiler itself."""
    shape = _update_shape(update.model, tuple(update.values), connection.alias)
    if shape is None:
        return None
    sql, fields, key = shape
    params = []
    for field, value in zip(fields, update.values.values(), strict=True):
        if hasattr(value, "resolve_expression") or hasattr(value, "prepare_database_save"):
            return None
        prepared = field.get_db_prep_save(value, connection=connection)
        wrap = getattr(field, "get_placeholder_sql", None)
        # A field may wrap its parameter (binary data does on some databases); the shape
        # holds only where it is the parameter itself.
        if wrap is not None and wrap(prepared, None, connection) != ("%s", (prepared,)):
            return None
        params.append(prepared)
    params.append(key.get_db_prep_value(update.pk, connection, prepared=False))
    return sql, params


@lru_cache(maxsize=64)
def _update_shape(
    model: type[models.Model], names: tuple[str, ...], alias: str
) -> tuple[str, tuple[Any, ...], Any] | None:
    """`UPDATE table SET a = %s, ... WHERE table.pk = %s`, as the compiler writes it for a
    queryset filtered on the primary key, with the fields set and the key field; None
    when a field is not a plain column of the model's own table."""
    meta = model._meta
    fields: list[models.Field[Any, Any]] = []
    for name in names:
        field = meta.get_field(name)
        if not isinstance(field, models.Field) or not field.concrete:
            return None
        if field.model._meta.concrete_model is not meta.concrete_model:
            return None
        fields.append(field)
    if not fields or meta.pk is None:
        return None
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
    sql = f"UPDATE {table} SET {columns} WHERE {table}.{quote(str(meta.pk.column))} = %s"
    return sql, tuple(fields), meta.pk


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
    if any(
        hasattr(field, "get_placeholder_sql") or hasattr(field, "get_placeholder")
        for field in fields
    ):
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
