"""Benaloh's audit of a booth ballot: re-encrypt each revealed choice and compare.

The booth (booth/src/ballot.js, `auditBallot`) reveals, for a ballot that is then never
cast, the plaintext and the ElGamal randomness of every choice as the record
`{"tracker", "ballot", "choices", "randomness"}`. Anyone holding the election file can
check that the ballot encrypts exactly those choices; nothing else (no credential, no
proof nonce) is revealed, so the audit gives away no secret that could cast a ballot.
"""

from __future__ import annotations

import json
from typing import Any

from . import crypto
from .crypto import Ciphertext
from .group import GroupError, Point, parse_scalar, sha256_b64
from .verify_common import _fail


def check_audit(election_text: str, record: str | dict[str, Any]) -> list[list[int]]:
    """The revealed choices, once the tracker, the election binding and every ciphertext
    check out against them; otherwise VerificationError with a stable code."""
    audit = json.loads(record) if isinstance(record, str) else record
    election = json.loads(election_text)
    try:
        public_key = Point.parse(election["public_key"])
        ballot_text = audit["ballot"]
        if not isinstance(ballot_text, str) or sha256_b64(ballot_text) != audit["tracker"]:
            raise _fail("bad_tracker", "the tracker is not the audited ballot's")
        ballot = json.loads(ballot_text)
        fingerprint = sha256_b64(election_text)
        if (ballot["election_uuid"], ballot["election_hash"]) != (election["uuid"], fingerprint):
            raise _fail("wrong_election", "the audited ballot belongs to another election")
        choices, randomness = audit["choices"], audit["randomness"]
        questions = election["questions"]
        if not len(choices) == len(randomness) == len(ballot["answers"]) == len(questions):
            raise _fail("bad_audit", "the record does not answer every question")
        for number, question in enumerate(questions, start=1):
            vector = choices[number - 1]
            rs = randomness[number - 1]
            cts = ballot["answers"][number - 1]["choices"]
            if not len(vector) == len(rs) == len(cts) == len(question["answers"]):
                raise _fail("bad_audit", f"question {number} has the wrong number of choices")
            if any(m not in (0, 1) for m in vector) or not (
                question["min"] <= sum(vector) <= question["max"]
            ):
                raise _fail("bad_audit", f"question {number}'s choices are not a valid answer")
            for m, r, c in zip(vector, rs, cts, strict=True):
                again = crypto.encrypt(public_key, m, parse_scalar(r))
                if again != Ciphertext(Point.parse(c["alpha"]), Point.parse(c["beta"])):
                    raise _fail(
                        "bad_encryption",
                        f"question {number}: a ciphertext is not the revealed choice",
                    )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        # A field missing or shaped otherwise than the booth writes it (VerificationError
        # is none of these, so refusals above pass through unchanged).
        code = "bad_value" if isinstance(exc, GroupError) else "malformed"
        raise _fail(code, f"the audit record is malformed: {exc!r}") from exc
    return [list(v) for v in choices]
