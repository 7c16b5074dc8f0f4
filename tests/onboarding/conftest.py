"""Onboarding fixtures: a cooperative with categories, and e-mail captured after commit."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from rest_framework.test import APIClient

from governance.models import CategoryKind, Cooperative, Person
from tests.governance.factories import category, chair_of, make_cooperative

LINK = re.compile(r"https?://\S+/invitations/([\w-]+)/")


@pytest.fixture(autouse=True)
def _fresh_cache() -> Any:
    """Rate-limit counts live in the cache under ids that a rolled-back test hands out again."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def coop(db: Any) -> Cooperative:
    cooperative = make_cooperative()
    for kind in (
        CategoryKind.EMPLOYEES,
        CategoryKind.BENEFICIARIES,
        CategoryKind.LOCAL_AUTHORITIES,
    ):
        category(cooperative, kind)
    return cooperative


@pytest.fixture
def chair(coop: Cooperative) -> Person:
    return chair_of(coop)


def api(person: Person | None = None, address: str = "203.0.113.9") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    if person is not None:
        client.force_authenticate(person)
    return client


def token_in(message: Any) -> str:
    found = LINK.search(message.body)
    assert found, message.body
    return found.group(1)


def sent_to(address: str) -> list[Any]:
    return [m for m in mail.outbox if address in m.to]
