"""Shared fixtures, and the rule that a service test never passes by skipping in CI."""

from __future__ import annotations

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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with browser tests run last, in every process of the run.

    Between two of its sync calls, Playwright marks its event loop as running in the
    calling thread, and the session's browser lives until the run ends: a test that came
    after a browser test in the same process would be taken for async code (Django refuses
    its database calls, `asyncio.run()` refuses to start). Moving whole files keeps each
    file in one worker, as `--dist loadfile` hands them out in this order."""
    browser_files = {item.path for item in items if item.get_closest_marker("browser")}
    items.sort(key=lambda item: item.path in browser_files)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """Skip a service test on a laptop without the service; fail it in CI instead."""
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
