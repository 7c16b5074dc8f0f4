"""A trustee's steps of Belenios' threshold ("Pedersen") key establishment, and its
partial decryption of the totals.

The key file is a JSON object kept by the trustee alone; each step reads it, adds what it
made, and returns what the server publishes. Shares travel through the server encrypted to
their recipient's encryption key (an ephemeral Diffie-Hellman in the group, then
XSalsa20-Poly1305), and the recipient checks each one against its sender's signed
commitments, so the server can neither read nor substitute them.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

import nacl.secret

from .primitives import (
    ORDER,
    check_schnorr,
    div,
    dumps,
    g,
    hash_scalar,
    mul,
    parse,
    pok,
    power,
    random_scalar,
    show,
    sign,
)


class CeremonyError(ValueError):
    """A step cannot go on: a share or a signature from another trustee fails."""


def new_key(*, index: int, size: int, threshold: int) -> dict[str, Any]:
    """Signing and encryption keys with the certificate that publishes them."""
    signing, encryption = random_scalar(), random_scalar()
    context = {"group": "Ed25519", "size": size, "threshold": threshold, "index": index}
    message = dumps(
        {"context": context, "verification": show(g(signing)), "encryption": show(g(encryption))}
    )
    return {
        "index": index,
        "size": size,
        "threshold": threshold,
        "signing": str(signing),
        "encryption": str(encryption),
        "certificate": {"message": message, "signature": sign(signing, message)},
    }


def _box_key(shared: bytes) -> bytes:
    return hashlib.sha256(b"collegia-share|" + show(shared).encode()).digest()


def _encrypt_share(recipient_key: bytes, plain: str) -> dict[str, str]:
    r = random_scalar()
    box = nacl.secret.SecretBox(_box_key(power(recipient_key, r)))
    return {"ephemeral": show(g(r)), "box": base64.b64encode(box.encrypt(plain.encode())).decode()}


def _decrypt_share(key: dict[str, Any], sealed: dict[str, str]) -> str:
    shared = power(parse(sealed["ephemeral"]), int(key["encryption"]))
    box = nacl.secret.SecretBox(_box_key(shared))
    return box.decrypt(base64.b64decode(sealed["box"])).decode()


def commitments(key: dict[str, Any], certs: list[dict[str, Any]]) -> dict[str, Any]:
    """Step 2: a random polynomial of degree threshold-1, its signed commitments, the
    signature over every certificate, and one encrypted share per trustee."""
    if len(certs) != key["size"] or certs[key["index"] - 1] != key["certificate"]:
        raise CeremonyError("the certificates do not include this trustee's own")
    encryption_keys = []
    for number, cert in enumerate(certs, start=1):
        keys = json.loads(cert["message"])
        prefix = f"sigmsg|{cert['message']}|"
        if not check_schnorr(prefix, parse(keys["verification"]), cert["signature"]):
            raise CeremonyError(f"certificate {number} is not signed by its trustee")
        encryption_keys.append(parse(keys["encryption"]))
    signing = int(key["signing"])
    polynomial = [random_scalar() for _ in range(key["threshold"])]
    exps = [show(g(a)) for a in polynomial]
    message = dumps({"coefexps": exps})
    shares = []
    for j, recipient in enumerate(encryption_keys, start=1):
        value = sum(a * pow(j, k, ORDER) for k, a in enumerate(polynomial)) % ORDER
        plain = dumps({"from": key["index"], "to": j, "share": str(value)})
        shares.append(_encrypt_share(recipient, plain))
    key["polynomial"] = [str(a) for a in polynomial]
    return {
        "coefexps": {"message": message, "signature": sign(signing, message)},
        "signature": sign(signing, "certs_sig|" + dumps({"certs": certs, "coefexps": exps})),
        "shares": shares,
    }


def verification_key(
    key: dict[str, Any],
    certs: list[dict[str, Any]],
    coefexps: list[dict[str, Any]],
    shares: list[dict[str, str]],
) -> dict[str, Any]:
    """Step 3: open the share each trustee sent, check it against the sender's signed
    commitments, add them into this trustee's decryption key, publish g^key signed."""
    j = key["index"]
    total = 0
    rows = zip(certs, coefexps, shares, strict=True)
    for sender, (cert, signed, sealed) in enumerate(rows, start=1):
        vk = parse(json.loads(cert["message"])["verification"])
        if not check_schnorr(f"sigmsg|{signed['message']}|", vk, signed["signature"]):
            raise CeremonyError(f"trustee {sender}'s commitments are not signed by them")
        row = [parse(a) for a in json.loads(signed["message"])["coefexps"]]
        opened = json.loads(_decrypt_share(key, sealed))
        if opened["from"] != sender or opened["to"] != j:
            raise CeremonyError(f"the share from trustee {sender} is addressed elsewhere")
        value = int(opened["share"]) % ORDER
        expected = row[0]
        for k, a in enumerate(row[1:], start=1):
            expected = mul(expected, power(a, pow(j, k, ORDER)))
        if g(value) != expected:
            raise CeremonyError(f"the share from trustee {sender} does not match its commitments")
        total = (total + value) % ORDER
    key["secret"] = str(total)
    key.pop("polynomial", None)
    public = show(g(total))
    return {"pok": pok(total), "public_key": public, "signature": sign(int(key["signing"]), public)}


def partial_decryption(
    key: dict[str, Any], fingerprint: str, tally: list[list[dict[str, str]]]
) -> dict[str, Any]:
    """Belenios' partial decryption: alpha^key for each total, with a proof that the same
    key opens g^key (the `decrypt|fingerprint|vk|` proof)."""
    secret = int(key["secret"])
    public = show(g(secret))
    factors, proofs = [], []
    for row in tally:
        row_factors, row_proofs = [], []
        for ciphertext in row:
            alpha = parse(ciphertext["alpha"])
            w = random_scalar()
            challenge = hash_scalar(f"decrypt|{fingerprint}|{public}|", [g(w), power(alpha, w)])
            row_factors.append(show(power(alpha, secret)))
            row_proofs.append(
                {"challenge": str(challenge), "response": str((w - secret * challenge) % ORDER)}
            )
        factors.append(row_factors)
        proofs.append(row_proofs)
    return {"decryption_factors": factors, "decryption_proofs": proofs}


def audit_ballot(audited: dict[str, Any]) -> list[list[int]]:
    """Benaloh's challenge: re-encrypt the revealed choices with the revealed randomness
    under the election key and compare with the ballot; returns the choices it proves.

    `audited` holds `election` (the election JSON), `ballot`, `choices` (0/1 per answer)
    and `randomness` (one scalar per ciphertext, in base 10)."""
    election = audited["election"]
    election = json.loads(election) if isinstance(election, str) else election
    ballot = audited["ballot"]
    ballot = json.loads(ballot) if isinstance(ballot, str) else ballot
    if ballot["election_uuid"] != election["uuid"]:
        raise CeremonyError("the ballot belongs to another election")
    y = parse(election["public_key"])
    answers = ballot["answers"]
    if len(answers) != len(audited["choices"]) or len(answers) != len(audited["randomness"]):
        raise CeremonyError("the revealed choices do not fit the ballot")
    for q, (answer, choices, rs) in enumerate(
        zip(answers, audited["choices"], audited["randomness"], strict=True), start=1
    ):
        if not len(answer["choices"]) == len(choices) == len(rs):
            raise CeremonyError(f"question {q}: the revealed choices do not fit the ballot")
        for c, m, r in zip(answer["choices"], choices, rs, strict=True):
            r = int(r)
            if parse(c["alpha"]) != g(r) or div(parse(c["beta"]), power(y, r)) != g(m):
                raise CeremonyError(f"question {q}: a ciphertext does not encrypt the choice")
    return [list(c) for c in audited["choices"]]
