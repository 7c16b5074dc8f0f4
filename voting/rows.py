"""Hand-written reads of the casting path: related rows loaded from prefixed columns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection, models


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
    values = instance.__dict__
    row = [values.pop(f"{alias}__{name}") for name in names]
    related: Any = None
    if row[0] is not None:
        fields: list[Any] = [model._meta.get_field(name) for name in names]
        related = model.from_db(connection.alias, [field.attname for field in fields], row)
    field: Any = instance._meta.get_field(field_name)
    field.set_cached_value(instance, related)
    return related
