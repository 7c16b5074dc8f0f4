"""Collegia's own system checks (`manage.py check`), registered by CoreConfig.ready()."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, register
from django.core.checks import Warning as CheckWarning

# Backends that print, file or drop a message instead of sending it.
UNDELIVERED_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend",
    "django.core.mail.backends.dummy.EmailBackend",
    "django.core.mail.backends.filebased.EmailBackend",
}


@register(Tags.mail)
def check_email_is_sent_in_production(app_configs: Any, **kwargs: Any) -> list[CheckMessage]:
    """With DEBUG off, convocations to general assemblies must really leave the server.

    Django's own mail.E001 says the same, but only under `check --deploy`; this one is
    shown by every management command, the server's start included.
    """
    if settings.DEBUG:
        return []
    backend = settings.MAILERS.get("default", {}).get("BACKEND", "")
    if backend not in UNDELIVERED_EMAIL_BACKENDS:
        return []
    return [
        CheckWarning(
            f"DEBUG is off but EMAIL_BACKEND is {backend}: convocations to general "
            "assemblies and other notices are not sent to anyone.",
            hint="Leave EMAIL_BACKEND unset (SMTP when DEBUG is off) and set EMAIL_HOST, "
            "EMAIL_PORT and, if the server asks for them, EMAIL_HOST_USER, "
            "EMAIL_HOST_PASSWORD and EMAIL_USE_TLS (README, Configuration).",
            id="collegia.W001",
        )
    ]
