"""Threshold trustees ("Pedersen" in Belenios 3.3.0): t-of-n decryption of the totals.

The public part of a Pedersen key establishment, as Belenios publishes it: each trustee's
certificate (verification and encryption keys, signed, with its context), the signed
commitments to its polynomial's coefficients (coefexps), its signature over all
certificates and its commitments, and each trustee's verification key g^S_j with a proof
of knowledge and a signature. Here the ceremony is run in one place, for tests; the key
ceremony between separate trustees (encrypted channels through the server) comes next,
and produces exactly these structures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from . import crypto
from .crypto import Proof
from .formats import dumps, proof_json
from .group import DESCRIPTION, IDENTITY, Point, Q, Randomness, g_pow, hash_to_scalar


def sigmsg_prefix(message: str) -> str:
    return f"sigmsg|{message}|"


def sign(sk: int, message: str, rng: Randomness) -> Proof:
    """Belenios' PKI signature of a string (a Schnorr proof over `sigmsg|M|A`)."""
    return crypto.prove_knowledge(sigmsg_prefix(message), sk, rng)


def verify_signature(vk: Point, message: str, proof: Proof) -> bool:
    commitment = g_pow(proof.response) * vk**proof.challenge
    return hash_to_scalar(sigmsg_prefix(message), [commitment]) == proof.challenge


def signed_msg(message: str, proof: Proof) -> dict[str, Any]:
    return {"message": message, "signature": proof_json(proof.challenge, proof.response)}


def verification_keys(coefexps: list[list[Point]]) -> list[Point]:
    """g^S_j = product over i, k of A_ik^(j^k), for j = 1..n."""
    n = len(coefexps)
    keys = []
    for j in range(1, n + 1):
        vk = IDENTITY
        for row in coefexps:
            for k, a in enumerate(row):
                vk = vk * a ** pow(j, k, Q)
        keys.append(vk)
    return keys


@dataclass
class Pedersen:
    """n trustees, any `threshold` of whom decrypt; `secrets[j-1]` is trustee j's S_j."""

    threshold: int
    secrets: list[int]
    parameters: dict[str, Any]
    public_key: Point

    @property
    def size(self) -> int:
        return len(self.secrets)

    @classmethod
    def generate(cls, size: int, threshold: int, rng: Randomness) -> Pedersen:
        if not 1 <= threshold <= size:
            raise ValueError("the threshold is between 1 and the number of trustees")
        sks = [rng.scalar() for _ in range(size)]
        dks = [rng.scalar() for _ in range(size)]
        certs = []
        for index, (sk, dk) in enumerate(zip(sks, dks, strict=True), start=1):
            context = {"group": DESCRIPTION, "size": size, "threshold": threshold, "index": index}
            keys = {
                "context": context,
                "verification": str(g_pow(sk)),
                "encryption": str(g_pow(dk)),
            }
            message = dumps(keys)
            certs.append(signed_msg(message, sign(sk, message, rng)))
        polynomials = [[rng.scalar() for _ in range(threshold)] for _ in range(size)]
        coefexps = [[g_pow(a) for a in poly] for poly in polynomials]
        coefexps_msgs, signatures = [], []
        for sk, row in zip(sks, coefexps, strict=True):
            message = dumps({"coefexps": [str(a) for a in row]})
            coefexps_msgs.append(signed_msg(message, sign(sk, message, rng)))
            certs_sig = "certs_sig|" + dumps({"certs": certs, "coefexps": [str(a) for a in row]})
            signature = sign(sk, certs_sig, rng)
            signatures.append(proof_json(signature.challenge, signature.response))
        secrets = [
            sum(sum(a * pow(j, k, Q) for k, a in enumerate(poly)) for poly in polynomials) % Q
            for j in range(1, size + 1)
        ]
        vks = []
        for sk, secret in zip(sks, secrets, strict=True):
            vk = g_pow(secret)
            pok = crypto.prove_knowledge(crypto.pok_prefix(vk), secret, rng)
            signature = sign(sk, str(vk), rng)
            vks.append(
                {
                    "pok": proof_json(pok.challenge, pok.response),
                    "public_key": str(vk),
                    "signature": proof_json(signature.challenge, signature.response),
                }
            )
        parameters = {
            "threshold": threshold,
            "certs": certs,
            "coefexps": coefexps_msgs,
            "signatures": signatures,
            "verification_keys": vks,
        }
        public_key = IDENTITY
        for row in coefexps:
            public_key = public_key * row[0]
        return cls(threshold, secrets, parameters, public_key)

    def to_json(self) -> list[Any]:
        return ["Pedersen", self.parameters]
