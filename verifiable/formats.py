"""The Belenios 3.3.0 JSON structures, written compact with the specification's field order.

Every structure is built as a dict in the order the specification gives, then serialised
without spaces; the archive stores exactly these bytes and every hash is taken over them.
Reading goes the other way and refuses any text that does not serialise back to itself.
"""

from __future__ import annotations

import json
from typing import Any

from .group import Point


def dumps(value: Any) -> str:
    """Compact JSON, UTF-8 kept as is, as Belenios (Yojson) writes it."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def proof_json(challenge: int, response: int) -> dict[str, str]:
    return {"challenge": str(challenge), "response": str(response)}


def ciphertext_json(alpha: Point, beta: Point) -> dict[str, str]:
    return {"alpha": str(alpha), "beta": str(beta)}


def question_json(question: str, answers: list[str], minimum: int, maximum: int) -> dict[str, Any]:
    return {"answers": answers, "min": minimum, "max": maximum, "question": question}


def election_json(
    *,
    uuid: str,
    name: str,
    description: str,
    public_key: Point,
    questions: list[dict[str, Any]],
) -> dict[str, Any]:
    return {
        "version": 1,
        "description": description,
        "name": name,
        "group": "Ed25519",
        "public_key": str(public_key),
        "questions": questions,
        "uuid": uuid,
    }


def public_credential_line(credential: Point, weight: int, weighted: bool) -> str:
    return f"{credential},{weight}" if weighted else str(credential)


def event_json(height: int, kind: str, parent: str | None, payload: str | None) -> dict[str, Any]:
    event: dict[str, Any] = {}
    if parent is not None:
        event["parent"] = parent
    event["height"] = height
    event["type"] = kind
    if payload is not None:
        event["payload"] = payload
    return event
