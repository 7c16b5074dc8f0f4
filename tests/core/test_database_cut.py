"""A database cut through a TCP proxy the test controls: 503 service_busy at once while
it lasts, never a 500, and service back as soon as the database returns."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from rest_framework.test import APIClient

from core.db.pool import ResilientConnectionPool
from tests.governance.factories import PersonFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# Larger than DATABASE_POOL_TIMEOUT's default, so that a request left to wait for the
# whole pool timeout cannot pass for a quick answer.
POOL_TIMEOUT = 20.0


class Proxy:
    """Forwards 127.0.0.1:<port> to the database; `cut()` drops every connection and
    refuses new ones, `restore()` accepts again on the same port."""

    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.lock = threading.Lock()
        self.sockets: list[socket.socket] = []
        self.listener: socket.socket | None = None
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = int(probe.getsockname()[1])

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        if self.listener is not None:
            # shutdown() wakes the thread blocked in accept(), which close() alone would
            # not, leaving the port taken.
            with contextlib.suppress(OSError):
                self.listener.shutdown(socket.SHUT_RDWR)
            self.listener.close()
            self.listener = None
        with self.lock:
            sockets, self.sockets = self.sockets, []
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        for sock in sockets:
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                server = socket.create_connection(self.upstream, timeout=5)
            except OSError:
                client.close()
                continue
            server.settimeout(None)
            with self.lock:
                self.sockets += [client, server]
            for source, target in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, target), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:
            # shutdown() before close(): the other direction's thread may be blocked in
            # recv() on the same socket, and close() alone would leave the database's side
            # of the connection open.
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
            for sock in (source, target):
                sock.close()


@pytest.fixture
def through_proxy() -> Iterator[Proxy]:
    """Point the default database at a proxy, with a fresh pool built from the settings."""
    settings_dict = connection.settings_dict
    proxy = Proxy((settings_dict["HOST"] or "127.0.0.1", int(settings_dict["PORT"] or 5432)))
    proxy.restore()
    saved = (settings_dict["HOST"], settings_dict["PORT"], settings_dict["OPTIONS"]["pool"])
    connection.close()
    connection.close_pool()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(proxy.port)
    settings_dict["OPTIONS"]["pool"] = {**saved[2], "timeout": POOL_TIMEOUT}
    try:
        yield proxy
    finally:
        connection.close()
        connection.close_pool()
        proxy.cut()
        settings_dict["HOST"], settings_dict["PORT"], settings_dict["OPTIONS"]["pool"] = saved


def _get(client: Client, path: str) -> Any:
    """One request with the connection handling of a served one: the test client leaves
    close_old_connections out, so that a test's transaction survives; a server runs it
    before and after each request, which gives the connection back to the pool."""
    close_old_connections()
    try:
        return client.get(path)
    finally:
        close_old_connections()


def _timed_get(client: Client, path: str) -> tuple[Any, float]:
    started = time.monotonic()
    answer = _get(client, path)
    return answer, time.monotonic() - started


def test_the_pool_is_the_checking_resilient_one() -> None:
    assert isinstance(connection.pool, ResilientConnectionPool)
    assert connection.pool._check == ResilientConnectionPool.check_connection
    assert connection.settings_dict["OPTIONS"]["connect_timeout"] <= 2


def test_a_database_cut_answers_503_at_once_and_service_resumes(through_proxy: Proxy) -> None:
    person = PersonFactory()
    client = APIClient()
    client.force_authenticate(person)

    answer, _ = _timed_get(client, "/api/v1/notifications/")
    assert answer.status_code == 200
    assert connection.pool is not None and connection.pool.get_stats()["pool_size"] >= 1

    pages = Client(raise_request_exception=False)
    pages.force_login(person)
    close_old_connections()

    through_proxy.cut()
    durations = []
    for _ in range(4):
        answer, took = _timed_get(client, "/api/v1/notifications/")
        assert answer.status_code == 503, answer.content[:300]
        assert answer.json()["code"] == "service_busy"
        assert answer["Retry-After"] == "1"
        durations.append(took)
    # A page reads its session from the database before any view runs.
    page = _get(pages, "/")
    assert page.status_code == 503
    assert page["Retry-After"] == "1"
    # The pool was told it may wait POOL_TIMEOUT seconds: every answer came long before,
    # because the first failed connection attempt ended the wait.
    assert max(durations) < POOL_TIMEOUT / 4, durations

    through_proxy.restore()
    returned = time.monotonic()
    while (answer := _get(client, "/api/v1/notifications/")).status_code != 200:
        assert answer.status_code == 503
        assert time.monotonic() - returned < POOL_TIMEOUT / 4, "service did not resume"
    assert answer.json()["results"] == []


def test_a_connection_back_in_the_pool_moments_ago_is_handed_out_without_a_check(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The check is a round trip per request; a connection used a moment ago skips it,
    one idle past `recheck_after` is checked again."""
    pool = connection.pool
    assert isinstance(pool, ResilientConnectionPool) and pool.recheck_after > 0
    checks: list[Any] = []
    real_check = pool._check
    monkeypatch.setattr(pool, "_check", lambda conn: (checks.append(conn), real_check(conn)))

    def borrow() -> Any:
        conn = pool.getconn()
        pool.putconn(conn)
        return conn

    close_old_connections()
    # Every idle connection goes through once (the pool hands them out in turn).
    used = {id(borrow()) for _ in range(pool.get_stats()["pool_size"] + 1)}
    checks.clear()
    again = [borrow() for _ in range(len(used) * 2)]
    assert checks == [] and {id(c) for c in again} <= used
    for conn in list(pool._pool):
        conn._pooled_at -= pool.recheck_after + 1
    idle = borrow()
    assert checks == [idle]
