"""A second connection to the test database, beside the one Django holds: it sees (and
waits for) the locks the test's own transactions take. PostgreSQL only."""

from __future__ import annotations

from typing import Any

from django.db import connection


def second_connection(*, autocommit: bool = True) -> Any:
    import psycopg

    settings = connection.settings_dict
    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings["USER"],
        host=settings["HOST"],
        port=settings["PORT"] or 5432,
        autocommit=autocommit,
    )
