"""Receipt codes of secret ballots: random, shown once, stored only as a hash."""

from __future__ import annotations

import base64
import hashlib
import secrets

# 100 random bits, written as five groups of four base32 characters.
_CODE_BYTES = 13
_CODE_CHARS = 20


def new_receipt() -> tuple[str, str]:
    """Return (code, hash). The code goes to the voter; only the hash is stored."""
    raw = base64.b32encode(secrets.token_bytes(_CODE_BYTES)).decode()[:_CODE_CHARS]
    code = "-".join(raw[i : i + 4] for i in range(0, _CODE_CHARS, 4))
    return code, receipt_hash(code)


def normalize(code: str) -> str:
    """Case, spaces and dashes do not matter when a voter types a code back."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def receipt_hash(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()
