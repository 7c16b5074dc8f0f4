"""Per-person posting limits counted in the shared cache, in fixed windows."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from core.errors import RateLimited

logger = logging.getLogger(__name__)

DEFAULT_COMMENT_RATE_LIMIT = "10/60"


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int


def parse_rate(text: str) -> Rate:
    """Read "count/seconds", such as "10/60" for ten posts a minute."""
    try:
        count_text, seconds_text = text.split("/", 1)
        rate = Rate(int(count_text), int(seconds_text))
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"A rate limit is written 'count/seconds' (such as 10/60), not {text!r}."
        ) from exc
    if rate.count < 1 or rate.seconds < 1:
        raise ImproperlyConfigured(f"A rate limit needs a positive count and period: {text!r}.")
    return rate


def comment_rate() -> Rate:
    return parse_rate(str(settings.COLLEGIA.get("COMMENT_RATE_LIMIT", DEFAULT_COMMENT_RATE_LIMIT)))


def rate_limit_hit(*, scope: str, person_id: int, rate: Rate, now: float | None = None) -> None:
    """Count one action; raise RateLimited (with the seconds to wait) past the limit.

    The count lives in the cache shared by every process (Redis in production) and is
    incremented atomically, so parallel requests cannot slip past the limit together.
    """
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    key = f"ratelimit:{scope}:{person_id}:{window}"
    try:
        used = _count(key, rate)
    except (RedisError, OSError) as exc:
        # The limit guards against floods, not against harm to the data: while the shared
        # cache is away, posting goes on unlimited rather than failing for everyone.
        logger.warning(
            "Rate limit %s not enforced for person %s: the cache is unreachable (%s)",
            scope,
            person_id,
            exc,
        )
        return
    if used > rate.count:
        retry_after = max(1, math.ceil((window + 1) * rate.seconds - now))
        raise RateLimited(
            _("You are posting too fast; wait %(n)d seconds.") % {"n": retry_after},
            retry_after=retry_after,
            details={"limit": rate.count, "period_seconds": rate.seconds},
        )


def _count(key: str, rate: Rate) -> int:
    cache.add(key, 0, timeout=rate.seconds + 1)
    try:
        return int(cache.incr(key))
    except ValueError:
        # The key expired between add and incr: this is the first hit of a new window.
        cache.add(key, 1, timeout=rate.seconds + 1)
        return 1
