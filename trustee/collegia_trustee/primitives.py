"""The Ed25519 group and the hashes of Belenios 3.3.0, written afresh for this tool.

The server's own implementation is not imported: the tool is installed alone on a
trustee's machine, and a second implementation of the same specification means that the
server's checks catch a mistake of either. Points are written as Belenios writes them, the
compressed point as a big-endian 64-character hexadecimal number.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from typing import Any

from nacl import bindings

ORDER = 2**252 + 27742317777372353535851937790883648493
NEUTRAL = bytes([1]) + bytes(31)
BASE = bytes([0x58]) + bytes([0x66]) * 31


def parse(text: str) -> bytes:
    """A point from its hexadecimal form; anything outside the prime-order subgroup fails."""
    if not isinstance(text, str) or len(text) != 64 or text != text.lower():
        raise ValueError("a point is 64 lower-case hexadecimal characters")
    raw = bytes.fromhex(text)[::-1]
    if raw != NEUTRAL and not bindings.crypto_core_ed25519_is_valid_point(raw):
        raise ValueError("not a point of the group")
    return raw


def show(raw: bytes) -> str:
    return raw[::-1].hex()


def mul(a: bytes, b: bytes) -> bytes:
    if a == NEUTRAL:
        return b
    if b == NEUTRAL:
        return a
    return bindings.crypto_core_ed25519_add(a, b)


def div(a: bytes, b: bytes) -> bytes:
    return mul(a, power(b, ORDER - 1))


def power(a: bytes, k: int) -> bytes:
    k %= ORDER
    if k == 0 or a == NEUTRAL:
        return NEUTRAL
    try:
        if a == BASE:
            return bindings.crypto_scalarmult_ed25519_base_noclamp(k.to_bytes(32, "little"))
        return bindings.crypto_scalarmult_ed25519_noclamp(k.to_bytes(32, "little"), a)
    except Exception:  # libsodium will not return the neutral element
        return NEUTRAL


def g(k: int) -> bytes:
    return power(BASE, k)


def random_scalar() -> int:
    return secrets.randbelow(ORDER)


def dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def hash_scalar(prefix: str, points: list[bytes]) -> int:
    text = prefix + ",".join(show(p) for p in points)
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % ORDER


def b64_sha256(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode().rstrip("=")


def schnorr(prefix: str, secret: int) -> dict[str, str]:
    """A proof of knowledge of `secret` bound to `prefix` (Belenios' pok, sig and sigmsg)."""
    w = random_scalar()
    challenge = hash_scalar(prefix, [g(w)])
    return {"challenge": str(challenge), "response": str((w - secret * challenge) % ORDER)}


def sign(secret: int, message: str) -> dict[str, str]:
    return schnorr(f"sigmsg|{message}|", secret)


def check_schnorr(prefix: str, public: bytes, proof: dict[str, str]) -> bool:
    challenge, response = int(proof["challenge"]), int(proof["response"])
    commitment = mul(g(response), power(public, challenge))
    return hash_scalar(prefix, [commitment]) == challenge


def pok(secret: int) -> dict[str, str]:
    return schnorr(f"pok|Ed25519|{show(g(secret))}|", secret)
