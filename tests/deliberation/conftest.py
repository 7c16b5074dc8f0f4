"""Fixtures of the deliberation tests: a fresh cache and presence store for each test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from core.live import presence
from tests.deliberation.factories import Room, make_room


@pytest.fixture(autouse=True)
def _fresh_shared_state() -> Iterator[None]:
    """Rate-limit counters and presence entries are keyed by ids a rolled-back test reuses."""
    cache.clear()
    presence._store = None
    yield
    cache.clear()
    presence._store = None


@pytest.fixture
def room(db: None) -> Room:
    return make_room()
