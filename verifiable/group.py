"""The Ed25519 group as Belenios 3.3.0 uses it, over libsodium (PyNaCl).

Belenios writes a point as its compressed 256-bit number in big-endian hexadecimal (64
characters); libsodium holds the same number little-endian, so the two differ by a byte
reversal. Scalars live modulo the prime order q of the base point. Only points of the
prime-order subgroup are group elements: anything else is refused when read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Protocol

from nacl import bindings

DESCRIPTION = "Ed25519"
Q = 2**252 + 27742317777372353535851937790883648493
_IDENTITY = b"\x01" + b"\x00" * 31


class GroupError(ValueError):
    """A string that is not the canonical encoding of a group element or a scalar."""


class Point:
    """An element of the prime-order subgroup, held in libsodium's encoding."""

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    @classmethod
    def parse(cls, text: str) -> Point:
        """Read Belenios' hexadecimal form, refusing anything outside the subgroup."""
        if not isinstance(text, str) or len(text) != 64:
            raise GroupError("a point is 64 hexadecimal characters")
        if text != text.lower():
            raise GroupError("a point is written in lower-case hexadecimal")
        try:
            raw = bytes.fromhex(text)[::-1]
        except ValueError as exc:
            raise GroupError("a point is written in hexadecimal") from exc
        if raw != _IDENTITY and not bindings.crypto_core_ed25519_is_valid_point(raw):
            raise GroupError("not a point of the prime-order subgroup")
        return cls(raw)

    def __str__(self) -> str:
        return self.raw[::-1].hex()

    def __repr__(self) -> str:
        return f"Point({self})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and hmac.compare_digest(self.raw, other.raw)

    def __hash__(self) -> int:
        return hash(self.raw)

    def __mul__(self, other: Point) -> Point:
        """The group law (written multiplicatively, as in the specification)."""
        if self.raw == _IDENTITY:
            return other
        if other.raw == _IDENTITY:
            return self
        return Point(bindings.crypto_core_ed25519_add(self.raw, other.raw))

    def __truediv__(self, other: Point) -> Point:
        if other.raw == _IDENTITY:
            return self
        if self.raw == _IDENTITY:
            return other.inverse()
        return Point(bindings.crypto_core_ed25519_sub(self.raw, other.raw))

    def __pow__(self, exponent: int) -> Point:
        k = exponent % Q
        if k == 0 or self.raw == _IDENTITY:
            return IDENTITY
        try:
            if self.raw == G.raw:
                return Point(bindings.crypto_scalarmult_ed25519_base_noclamp(_scalar(k)))
            return Point(bindings.crypto_scalarmult_ed25519_noclamp(_scalar(k), self.raw))
        except Exception:  # libsodium refuses to return the identity
            return IDENTITY

    def inverse(self) -> Point:
        return self ** (Q - 1)


def _scalar(k: int) -> bytes:
    return k.to_bytes(32, "little")


IDENTITY = Point(_IDENTITY)
# The base point: y = 4/5 with an even x, libsodium's and Belenios' generator alike.
G = Point(bytes.fromhex("58" + "66" * 31))


def g_pow(k: int) -> Point:
    return G**k


def parse_scalar(text: str) -> int:
    """A scalar in canonical base 10, below q."""
    if not isinstance(text, str) or not text.isascii() or not text.isdigit():
        raise GroupError("a number is written in base 10")
    value = int(text)
    if str(value) != text or value >= Q:
        raise GroupError("not a canonical number modulo q")
    return value


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def sha256_b64(text: str) -> str:
    """Belenios' compact fingerprint: Base64 of SHA-256, without padding."""
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode().rstrip("=")


def hex_to_b64(hex_hash: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_hash)).decode().rstrip("=")


def hash_to_scalar(prefix: str, points: Iterable[Point] = ()) -> int:
    """SHA-256 of the prefix followed by the points joined with commas, modulo q."""
    text = prefix + ",".join(str(p) for p in points)
    return int(sha256_hex(text), 16) % Q


class Randomness(Protocol):
    def scalar(self) -> int: ...


class SystemRandomness:
    """Scalars from the operating system, for real use."""

    def scalar(self) -> int:
        return secrets.randbelow(Q)


class SeededRandomness:
    """Deterministic scalars from a seed, for shared test vectors only."""

    def __init__(self, seed: str) -> None:
        self.seed = seed.encode()
        self.counter = 0

    def scalar(self) -> int:
        self.counter += 1
        block = hmac.new(self.seed, str(self.counter).encode(), hashlib.sha512).digest()
        return int.from_bytes(block, "big") % Q
