"""Limits on sending invitations and asking for password resets (429 with Retry-After)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from core.errors import RateLimited
from deliberation.ratelimit import parse_rate, rate_limit_hit


def _hit(scope: str, subject: int, setting: str, default: str) -> None:
    rate = parse_rate(str(settings.COLLEGIA.get(setting, default)))
    try:
        rate_limit_hit(scope=scope, person_id=subject, rate=rate)
    except RateLimited as exc:
        raise RateLimited(
            _("Too many requests; try again in %(n)d seconds.") % {"n": exc.retry_after},
            retry_after=exc.retry_after,
            details=exc.details,
        ) from exc


def invitation_rate_hit(*, person_id: int, count: int = 1) -> None:
    """Count invitations sent by one person (a CSV import counts each of its lines)."""
    for _i in range(count):
        _hit("invitation", person_id, "INVITATION_RATE_LIMIT", "60/3600")


def password_reset_rate_hit(*, key: str) -> None:
    """Count one password reset asked through the API for one address (e-mail or IP)."""
    import zlib

    _hit(
        "password-reset",
        zlib.crc32(key.strip().lower().encode()),
        "PASSWORD_RESET_RATE_LIMIT",
        "5/300",
    )
