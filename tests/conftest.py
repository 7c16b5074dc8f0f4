"""Shared fixtures, and the rule that a service test never passes by skipping in CI."""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlparse

import pytest
from django.db import connection

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _reachable(url: str, default_port: int) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection(
            (parsed.hostname or "127.0.0.1", parsed.port or default_port), timeout=1
        ):
            return True
    except OSError:
        return False


def redis_url() -> str | None:
    url = os.environ.get("REDIS_URL")
    if url and _reachable(url, 6379):
        return url
    return None


# Playwright's event loop, set aside while tests without a browser run.
_browser_loop: asyncio.AbstractEventLoop | None = None


def _browser_loop_only_for_browser_tests(item: pytest.Item) -> None:
    """Between two of its sync calls, Playwright marks its event loop as running in the
    calling thread (its next call resumes it there), and the session's browser lives until
    the run ends. A test without a browser that comes after one in the same process would
    be taken for async code: Django refuses its database calls, `asyncio.run()` refuses
    to start. No test starts inside a running loop, so a loop marked at the start of one
    is Playwright's: it is set aside for tests without a browser and given back to the
    browser tests, before any of their fixtures runs."""
    global _browser_loop
    running = asyncio._get_running_loop()
    if item.get_closest_marker("browser"):
        if running is None and _browser_loop is not None and not _browser_loop.is_closed():
            asyncio._set_running_loop(_browser_loop)
    elif running is not None:
        _browser_loop = running
        asyncio._set_running_loop(None)


def give_back_browser_loop() -> None:
    """For the session's browser to close after the last test (its fixture calls this).
    Given back then, not in the last test's teardown: that test's own fixtures (a
    database flush) tear down first, and would be taken for async code."""
    loop = _browser_loop
    if loop is not None and not loop.is_closed() and asyncio._get_running_loop() is None:
        asyncio._set_running_loop(loop)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a service test on a laptop without the service; fail it in CI instead."""
    _browser_loop_only_for_browser_tests(item)
    problem = None
    if item.get_closest_marker("postgres") and connection.vendor != "postgresql":
        problem = "needs PostgreSQL (set DATABASE_URL=postgres://...)"
    if item.get_closest_marker("redis") and redis_url() is None:
        problem = "needs Redis (set REDIS_URL=redis://...)"
    if problem:
        if IN_CI:
            pytest.fail(f"CI must run this test against the real service: {problem}")
        pytest.skip(problem)


@pytest.fixture(autouse=True)
def _english_messages() -> Iterator[None]:
    """Domain messages are asserted in English; requests still negotiate their language."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def keep_test_connection() -> Iterator[None]:
    """Calls through the WSGI handler fire request signals that would close the database
    connection holding the test's transaction on PostgreSQL; Django's own test client
    disconnects them the same way."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def capture_on_commit(django_capture_on_commit_callbacks: Any) -> Callable[..., Any]:
    return django_capture_on_commit_callbacks


@pytest.fixture
def api_client() -> Iterator[Any]:
    from rest_framework.test import APIClient

    client = APIClient()
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    yield client


@pytest.fixture(autouse=True)
def _fresh_login_throttle() -> Iterator[None]:
    """Failed sign-ins are counted in the cache per account and per address (the test
    client's is always 127.0.0.1): each test starts with no failure counted."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
