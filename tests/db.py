"""The test database seen from elsewhere: a second connection beside the one Django holds
(it sees, and waits for, the locks the test's own transactions take; PostgreSQL only),
jobs raced in threads of their own, and the schema taken back to an earlier migration."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from core.errors import DomainError


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


def race(work: list[Callable[[], Any]], *, seconds: float = 120) -> list[str]:
    """Run each callable in its own thread, connection and durable transaction, all
    released at once; each outcome is "ok", the domain error's code, or any other
    error's repr (in the order they end)."""
    start = threading.Barrier(len(work))
    outcomes: list[str] = []

    def run(job: Callable[[], Any]) -> None:
        start.wait()
        try:
            with transaction.atomic(durable=True):
                job()
            outcomes.append("ok")
        except DomainError as exc:
            outcomes.append(exc.code)
        except Exception as exc:  # noqa: BLE001 - reported as the outcome
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in work]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds)
    return outcomes


@contextmanager
def schema_at(targets: list[tuple[str, str]]) -> Iterator[MigrationExecutor]:
    """The test database migrated back to `targets` (with a transactional database), and
    forward again to the code's schema on the way out, whatever happens: later tests
    find the schema of the code."""
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    executor.loader.build_graph()
    try:
        yield executor
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
