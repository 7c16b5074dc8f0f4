"""Collegia's own system checks (`manage.py check`): the audit keyring, e-mail in production."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, register
from django.core.checks import Warning as CheckWarning

from core.audit_keys import KeyringError, load_keyring

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


@register()
def check_audit_keyring(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    """The audit chain is signed with a key from the environment; without one (DEBUG off)
    nothing that writes a governance act can run, so say so before anything starts."""
    try:
        load_keyring()
    except KeyringError as exc:
        return [
            Error(
                str(exc),
                hint="Generate a keyring with `python manage.py rotate_audit_key --print` and "
                "set it as AUDIT_KEY (or write it to the file named by AUDIT_KEY_FILE). Keep "
                "it outside the database and its backups; see the README, 'Audit log'.",
                id="core.E001",
            )
        ]
    return []
