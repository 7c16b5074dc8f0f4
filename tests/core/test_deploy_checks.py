"""The documented production settings pass `check --deploy`; e-mail that would not leave
the server in production is reported by collegia.W001."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.checks import Warning as CheckWarning
from django.test import override_settings

from core.checks import check_email_is_sent_in_production

ROOT = Path(__file__).resolve().parents[2]
# README, "Running it in production" and "Configuration": what an operator sets.
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k7Qv3-production-like-secret-with-enough-length-and-variety-9xZp2Lm4",
    "ALLOWED_HOSTS": "gov.example.coop",
    "CSRF_TRUSTED_ORIGINS": "https://gov.example.coop",
    "PUBLIC_BASE_URL": "https://gov.example.coop",
    "DATABASE_URL": "postgres://collegia:secret@db.example.coop:5432/collegia",
    "REDIS_URL": "redis://cache.example.coop:6379/0",
    "EMAIL_HOST": "smtp.example.coop",
    "EMAIL_PORT": "587",
    "EMAIL_HOST_USER": "collegia",
    "EMAIL_HOST_PASSWORD": "secret",
    "EMAIL_USE_TLS": "true",
    "DEFAULT_FROM_EMAIL": "gouvernance@example.coop",
    "AUDIT_KEY": "prod-1:Jq8vR2xW5nL0pT7kY3bF6hD9sM1cZ4gA8eU2iO5rQxw",
    "BALLOT_SEAL_KEY": "Vb7Ne3Rk9Tq2Lx5Hw8Pd1Zc4Mf6Gy0Sj3Ua7Ko9Ei2Wr5",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py with config.settings and only the given environment (no test settings)."""
    clean = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DJANGO_SETTINGS_MODULE",
            "DEBUG",
            "SECRET_KEY",
            "EMAIL_BACKEND",
            "AUDIT_KEY",
            "AUDIT_KEY_FILE",
            "BALLOT_SEAL_KEY",
        }
        and not key.startswith(("DATABASE_", "REDIS_", "EMAIL_"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_the_documented_production_settings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout, result.stdout + result.stderr


def test_check_deploy_is_clean_with_the_smtp_default_and_no_mail_settings() -> None:
    """With DEBUG off and EMAIL_BACKEND unset, e-mail goes out by SMTP (to localhost:25)."""
    minimal = {k: v for k, v in PRODUCTION.items() if not k.startswith("EMAIL_")}
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **minimal)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_console_backend_in_production_is_reported() -> None:
    console = {**PRODUCTION, "EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"}
    # Every command says it, not only `check --deploy`.
    plain = _manage("check", **console)
    assert "collegia.W001" in plain.stderr + plain.stdout, plain.stdout + plain.stderr
    assert plain.returncode == 0
    deploy = _manage("check", "--deploy", "--fail-level", "WARNING", **console)
    assert deploy.returncode != 0
    assert "collegia.W001" in deploy.stderr + deploy.stdout


@override_settings(
    DEBUG=False,
    MAILERS={"default": {"BACKEND": "django.core.mail.backends.console.EmailBackend"}},
)
def test_w001_names_the_backend_and_the_settings_to_set() -> None:
    (warning,) = check_email_is_sent_in_production(None)
    assert isinstance(warning, CheckWarning) and warning.id == "collegia.W001"
    assert "console.EmailBackend" in warning.msg and "convocations" in warning.msg
    assert warning.hint is not None and "EMAIL_HOST" in warning.hint


@pytest.mark.parametrize(
    "debug,backend",
    [
        (True, "django.core.mail.backends.console.EmailBackend"),
        (False, "django.core.mail.backends.smtp.EmailBackend"),
    ],
)
def test_w001_is_silent_in_development_and_with_smtp(debug: bool, backend: str) -> None:
    with override_settings(DEBUG=debug, MAILERS={"default": {"BACKEND": backend}}):
        assert check_email_is_sent_in_production(None) == []


def test_the_smtp_settings_come_from_the_environment() -> None:
    code = (
        "from django.conf import settings; m = settings.MAILERS['default']; "
        "print(m['BACKEND']); o = m['OPTIONS']; "
        "print(o['host'], o['port'], o['username'], o['use_tls'], o['use_ssl'])"
    )
    result = _manage("shell", "--no-imports", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("\n")[:2] == [
        "django.core.mail.backends.smtp.EmailBackend",
        "smtp.example.coop 587 collegia True False",
    ]
