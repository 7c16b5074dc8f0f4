"""Shared test vectors with fixed seeds, for the booth's JavaScript module to check against.

`python -m verifiable.vectors > tests/verifiable/vectors/belenios_ed25519.json` rewrites
them; the tests compare this output with the committed file byte for byte. Randomness is
`SeededRandomness`: the n-th scalar (n = 1, 2, ...) is HMAC-SHA512(key=seed, message=n in
base 10) read big-endian, modulo q.
"""

from __future__ import annotations

import json
from typing import Any

from . import crypto
from .election import Election, Question, Trustee, create_ballot, new_uuid, tracker
from .formats import proof_json
from .group import DESCRIPTION, G, Q, SeededRandomness, hash_to_scalar, sha256_b64


def build_vectors() -> dict[str, Any]:
    rng = SeededRandomness("collegia-vectors-1")
    uuid = new_uuid(rng)
    credential = crypto.new_credential(rng)
    secret = crypto.credential_secret(uuid, credential)
    public = crypto.public_credential(uuid, credential)
    trustee = Trustee.generate(rng)
    question = Question("Adopt resolution 1?", ["For", "Against", "Abstain"], 1, 1)
    election = Election(
        uuid=uuid,
        questions=[question],
        trustees=[trustee],
        credentials={str(public): 1},
        name="Collège des salariés",
        description="Vecteurs de test",
    )
    y = election.public_key
    r = rng.scalar()
    ciphertext = crypto.encrypt(y, 1, r)
    s0 = f"{election.fingerprint}|{public}"
    proof_seed = "collegia-vectors-iprove"
    proofs = crypto.iprove(y, s0, ciphertext, r, 1, [0, 1], SeededRandomness(proof_seed))
    ballot_seed = "collegia-vectors-ballot"
    ballot = create_ballot(election, credential, [[1, 0, 0]], SeededRandomness(ballot_seed))
    factor, factor_proof = crypto.decryption_factor(
        election.fingerprint, trustee.secret, ciphertext, SeededRandomness("collegia-vectors-pd")
    )
    hash_input = "prove|example|"
    return {
        "about": (
            "Belenios 3.3.0, group Ed25519. Points: compressed, big-endian hexadecimal. "
            "Scalars: base 10. Seeded randomness: n-th scalar = HMAC-SHA512(key=seed, "
            "message=str(n)) big-endian mod q, n from 1."
        ),
        "group": {"description": DESCRIPTION, "q": str(Q), "g": str(G)},
        "hash": {
            "input": hash_input + f"{G},{G}",
            "scalar": str(hash_to_scalar(hash_input, [G, G])),
            "sha256_b64": sha256_b64("Collegia"),
        },
        "seed": "collegia-vectors-1",
        "uuid": uuid,
        "credential": {
            "private": credential,
            "secret": str(secret),
            "public": str(public),
        },
        "trustee": {"secret": str(trustee.secret), "public": json.loads(election.trustees_text)},
        "election": election.election_text,
        "fingerprint": election.fingerprint,
        "encryption": {
            "public_key": str(y),
            "m": 1,
            "r": str(r),
            "alpha": str(ciphertext.alpha),
            "beta": str(ciphertext.beta),
        },
        "iprove": {
            "seed": proof_seed,
            "prefix": s0,
            "values": [0, 1],
            "index": 1,
            "proofs": [proof_json(p.challenge, p.response) for p in proofs],
        },
        "ballot": {
            "seed": ballot_seed,
            "choices": [[1, 0, 0]],
            "text": ballot,
            "tracker": tracker(ballot),
        },
        "partial_decryption": {
            "seed": "collegia-vectors-pd",
            "factor": str(factor),
            "proof": proof_json(factor_proof.challenge, factor_proof.response),
        },
    }


def render() -> str:
    return json.dumps(build_vectors(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    print(render(), end="")
