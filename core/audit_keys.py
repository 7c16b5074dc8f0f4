"""The keyring that signs the audit chain: keys from the environment, the newest signs."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

KEY_ID = re.compile(r"^[A-Za-z0-9_.-]{1,32}$")
MIN_SECRET_LENGTH = 32
# Signs the chain of a development database (DEBUG on, no key configured) and nothing else:
# with DEBUG off it is refused, like the development SECRET_KEY.
DEV_KEY_ID = "dev"
DEV_SECRET = "collegia-development-only-audit-key-never-use-in-production"


class KeyringError(ImproperlyConfigured):
    """The audit keyring is missing or malformed."""


@dataclass(frozen=True)
class AuditKey:
    id: str
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class Keyring:
    """Keys oldest first: the last one signs new entries, every one verifies."""

    keys: tuple[AuditKey, ...]
    source: str

    @property
    def signing(self) -> AuditKey:
        return self.keys[-1]

    def secret(self, key_id: str) -> bytes | None:
        for key in self.keys:
            if key.id == key_id:
                return key.secret
        return None

    @property
    def is_development(self) -> bool:
        return any(key.id == DEV_KEY_ID and key.secret == DEV_SECRET.encode() for key in self.keys)


def parse_keyring(text: str, *, where: str) -> tuple[AuditKey, ...]:
    """Read `id:secret` entries separated by commas, spaces or new lines; a line starting
    with `#` is a comment. Refuse a bad id, a repeated id or a short secret."""
    lines = [line for line in text.splitlines() if not line.strip().startswith("#")]
    keys: list[AuditKey] = []
    for item in re.split(r"[\s,]+", "\n".join(lines)):
        if not item:
            continue
        key_id, colon, secret = item.partition(":")
        if not colon or not KEY_ID.match(key_id):
            raise KeyringError(
                f"{where}: every key is written `id:secret`, the id made of letters, digits, "
                "'.', '_' or '-' (at most 32); one entry is not."
            )
        if len(secret) < MIN_SECRET_LENGTH:
            raise KeyringError(
                f"{where}: the secret of key '{key_id}' is shorter than {MIN_SECRET_LENGTH} "
                "characters."
            )
        if any(key.id == key_id for key in keys):
            raise KeyringError(f"{where}: key id '{key_id}' appears twice.")
        keys.append(AuditKey(key_id, secret.encode()))
    return tuple(keys)


def load_keyring() -> Keyring:
    """Read the keyring from AUDIT_KEY, else from the file AUDIT_KEY_FILE; with neither,
    the development key when DEBUG is on, and an error otherwise."""
    text = getattr(settings, "AUDIT_KEY", "") or ""
    path = getattr(settings, "AUDIT_KEY_FILE", "") or ""
    if text.strip():
        keys, source = parse_keyring(text, where="AUDIT_KEY"), "environment"
    elif path:
        try:
            content = Path(path).read_text(encoding="utf-8")
        except OSError as exc:
            raise KeyringError(f"AUDIT_KEY_FILE: cannot read {path} ({exc.strerror}).") from exc
        keys, source = parse_keyring(content, where=f"AUDIT_KEY_FILE {path}"), "file"
    elif settings.DEBUG:
        keys, source = (AuditKey(DEV_KEY_ID, DEV_SECRET.encode()),), "development"
    else:
        raise KeyringError(
            "DEBUG is off and no audit key is set: set AUDIT_KEY (for instance "
            "`python manage.py rotate_audit_key --print`) or AUDIT_KEY_FILE."
        )
    if not keys:
        raise KeyringError("The audit keyring holds no key.")
    ring = Keyring(keys, source)
    if ring.is_development and not settings.DEBUG:
        raise KeyringError("DEBUG is off and the audit keyring holds the development key.")
    return ring


_cached: Keyring | None = None


def keyring() -> Keyring:
    """The keyring of this process, read once (a rotation restarts the processes)."""
    global _cached
    if _cached is None:
        _cached = load_keyring()
    return _cached


def reset_keyring() -> None:
    global _cached
    _cached = None


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in {"AUDIT_KEY", "AUDIT_KEY_FILE", "DEBUG"}:
        reset_keyring()


def new_key(ring: Keyring, *, now: dt.datetime | None = None) -> AuditKey:
    """A fresh random key whose id (`k` and the UTC time) is not yet in the keyring."""
    now = now or dt.datetime.now(dt.UTC)
    base = f"k{now:%Y%m%d%H%M%S}"
    key_id, suffix = base, 1
    while ring.secret(key_id) is not None:
        suffix += 1
        key_id = f"{base}-{suffix}"
    return AuditKey(key_id, secrets.token_urlsafe(32).encode())


def format_keyring(keys: tuple[AuditKey, ...]) -> str:
    return ",".join(f"{key.id}:{key.secret.decode()}" for key in keys)
