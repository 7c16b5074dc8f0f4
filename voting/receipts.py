"""Receipt codes of secret ballots cast before sealing, hashed as they were then."""

# Their hashes became trackers (voting/migrations/0004_sealed_ballots): a voter who kept
# such a code can still check it.

from __future__ import annotations

import hashlib


def normalize(code: str) -> str:
    """Case, spaces and dashes do not matter when a voter types a code back."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def receipt_hash(code: str) -> str:
    return hashlib.sha256(normalize(code).encode()).hexdigest()
