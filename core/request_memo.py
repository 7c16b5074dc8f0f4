"""A memo that lives for one HTTP request: reads asked several times while answering
it (the viewer's role in a cooperative) are computed once.

Outside a request (services called from a command, a worker, a test, a consumer) there is
no memo and every read goes to the database. Writes that change what a memo holds clear
it (`request_memo_clear`), so a request that changes a grant reads the new one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from typing import Any

from asgiref.sync import iscoroutinefunction, markcoroutinefunction
from django.http import HttpRequest, HttpResponse

_memo: ContextVar[dict[Any, Any] | None] = ContextVar("collegia_request_memo", default=None)


def request_memo() -> dict[Any, Any] | None:
    """The current request's memo, or None outside a request."""
    return _memo.get()


def request_memo_clear() -> None:
    memo = _memo.get()
    if memo is not None:
        memo.clear()


class RequestMemoMiddleware:
    """Give each request a fresh memo, dropped when its answer is built."""

    sync_capable = True
    async_capable = True

    def __init__(self, get_response: Callable[[HttpRequest], Any]) -> None:
        self.get_response = get_response
        self.is_async = iscoroutinefunction(get_response)
        if self.is_async:
            markcoroutinefunction(self)

    def __call__(self, request: HttpRequest) -> Any:
        if self.is_async:
            return self._acall(request)
        token = _memo.set({})
        try:
            return self.get_response(request)
        finally:
            _memo.reset(token)

    async def _acall(self, request: HttpRequest) -> HttpResponse:
        token = _memo.set({})
        try:
            response: Awaitable[HttpResponse] = self.get_response(request)
            return await response
        finally:
            _memo.reset(token)
