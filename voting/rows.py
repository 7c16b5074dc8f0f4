"""Hand-written reads of the casting path: related rows loaded from prefixed columns."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import connection, connections, models

# The plan of each statement `fetch_instances` ran, by model, text and database alias.
STATEMENT_PLANS_KEPT = 256
_statement_plans: dict[tuple[type[models.Model], str, str], _Plan] = {}


def fetch_instances[M: models.Model](model: type[M], sql: str, params: Sequence[Any]) -> list[M]:
    """Run a hand-written SELECT and build `model` instances from its rows, as
    `Model.objects.raw` does: columns of the model's fields become fields (through the
    fields' database converters), any other column an attribute of that name, and fields
    not selected load on access.

    `raw()` works out which column is which for every query it runs; this works it out
    once per statement, which matters on the path every ballot takes: a statement's text
    fixes its columns, so even the cursor's description (a Python object per column) is
    read only the first time."""
    key = (model, sql, connection.alias)
    with connection.cursor() as cursor:
        cursor.execute(sql, list(params))
        rows = cursor.fetchall()
        plan = _statement_plans.get(key)
        if plan is None:
            plan = _plan(model, tuple(column[0] for column in cursor.description), key[2])
            if len(_statement_plans) >= STATEMENT_PLANS_KEPT:
                _statement_plans.clear()
            _statement_plans[key] = plan
    instances = []
    for row in rows:
        values = [row[position] for position in plan.positions]
        for index, converters, expression in plan.converters:
            for convert in converters:
                values[index] = convert(values[index], expression, connection)
        instance = model.from_db(connection.alias, plan.attnames, values)
        for position, name in plan.extras:
            instance.__dict__[name] = row[position]
        instances.append(instance)
    return instances


@dataclass(frozen=True)
class _Plan:
    attnames: tuple[str, ...]  # the selected fields, in the model's field order
    positions: tuple[int, ...]  # where each is in the row
    converters: tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]
    extras: tuple[tuple[int, str], ...]  # columns that are not fields of the model


def _plan(model: type[models.Model], columns: tuple[str, ...], alias: str) -> _Plan:
    db = connections[alias]
    position = {name: index for index, name in enumerate(columns)}
    fields: list[Any] = [f for f in model._meta.concrete_fields if f.column in position]
    converters = _converters(model, fields, db)
    known = {field.column for field in fields}
    return _Plan(
        attnames=tuple(field.attname for field in fields),
        positions=tuple(position[field.column] for field in fields),
        converters=converters,
        extras=tuple((i, name) for i, name in enumerate(columns) if name not in known),
    )


def own_columns(model: type[models.Model], alias: str) -> str:
    """SELECT items for every column of `model`'s table aliased `alias`, named as
    `SELECT alias.*` would name them but listed: a statement prepared on a connection
    (config.settings, DATABASE_PREPARE_THRESHOLD) then keeps its shape when a later
    migration adds a column."""
    quote = connection.ops.quote_name
    return ", ".join(f"{alias}.{quote(str(field.column))}" for field in model._meta.concrete_fields)


def related_columns(model: type[models.Model], alias: str, names: Sequence[str]) -> str:
    """SELECT items for some fields of a joined table, named `<alias>__<field>`."""
    quote = connection.ops.quote_name
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    return ", ".join(
        f"{alias}.{quote(field.column)} AS {alias}__{name}"
        for field, name in zip(fields, names, strict=True)
    )


def attach_related(
    instance: models.Model,
    field_name: str,
    model: type[models.Model],
    alias: str,
    names: Sequence[str],
) -> models.Model | None:
    """Build the related object from the columns `related_columns` selected (the fields not
    selected load on access, as with QuerySet.only), cache it on `instance` as `field_name`
    and drop the columns from the instance. A null key caches None."""
    related = pop_related(instance, model, alias, names)
    field: Any = instance._meta.get_field(field_name)
    field.set_cached_value(instance, related)
    return related


def pop_related(
    instance: models.Model, model: type[models.Model], alias: str, names: Sequence[str]
) -> Any:
    """The `model` instance whose columns `related_columns` selected, built as
    `fetch_instances` builds its rows (through the fields' database converters), the
    columns dropped from `instance`; None when its first column (its key) is null."""
    values = instance.__dict__
    row = [values.pop(f"{alias}__{name}") for name in names]
    if row[0] is None:
        return None
    plan = _related_plan(model, tuple(names), connection.alias)
    for index, converters, expression in plan.converters:
        for convert in converters:
            row[index] = convert(row[index], expression, connection)
    return model.from_db(connection.alias, plan.attnames, row)


@lru_cache(maxsize=64)
def _related_plan(model: type[models.Model], names: tuple[str, ...], alias: str) -> _Plan:
    db = connections[alias]
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    return _Plan(
        attnames=tuple(field.attname for field in fields),
        positions=tuple(range(len(fields))),
        converters=_converters(model, fields, db),
        extras=(),
    )


def _converters(
    model: type[models.Model], fields: list[Any], db: Any
) -> tuple[tuple[int, tuple[Callable[..., Any], ...], Any], ...]:
    """The database converters of each field that has some, by its position in `fields`."""
    converters = []
    for index, field in enumerate(fields):
        expression = field.get_col(model._meta.db_table)
        found = db.ops.get_db_converters(expression) + expression.get_db_converters(db)
        if found:
            converters.append((index, tuple(found), expression))
    return tuple(converters)
