"""System checks of the settings core relies on: the audit keyring."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Error, register

from core.audit_keys import KeyringError, load_keyring


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
