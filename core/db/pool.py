"""A psycopg pool that answers at once while the database cannot be reached."""

from __future__ import annotations

import logging
from time import monotonic
from typing import Any

from psycopg.pq import ConnStatus
from psycopg_pool import ConnectionPool, PoolTimeout
from psycopg_pool.base import AttemptWithBackoff

logger = logging.getLogger(__name__)


class _SteadyAttempt(AttemptWithBackoff):
    """Reconnection attempts at a steady short interval instead of a doubling one, so that a
    database back after a long cut is found within one interval, not after minutes."""

    DELAY_BACKOFF = 1.0

    def __init__(self, *, timeout: float, interval: float) -> None:
        super().__init__(timeout=timeout)
        self.INITIAL_DELAY = interval


class ResilientConnectionPool(ConnectionPool):
    """The stock pool waits its whole `timeout` for a connection it cannot make, retries
    after ever longer delays, and backs off between dead connections it finds: after a
    database cut, requests hung for 10 s and the first ones after its return too.

    Here a failed connection attempt marks the database unreachable and at once fails the
    requests waiting (the view answers 503); while it is marked, requests wait at most
    `unreachable_timeout`; the pool tries again every `retry_interval` seconds, and the
    first connection made clears the mark. A busy pool with a reachable database still
    lets requests wait the whole `timeout`.
    """

    def __init__(
        self,
        *args: Any,
        unreachable_timeout: float = 1.0,
        retry_interval: float = 0.5,
        recheck_after: float = 1.0,
        **kwargs: Any,
    ) -> None:
        self.unreachable_timeout = unreachable_timeout
        self.recheck_after = recheck_after
        self.retry_interval = retry_interval
        self.unreachable = False
        super().__init__(*args, **kwargs)

    def getconn(self, timeout: float | None = None) -> Any:
        if timeout is None:
            timeout = self.timeout
        if self.unreachable:
            timeout = min(timeout, self.unreachable_timeout)
        return super().getconn(timeout)

    def _getconn_with_check_loop(self, deadline: float) -> Any:
        # The stock loop sleeps 1, 2, 4... seconds after each connection that fails its
        # check; a cut leaves every idle connection dead, so each is dropped at once here.
        failed_checks = 0
        while True:
            if self.unreachable:
                deadline = min(deadline, monotonic() + self.unreachable_timeout)
            conn = self._getconn_unchecked(deadline - monotonic())
            try:
                self._check_connection(conn)
            except Exception:
                self._putconn(conn, from_getconn=True)
                failed_checks += 1
                if failed_checks > self.max_size:
                    raise PoolTimeout("no pooled connection passed its check") from None
                continue
            except BaseException:
                self._putconn(conn, from_getconn=True)
                raise
            return conn

    def _check_connection(self, conn: Any) -> None:
        pooled_at = getattr(conn, "_pooled_at", None)
        if (
            pooled_at is not None
            and monotonic() - pooled_at < self.recheck_after
            and conn.pgconn.status == ConnStatus.OK
        ):
            return
        super()._check_connection(conn)

    def _add_to_pool(self, conn: Any) -> None:
        # The pool itself keeps its times on the connection (_created_at, _expire_at).
        conn._pooled_at = monotonic()
        super()._add_to_pool(conn)

    def _connect(self, timeout: float | None = None) -> Any:
        try:
            conn = super()._connect(timeout)
        except Exception:
            self._mark_unreachable()
            raise
        if self.unreachable:
            logger.warning("Database reachable again from pool %r", self.name)
            self.unreachable = False
        return conn

    def _mark_unreachable(self) -> None:
        with self._lock:
            if not self.unreachable:
                logger.warning("Database unreachable from pool %r", self.name)
            self.unreachable = True
            waiting = list(self._waiting)
            self._waiting.clear()
        for client in waiting:
            client.fail(PoolTimeout("the database cannot be reached"))

    def _add_connection(self, attempt: AttemptWithBackoff | None, growing: bool = False) -> None:
        if attempt is None:
            attempt = _SteadyAttempt(timeout=self.reconnect_timeout, interval=self.retry_interval)
        super()._add_connection(attempt, growing)
