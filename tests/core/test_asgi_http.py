"""HTTP through the ASGI application: the middleware chain and the view run in the
request's thread in one hop (core.asgi_http), as under WSGI."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from asgiref.sync import SyncToAsync
from asgiref.testing import ApplicationCommunicator


def _get(path: str) -> tuple[int, bytes]:
    from config.asgi import django_asgi

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"testserver"), (b"accept", b"application/json")],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def exchange() -> tuple[int, bytes]:
        communicator = ApplicationCommunicator(django_asgi, scope)
        await communicator.send_input({"type": "http.request", "body": b""})
        start = await communicator.receive_output(timeout=10)
        body = await communicator.receive_output(timeout=10)
        await communicator.wait(timeout=10)
        return start["status"], body.get("body", b"")

    return asyncio.run(exchange())


def test_a_request_crosses_to_its_thread_once_for_the_middleware_and_the_view(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hops: list[str] = []
    threads: set[int] = set()
    original = SyncToAsync.__call__

    async def counted(self: SyncToAsync, *args: Any, **kwargs: Any) -> Any:
        hops.append(getattr(self.func, "__qualname__", repr(self.func)))
        return await original(self, *args, **kwargs)

    from core import request_memo

    memo_call = request_memo.RequestMemoMiddleware.__call__

    def seen(self: Any, request: Any) -> Any:
        threads.add(threading.get_ident())
        return memo_call(self, request)

    monkeypatch.setattr(SyncToAsync, "__call__", counted)
    monkeypatch.setattr(request_memo.RequestMemoMiddleware, "__call__", seen)
    status, body = _get("/api/v1/nowhere/")
    assert status == 404 and b'"not_found"' in body
    # The signal that a request started, the chain, and the response's close: Django's
    # async chain took one hop per hook of each classic middleware, some twenty.
    assert len(hops) <= 3, hops
    assert sum("get_response" in hop for hop in hops) == 1, hops
    # The middleware ran in a worker thread, not on the event loop's.
    assert len(threads) == 1 and threading.get_ident() not in threads
