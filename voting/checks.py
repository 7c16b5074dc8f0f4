"""System checks of the voting app: secret ballots need BALLOT_SEAL_KEY."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register


@register()
def ballot_seal_key_check(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """Without BALLOT_SEAL_KEY no secret vote can open or close: an error in production,
    a warning in development (where `make run` provides one)."""
    if len(getattr(settings, "BALLOT_SEAL_KEY", "") or "") >= 32:
        return []
    message = "BALLOT_SEAL_KEY is not set (or shorter than 32 characters)."
    hint = (
        "Set it to a long random value kept outside the database, e.g. "
        "python -c 'import secrets; print(secrets.token_urlsafe(32))'. Secret votes cannot "
        "open or close without it."
    )
    if settings.DEBUG:
        return [Warning(message, hint=hint, id="voting.W001")]
    return [Error(message, hint=hint, id="voting.E001")]
