"""What every check of an election archive shares: the refusal and the report, the
parsing of canonical JSON, points, proofs and ciphertexts, and the election's setup."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .crypto import Ciphertext, Proof
from .formats import dumps
from .group import GroupError, Point, parse_scalar


class VerificationError(Exception):
    """A refusal, with a stable machine code and a sentence naming the artefact."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass
class Report:
    uuid: str
    fingerprint: str
    result: list[list[int]] | None
    num_tallied: int | None
    total_weight: int | None
    trackers: list[str] = field(default_factory=list)
    ballots_accepted: int = 0


def _fail(code: str, message: str) -> VerificationError:
    return VerificationError(code, message)


def _canonical(text: str, what: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise _fail("not_json", f"{what} is not JSON") from exc
    if dumps(value) != text:
        raise _fail("not_canonical", f"{what} is not in Belenios' canonical form")
    return value


def _point(text: Any, what: str) -> Point:
    try:
        return Point.parse(text)
    except GroupError as exc:
        raise _fail("bad_point", f"{what}: {exc}") from exc


def _proof(value: Any, what: str) -> Proof:
    try:
        if list(value) != ["challenge", "response"]:
            raise GroupError("a proof has a challenge and a response")
        return Proof(parse_scalar(value["challenge"]), parse_scalar(value["response"]))
    except (GroupError, TypeError) as exc:
        raise _fail("bad_proof", f"{what}: {exc}") from exc


def _ciphertext(value: Any, what: str) -> Ciphertext:
    if not isinstance(value, dict) or list(value) != ["alpha", "beta"]:
        raise _fail("bad_ciphertext", f"{what} is not a ciphertext")
    return Ciphertext(_point(value["alpha"], what), _point(value["beta"], what))


@dataclass
class _Setup:
    uuid: str
    fingerprint: str
    public_key: Point
    questions: list[dict[str, Any]]
    trustee_keys: list[Point]
    weights: dict[str, int]
    # owner number -> (item index in the trustees list, 1-based index within a Pedersen item)
    owners: dict[int, tuple[int, int]]
    thresholds: dict[int, int]  # Pedersen item index -> threshold
