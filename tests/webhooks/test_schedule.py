"""Tests of the webhook retry schedule, outcome classification and disabling rule."""

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from webhooks.schedule import (
    MAX_ATTEMPTS,
    RETRY_SCHEDULE,
    Outcome,
    classify,
    next_attempt_delay,
    parse_retry_after,
    should_disable_for_failures,
)

NOW = datetime(2025, 3, 14, 9, 0, tzinfo=UTC)


def _delay(
    attempt_number: int,
    status: int | None = 500,
    retry_after: str | None = None,
    seed: int = 7,
) -> timedelta | None:
    return next_attempt_delay(
        attempt_number=attempt_number,
        status=status,
        retry_after=retry_after,
        rng=random.Random(seed),
        now=NOW,
    )


def _within_jitter(delay: timedelta | None, scheduled: timedelta) -> bool:
    return delay is not None and scheduled * 0.9 <= delay <= scheduled * 1.1


def test_schedule_is_the_standard_webhooks_example() -> None:
    expected = (
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
    assert expected == RETRY_SCHEDULE
    assert MAX_ATTEMPTS == 10


@pytest.mark.parametrize("attempt_number", range(1, MAX_ATTEMPTS))
def test_failed_attempt_waits_the_next_scheduled_delay_with_jitter(attempt_number: int) -> None:
    assert _within_jitter(_delay(attempt_number), RETRY_SCHEDULE[attempt_number])


def test_gives_up_after_the_tenth_attempt() -> None:
    assert _delay(MAX_ATTEMPTS) is None
    assert _delay(MAX_ATTEMPTS + 1) is None


def test_network_failures_are_retried() -> None:
    assert _within_jitter(_delay(1, status=None), timedelta(seconds=5))


@pytest.mark.parametrize("status", [200, 204, 410])
def test_no_retry_after_success_or_gone(status: int) -> None:
    assert _delay(1, status=status) is None


def test_jitter_is_deterministic_for_a_seed_and_stays_within_ten_percent() -> None:
    assert _delay(3, seed=1) == _delay(3, seed=1)
    delays = {_delay(3, seed=seed) for seed in range(200)}
    assert len(delays) > 100
    assert all(_within_jitter(delay, timedelta(minutes=30)) for delay in delays)
    assert min(d for d in delays if d) < timedelta(minutes=28)
    assert max(d for d in delays if d) > timedelta(minutes=32)


def test_attempt_numbers_count_from_one() -> None:
    with pytest.raises(ValueError):
        _delay(0)


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retry_after_seconds_raises_the_delay(status: int) -> None:
    assert _delay(1, status=status, retry_after="120") == timedelta(seconds=120)


def test_retry_after_http_date_is_read_against_now() -> None:
    header = format_datetime(NOW + timedelta(minutes=10), usegmt=True)
    assert _delay(1, status=429, retry_after=header) == timedelta(minutes=10)


def test_retry_after_never_shortens_the_schedule() -> None:
    assert _within_jitter(_delay(3, status=429, retry_after="10"), timedelta(minutes=30))


def test_retry_after_is_capped_at_24_hours() -> None:
    assert _delay(1, status=429, retry_after="9999999999") == timedelta(hours=24)
    far = format_datetime(NOW + timedelta(days=30), usegmt=True)
    assert _delay(1, status=503, retry_after=far) == timedelta(hours=24)


@pytest.mark.parametrize("status", [429, 502, 504])
def test_throttling_without_retry_after_waits_at_least_a_minute(status: int) -> None:
    assert _delay(1, status=status) == timedelta(minutes=1)
    assert _within_jitter(_delay(4, status=status), timedelta(hours=2))


@pytest.mark.parametrize("header", ["soon", "", "-5", "1.5", "Thu, 99 Foo 2025"])
def test_unreadable_retry_after_is_ignored(header: str) -> None:
    assert _within_jitter(_delay(1, status=500, retry_after=header), timedelta(seconds=5))


def test_retry_after_in_the_past_means_no_extra_wait() -> None:
    past = format_datetime(NOW - timedelta(hours=1), usegmt=True)
    assert parse_retry_after(past, now=NOW) == timedelta(0)
    assert _within_jitter(_delay(1, status=503, retry_after=past), timedelta(seconds=5))


def test_parse_retry_after_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError):
        parse_retry_after("5", now=datetime(2025, 1, 1))


@pytest.mark.parametrize(
    ("status", "outcome"),
    [
        (200, Outcome.SUCCESS),
        (201, Outcome.SUCCESS),
        (204, Outcome.SUCCESS),
        (299, Outcome.SUCCESS),
        (100, Outcome.RETRY),
        (301, Outcome.RETRY),
        (302, Outcome.RETRY),
        (304, Outcome.RETRY),
        (307, Outcome.RETRY),
        (400, Outcome.RETRY),
        (404, Outcome.RETRY),
        (429, Outcome.RETRY),
        (500, Outcome.RETRY),
        (503, Outcome.RETRY),
        (410, Outcome.GONE),
        (None, Outcome.RETRY),
    ],
)
def test_classify(status: int | None, outcome: Outcome) -> None:
    error = None if status is not None else "timeout"
    assert classify(status, error) is outcome


def test_classify_retries_refused_destinations() -> None:
    assert classify(None, "unsafe_destination: private_address: ...") is Outcome.RETRY


def test_outcome_values_are_stable_strings() -> None:
    assert [outcome.value for outcome in Outcome] == ["success", "retry", "gone"]


def test_endpoint_is_disabled_after_five_days_of_failures() -> None:
    assert should_disable_for_failures(first_failure_at=NOW - timedelta(days=5), now=NOW)
    assert should_disable_for_failures(first_failure_at=NOW - timedelta(days=9), now=NOW)
    assert not should_disable_for_failures(
        first_failure_at=NOW - timedelta(days=5) + timedelta(seconds=1), now=NOW
    )


def test_disabling_rule_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError):
        should_disable_for_failures(first_failure_at=datetime(2025, 1, 1), now=NOW)
    with pytest.raises(ValueError):
        should_disable_for_failures(first_failure_at=NOW, now=datetime(2025, 1, 1))
