"""The credential authority: one private credential per voter, the server gets only the
public credential g^secret(c) (Belenios 3.3.0's credential derivation)."""

from __future__ import annotations

import hashlib
import secrets

from .primitives import ORDER, g, show

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def new_credential() -> str:
    token = "".join(secrets.choice(ALPHABET) for _ in range(22))
    return f"{token[:5]}-{token[5:11]}-{token[11:16]}-{token[16:]}"


def public_credential(uuid: str, credential: str) -> str:
    blocks = [
        hashlib.sha256(f"derive_credential|{uuid}|{i}|{credential}".encode()).hexdigest()
        for i in (0, 1)
    ]
    return show(g(int("".join(blocks), 16) % ORDER))
