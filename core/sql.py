"""Fewer round trips on the hottest write paths (an audit entry, a ballot)."""

from __future__ import annotations

from typing import Any

from django.db import connection, models
from django.db.models.sql import InsertQuery, UpdateQuery


def insert_with(instance: models.Model, *, update: models.QuerySet[Any], **values: Any) -> None:
    """Insert `instance` and `update.update(**values)` in one statement.

    On PostgreSQL the ORM's UPDATE rides in front of the ORM's INSERT as a data-modifying
    WITH clause, which runs whether or not the INSERT reads it; both succeed or fail
    together. Elsewhere they are two statements. As with `save(force_insert=True)`, the
    fields' pre_save hooks run and a primary key the database gives is set on `instance`;
    unlike it, no save signals are sent, so use it only for models without receivers.
    """
    if connection.vendor != "postgresql":
        instance.save(force_insert=True)
        update.update(**values)
        return
    change: Any = update.query.chain(UpdateQuery)
    change.add_update_values(values)
    updating = change.get_compiler(connection=connection)
    updating.pre_sql_setup()
    write, write_params = updating.as_sql()

    meta = instance._meta
    pk_set = instance.pk is not None
    fields = [
        field
        for field in meta.local_concrete_fields
        if not field.generated and (pk_set or field is not meta.auto_field)
    ]
    query = InsertQuery(type(instance))
    query.insert_values(fields, [instance])
    inserting: Any = query.get_compiler(connection=connection)
    returning = [] if pk_set else list(meta.db_returning_fields)
    inserting.returning_fields = returning
    [(insert, insert_params)] = inserting.as_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"WITH written AS ({write}) {insert}", [*write_params, *insert_params])
        row = cursor.fetchone() if returning else None
    for field, value in zip(returning, row or (), strict=False):
        setattr(instance, field.attname, value)
    instance._state.adding = False
    instance._state.db = connection.alias
