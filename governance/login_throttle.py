"""Login throttling: failed sign-ins counted per account and per address.

One small piece called by both entry points, the web sign-in form and
`POST /api/v1/auth/token/`, so that it can later give way to another library's limits
while the tests stay. The counts live in the cache shared by every process (Redis in
production); if the cache is down, sign-in stays open and a warning is logged.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _

from core.errors import RateLimited

logger = logging.getLogger(__name__)

DEFAULT_ACCOUNT_RATE = "5/300"
DEFAULT_ADDRESS_RATE = "20/300"


@dataclass(frozen=True)
class Limit:
    failures: int
    seconds: int


def _limit(name: str, default: str) -> Limit:
    text = str(settings.COLLEGIA.get(name, default))
    try:
        count, seconds = (int(part) for part in text.split("/", 1))
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name} is written 'failures/seconds', not {text!r}.") from exc
    if count < 1 or seconds < 1:
        raise ImproperlyConfigured(f"{name} needs a positive count and period: {text!r}.")
    return Limit(count, seconds)


class LoginThrottled(RateLimited):
    code = "login_throttled"


def client_address(request: Any) -> str:
    """The address the request came from, as the server saw it (Daphne with
    `--proxy-headers` puts the proxy's X-Forwarded-For there)."""
    return str(request.META.get("REMOTE_ADDR") or "unknown")


def _keys(username: str, address: str) -> list[tuple[str, Limit]]:
    account = hashlib.sha256(username.strip().lower().encode()).hexdigest()[:32]
    return [
        (f"login-throttle:account:{account}", _limit("LOGIN_RATE_ACCOUNT", DEFAULT_ACCOUNT_RATE)),
        (f"login-throttle:address:{address}", _limit("LOGIN_RATE_ADDRESS", DEFAULT_ADDRESS_RATE)),
    ]


def login_check(*, username: str, address: str, now: float | None = None) -> None:
    """Raise LoginThrottled, with the seconds to wait, when the account or the address
    has used up its failed attempts; call it before checking the password."""
    now = time.time() if now is None else now
    try:
        for key, limit in _keys(username, address):
            failures = cache.get(key)
            if failures is not None and int(failures) >= limit.failures:
                until = cache.get(f"{key}:until") or now + limit.seconds
                raise LoginThrottled(
                    _("Too many failed sign-in attempts; try again in %(n)d seconds.")
                    % {"n": max(1, math.ceil(float(until) - now))},
                    retry_after=max(1, math.ceil(float(until) - now)),
                )
    except LoginThrottled:
        raise
    except Exception:
        logger.warning("Login throttle unavailable (cache error); sign-in left open", exc_info=True)


def login_failed(*, username: str, address: str, now: float | None = None) -> None:
    """Count one failed attempt against the account and the address. The window of a
    counter starts at its first failure and lasts the limit's period."""
    now = time.time() if now is None else now
    try:
        for key, limit in _keys(username, address):
            if cache.add(key, 0, timeout=limit.seconds):
                cache.set(f"{key}:until", now + limit.seconds, timeout=limit.seconds)
            try:
                cache.incr(key)
            except ValueError:
                # The window ended between add and incr: this failure opens a new one.
                cache.set(key, 1, timeout=limit.seconds)
                cache.set(f"{key}:until", now + limit.seconds, timeout=limit.seconds)
    except Exception:
        logger.warning(
            "Login throttle unavailable (cache error); failure not counted", exc_info=True
        )


def login_succeeded(*, username: str) -> None:
    """A right password clears the account's failures (the address keeps its count)."""
    key, _limit_ = _keys(username, "-")[0]
    try:
        cache.delete_many([key, f"{key}:until"])
    except Exception:
        logger.warning("Login throttle unavailable (cache error)", exc_info=True)
