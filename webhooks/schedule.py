"""Retry schedule, outcome classification and endpoint disabling rules for webhook delivery."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from enum import StrEnum
from typing import Final

# Delay before each attempt, counted from the failure of the previous one: the example
# schedule of the Standard Webhooks specification. Index 0 is the first attempt.
RETRY_SCHEDULE: Final[tuple[timedelta, ...]] = (
    timedelta(0),
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS: Final = len(RETRY_SCHEDULE)
JITTER_RATIO: Final = 0.1
# Statuses by which a receiver asks the sender to slow down.
THROTTLE_STATUSES: Final = frozenset({429, 502, 504})
# A throttling status without a usable Retry-After still waits at least this long.
THROTTLE_MIN_DELAY: Final = timedelta(minutes=1)
# A receiver cannot push an attempt further away than this with Retry-After.
MAX_RETRY_AFTER: Final = timedelta(hours=24)
DISABLE_AFTER_FAILING_FOR: Final = timedelta(days=5)
GONE_STATUS: Final = 410


class Outcome(StrEnum):
    SUCCESS = "success"
    RETRY = "retry"
    GONE = "gone"


def classify(status: int | None, error: str | None) -> Outcome:
    """Classify one attempt: 2xx succeeds, 410 disables the endpoint, anything else retries.

    Redirects (3xx) are failures: they are never followed, so the message was not delivered.
    Without a status (timeout, refused connection, unsafe destination) the attempt is retried;
    ``error`` only describes that failure and never turns a received status into another
    outcome.
    """
    if status is None:
        return Outcome.RETRY
    if 200 <= status <= 299:
        return Outcome.SUCCESS
    if status == GONE_STATUS:
        return Outcome.GONE
    return Outcome.RETRY


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime.")


def parse_retry_after(value: str | None, *, now: datetime) -> timedelta | None:
    """Return the wait a ``Retry-After`` value asks for, or None when absent or unreadable.

    Both forms of RFC 9110 are read: a number of seconds, or an HTTP-date compared with
    ``now``. A date in the past means no wait. The result is capped at ``MAX_RETRY_AFTER``.
    """
    _require_aware(now, "now")
    if value is None:
        return None
    text = value.strip()
    if not text:
        return None
    if text.isascii() and text.isdigit():
        # Huge values are capped before building the timedelta, which would overflow.
        return min(timedelta(seconds=min(int(text), 10**9)), MAX_RETRY_AFTER)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment.tzinfo is None:
        # HTTP-dates are always in GMT, and "-0000" dates come back naive.
        moment = moment.replace(tzinfo=UTC)
    wait = moment - now
    return min(max(wait, timedelta(0)), MAX_RETRY_AFTER)


def next_attempt_delay(
    *,
    attempt_number: int,
    status: int | None,
    retry_after: str | None,
    rng: random.Random,
    now: datetime | None = None,
) -> timedelta | None:
    """Return how long to wait before the attempt after ``attempt_number``, or None to give up.

    ``attempt_number`` counts from 1 and names the attempt that has just finished with
    ``status`` (None for a network failure). None is returned once ``MAX_ATTEMPTS`` attempts
    were made, and when the outcome is not a retry (a success, or 410 Gone).

    The scheduled delay gets a jitter of +/- 10 % drawn from ``rng``, so a seeded generator
    gives a reproducible delay. A ``Retry-After`` header (seconds or HTTP-date, read against
    ``now``, by default the current time) raises the delay to at least what it asks, capped
    at 24 hours; a throttling status (429, 502, 504) without one waits at least one minute.
    The cap applies only to what the receiver asks: the jittered schedule itself is kept.
    """
    if attempt_number < 1:
        raise ValueError("attempt_number counts from 1.")
    if classify(status, None) is not Outcome.RETRY or attempt_number >= MAX_ATTEMPTS:
        return None
    scheduled = RETRY_SCHEDULE[attempt_number]
    delay = scheduled * (1 + rng.uniform(-JITTER_RATIO, JITTER_RATIO))
    if status is None:
        return delay
    if now is None:
        now = datetime.now(UTC)
    requested = parse_retry_after(retry_after, now=now)
    if requested is None and status in THROTTLE_STATUSES:
        requested = THROTTLE_MIN_DELAY
    if requested is not None:
        delay = max(delay, requested)
    return delay


def should_disable_for_failures(*, first_failure_at: datetime, now: datetime) -> bool:
    """Return True when an endpoint has failed without a single success for 5 days.

    ``first_failure_at`` is the first failed attempt since the endpoint's last success.
    """
    _require_aware(first_failure_at, "first_failure_at")
    _require_aware(now, "now")
    return now - first_failure_at >= DISABLE_AFTER_FAILING_FOR
