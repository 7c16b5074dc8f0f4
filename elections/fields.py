"""A JSON column that gives back the object exactly as it was written."""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper


class ExactJSONField(models.JSONField[Any]):
    """JSON whose keys come back in the order they were written.

    Belenios' formats are checked in their exact form (a proof is `{"challenge": ...,
    "response": ...}` in that order, a signed message is compared byte for byte), and
    PostgreSQL's `jsonb` sorts an object's keys. On PostgreSQL the column is `json`, which
    keeps the text as sent; the value is sent as `json` and read back parsed in order.
    Nothing queries inside these columns, so `jsonb`'s operators are not missed."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(
        self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False
    ) -> Any:
        if connection.vendor == "postgresql" and value is not None:
            from psycopg.types.json import Json

            return Json(value, dumps=lambda obj: json.dumps(obj, cls=self.encoder))
        return super().get_db_prep_value(value, connection, prepared)

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        # psycopg parses a `json` column itself (Django asks it not to for `jsonb` only),
        # keeping the keys in their order.
        if value is not None and not isinstance(value, str):
            return value
        return super().from_db_value(value, expression, connection)
