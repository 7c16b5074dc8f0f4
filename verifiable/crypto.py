"""Belenios 3.3.0's cryptography: credentials, exponential ElGamal, the disjunctive
Chaum-Pedersen (interval membership) proofs, ballot signatures, trustee keys with their
proof of knowledge, partial decryptions with proofs, and the tally.

Each Fiat-Shamir hash is the specification's string: a verbatim tag (`pok`, `prove`,
`sig`, `decrypt`), vertical bars, and points in Belenios' hexadecimal form joined with
commas, hashed with SHA-256 and read as a big-endian number modulo q.
"""

from __future__ import annotations

from dataclasses import dataclass

from .group import (
    DESCRIPTION,
    IDENTITY,
    Point,
    Q,
    Randomness,
    g_pow,
    hash_to_scalar,
    sha256_hex,
)

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


@dataclass(frozen=True)
class Proof:
    challenge: int
    response: int


@dataclass(frozen=True)
class Ciphertext:
    alpha: Point
    beta: Point

    def __mul__(self, other: Ciphertext) -> Ciphertext:
        return Ciphertext(self.alpha * other.alpha, self.beta * other.beta)

    def __pow__(self, k: int) -> Ciphertext:
        return Ciphertext(self.alpha**k, self.beta**k)


ONE = Ciphertext(IDENTITY, IDENTITY)


# Credentials ---------------------------------------------------------------------------


def format_credential(token: str) -> str:
    """22 Base58 characters grouped 5-6-5-6, the "full" credential form."""
    if len(token) != 22 or any(c not in B58 for c in token):
        raise ValueError("a credential is 22 Base58 characters")
    return f"{token[:5]}-{token[5:11]}-{token[11:16]}-{token[16:]}"


def new_credential(rng: Randomness) -> str:
    token = ""
    value = rng.scalar()
    for _ in range(22):
        value, digit = divmod(value, 58)
        token += B58[digit]
    return format_credential(token)


def credential_secret(uuid: str, credential: str) -> int:
    """secret(c): two SHA-256 blocks over `derive_credential|uuid|i|c`, modulo q."""
    parts = [sha256_hex(f"derive_credential|{uuid}|{i}|{credential}") for i in (0, 1)]
    return int("".join(parts), 16) % Q


def public_credential(uuid: str, credential: str) -> Point:
    return g_pow(credential_secret(uuid, credential))


# ElGamal and interval proofs -----------------------------------------------------------


def encrypt(y: Point, m: int, r: int) -> Ciphertext:
    return Ciphertext(g_pow(r), (y**r) * g_pow(m))


def _prove_prefix(zkp: str, c: Ciphertext) -> str:
    return f"prove|{zkp}|{c.alpha},{c.beta}|"


def iprove(
    y: Point, zkp: str, c: Ciphertext, r: int, index: int, values: list[int], rng: Randomness
) -> list[Proof]:
    """Prove that c encrypts values[index] with randomness r, hiding which one."""
    proofs: list[Proof | None] = [None] * len(values)
    commitments: list[Point] = [IDENTITY] * (2 * len(values))
    others = 0
    for j, m in enumerate(values):
        if j == index:
            continue
        challenge, response = rng.scalar(), rng.scalar()
        proofs[j] = Proof(challenge, response)
        commitments[2 * j] = g_pow(response) * c.alpha**challenge
        commitments[2 * j + 1] = (y**response) * (c.beta / g_pow(m)) ** challenge
        others += challenge
    w = rng.scalar()
    commitments[2 * index] = g_pow(w)
    commitments[2 * index + 1] = y**w
    challenge = (hash_to_scalar(_prove_prefix(zkp, c), commitments) - others) % Q
    proofs[index] = Proof(challenge, (w - r * challenge) % Q)
    return [p for p in proofs if p is not None]


def iverify(y: Point, zkp: str, c: Ciphertext, proofs: list[Proof], values: list[int]) -> bool:
    if len(proofs) != len(values):
        return False
    commitments: list[Point] = []
    total = 0
    for proof, m in zip(proofs, values, strict=True):
        commitments.append(g_pow(proof.response) * c.alpha**proof.challenge)
        commitments.append((y**proof.response) * (c.beta / g_pow(m)) ** proof.challenge)
        total += proof.challenge
    return hash_to_scalar(_prove_prefix(zkp, c), commitments) == total % Q


# Schnorr-style proofs: trustee keys and ballot signatures ------------------------------


def pok_prefix(public_key: Point) -> str:
    return f"pok|{DESCRIPTION}|{public_key}|"


def prove_knowledge(prefix: str, secret: int, rng: Randomness) -> Proof:
    w = rng.scalar()
    challenge = hash_to_scalar(prefix, [g_pow(w)])
    return Proof(challenge, (w - secret * challenge) % Q)


def verify_knowledge(prefix: str, public: Point, proof: Proof) -> bool:
    commitment = g_pow(proof.response) * public**proof.challenge
    return hash_to_scalar(prefix, [commitment]) == proof.challenge


def sig_prefix(ballot_hash: str) -> str:
    return f"sig|{ballot_hash}|"


# Partial decryptions -------------------------------------------------------------------


def decrypt_prefix(fingerprint: str, public_key: Point) -> str:
    return f"decrypt|{fingerprint}|{public_key}|"


def decryption_factor(
    fingerprint: str, x: int, c: Ciphertext, rng: Randomness
) -> tuple[Point, Proof]:
    w = rng.scalar()
    challenge = hash_to_scalar(decrypt_prefix(fingerprint, g_pow(x)), [g_pow(w), c.alpha**w])
    return c.alpha**x, Proof(challenge, (w - x * challenge) % Q)


def verify_factor(
    fingerprint: str, public_key: Point, c: Ciphertext, factor: Point, proof: Proof
) -> bool:
    a = g_pow(proof.response) * public_key**proof.challenge
    b = (c.alpha**proof.response) * factor**proof.challenge
    return hash_to_scalar(decrypt_prefix(fingerprint, public_key), [a, b]) == proof.challenge


def discrete_log(point: Point, bound: int) -> int:
    """The m in 0..bound with g^m = point (totals are bounded by the total weight)."""
    current = IDENTITY
    for m in range(bound + 1):
        if current == point:
            return m
        current = current * g_pow(1)
    raise ValueError("no small discrete logarithm: the decryption is wrong")


def lagrange(indexes: list[int], delta: int) -> int:
    """Lagrange coefficient at 0 of trustee number delta among indexes (1-based), mod q."""
    value = 1
    for k in indexes:
        if k != delta:
            value = value * k * pow(k - delta, -1, Q) % Q
    return value
