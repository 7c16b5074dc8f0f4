"""Posting limits: per person, configurable, with the seconds to wait."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from core.errors import RateLimited
from deliberation import services
from deliberation.ratelimit import Rate, parse_rate, rate_limit_hit
from tests.deliberation.factories import Room


def test_parse_rate_reads_count_and_period() -> None:
    assert parse_rate("10/60") == Rate(10, 60)
    for bad in ("10", "a/b", "0/60", "5/0"):
        with pytest.raises(ImproperlyConfigured):
            parse_rate(bad)


def test_the_limit_counts_per_window_and_says_how_long_to_wait() -> None:
    rate = Rate(2, 60)
    rate_limit_hit(scope="t", person_id=1, rate=rate, now=120.0)
    rate_limit_hit(scope="t", person_id=1, rate=rate, now=130.0)
    with pytest.raises(RateLimited) as exc:
        rate_limit_hit(scope="t", person_id=1, rate=rate, now=135.5)
    assert exc.value.retry_after == 45
    rate_limit_hit(scope="t", person_id=2, rate=rate, now=135.5)
    rate_limit_hit(scope="t", person_id=1, rate=rate, now=180.0)


@pytest.mark.django_db
def test_posting_past_the_configured_limit_is_refused(room: Room, settings) -> None:
    settings.COLLEGIA = {**settings.COLLEGIA, "COMMENT_RATE_LIMIT": "3/3600"}
    for n in range(3):
        services.comment_create(actor=room.member, proposal=room.proposal, body=f"<p>{n}</p>")
    with pytest.raises(RateLimited) as exc:
        services.comment_create(actor=room.member, proposal=room.proposal, body="<p>trop</p>")
    assert 0 < exc.value.retry_after <= 3600
    services.comment_create(actor=room.observer, proposal=room.proposal, body="<p>autre</p>")


@override_settings(COLLEGIA={"COMMENT_RATE_LIMIT": "nonsense"})
@pytest.mark.django_db
def test_a_malformed_setting_is_reported(room: Room) -> None:
    with pytest.raises(ImproperlyConfigured):
        services.comment_create(actor=room.member, proposal=room.proposal, body="<p>x</p>")
