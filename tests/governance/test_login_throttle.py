"""Failed sign-ins are limited per account and per address, on the API's token endpoint
and on the web sign-in form alike, in the cache every process shares."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from rest_framework.test import APIClient

from governance import login_throttle
from tests.conftest import redis_url
from tests.governance.factories import PersonFactory

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"
LOGIN = "/accounts/login/"


@pytest.fixture(autouse=True)
def _small_limits(settings: Any) -> None:
    settings.COLLEGIA = {
        **settings.COLLEGIA,
        "LOGIN_RATE_ACCOUNT": "3/300",
        "LOGIN_RATE_ADDRESS": "5/300",
    }


def _api(address: str = "203.0.113.7") -> APIClient:
    client = APIClient(REMOTE_ADDR=address)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _token(client: APIClient, username: str, password: str) -> Any:
    return client.post(TOKEN, {"username": username, "password": password}, format="json")


def test_the_right_password_is_refused_with_429_after_too_many_wrong_ones() -> None:
    PersonFactory(username="ana", password="s3cret-pass")
    client = _api()
    for _attempt in range(3):
        wrong = _token(client, "ana", "guess")
        assert wrong.status_code == 400 and wrong.json()["code"] == "invalid_credentials"
    throttled = _token(client, "ana", "s3cret-pass")
    assert throttled.status_code == 429
    body = throttled.json()
    assert body["code"] == "login_throttled" and set(body) == {"code", "message", "details"}
    assert 1 <= int(throttled["Retry-After"]) <= 300
    assert "token" not in body


def test_the_account_limit_holds_from_any_address_and_names_are_not_case_sensitive() -> None:
    PersonFactory(username="ana", password="s3cret-pass")
    for index in range(3):
        _token(_api(f"198.51.100.{index}"), "ANA" if index else "ana", "guess")
    assert _token(_api("192.0.2.99"), "ana", "s3cret-pass").status_code == 429


def test_the_address_limit_holds_across_accounts_and_spares_other_addresses() -> None:
    PersonFactory(username="ben", password="s3cret-pass")
    attacker = _api("203.0.113.50")
    for index in range(5):
        assert _token(attacker, f"nobody{index}", "guess").status_code == 400
    assert _token(attacker, "ben", "s3cret-pass").status_code == 429
    assert _token(_api("203.0.113.51"), "ben", "s3cret-pass").status_code == 200


def test_a_right_password_clears_the_account_failures() -> None:
    PersonFactory(username="ana", password="s3cret-pass")
    client = _api()
    for _attempt in range(2):
        _token(client, "ana", "guess")
    assert _token(client, "ana", "s3cret-pass").status_code == 200
    for _attempt in range(2):
        assert _token(_api("198.51.100.9"), "ana", "guess").status_code == 400
    assert _token(_api("198.51.100.9"), "ana", "s3cret-pass").status_code == 200


def test_the_limit_lifts_when_its_period_is_over(monkeypatch: pytest.MonkeyPatch) -> None:
    PersonFactory(username="ana", password="s3cret-pass")
    client = _api()
    for _attempt in range(3):
        _token(client, "ana", "guess")
    assert _token(client, "ana", "s3cret-pass").status_code == 429
    later = time.time() + 301
    monkeypatch.setattr(time, "time", lambda: later)  # the cache's clock and the throttle's
    assert _token(client, "ana", "s3cret-pass").status_code == 200


def test_the_web_sign_in_is_throttled_with_a_clear_message() -> None:
    PersonFactory(username="lea", password="s3cret-pass")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="203.0.113.8")
    for _attempt in range(3):
        page = browser.post(LOGIN, {"username": "lea", "password": "guess"})
        assert page.status_code == 200
    page = browser.post(LOGIN, {"username": "lea", "password": "s3cret-pass"})
    assert page.status_code == 429
    assert 1 <= int(page["Retry-After"]) <= 300
    assert b"Too many failed sign-in attempts" in page.content
    assert "_auth_user_id" not in browser.session


def test_web_and_api_failures_count_against_the_same_account() -> None:
    PersonFactory(username="lea", password="s3cret-pass")
    browser = Client(REMOTE_ADDR="203.0.113.8")
    for _attempt in range(3):
        browser.post(LOGIN, {"username": "lea", "password": "guess"})
    assert _token(_api("198.51.100.20"), "lea", "s3cret-pass").status_code == 429


def test_sign_in_stays_open_with_a_warning_when_the_cache_is_down(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    PersonFactory(username="ana", password="s3cret-pass")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            # Nothing listens on port 1: every cache call fails at once.
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    client = _api()
    with caplog.at_level(logging.WARNING, logger="governance.login_throttle"):
        for _attempt in range(4):
            assert _token(client, "ana", "guess").status_code == 400
        assert _token(client, "ana", "s3cret-pass").status_code == 200
    assert any("Login throttle unavailable" in r.getMessage() for r in caplog.records)


@pytest.mark.redis
def test_the_counts_live_in_redis_for_every_process(settings: Any) -> None:
    from django.core.cache.backends.redis import RedisCache

    prefix = f"collegia-test-{uuid.uuid4().hex[:8]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url(),
            "KEY_PREFIX": prefix,
        }
    }
    PersonFactory(username="ana", password="s3cret-pass")
    try:
        for _attempt in range(3):
            _token(_api(), "ana", "guess")
        # Another process: its own connection to the same Redis, same settings.
        other = RedisCache(redis_url(), {"KEY_PREFIX": prefix})
        key, _limit = login_throttle._keys("ana", "-")[0]
        assert other.get(key) == 3
        assert _token(_api("192.0.2.1"), "ana", "s3cret-pass").status_code == 429
    finally:
        for key, _limit in login_throttle._keys("ana", "203.0.113.7"):
            cache.delete_many([key, f"{key}:until"])
