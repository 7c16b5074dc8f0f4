"""The booth's JavaScript module against the Python side: the shared cases rebuilt byte for
byte, ballots crossing both ways, and the Benaloh audit record checked by verifiable.audit.

`make test` needs no Node: the audit check runs in Python alone, and what needs Node skips
where it is missing, saying why (CI installs Node and fails instead, and runs the booth's
own suite with `make booth-test`)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI
from tests.verifiable.booth_cases import CASES, build_case, render, tally
from verifiable.audit import check_audit
from verifiable.election import Election, create_ballot, tracker
from verifiable.group import SystemRandomness
from verifiable.verify_common import VerificationError

ROOT = Path(__file__).resolve().parents[2]
BOOTH = ROOT / "booth"
BUNDLE = ROOT / "frontend" / "static" / "frontend" / "booth.bundle.js"
CLI = Path(__file__).with_name("booth_cli.mjs")
CASES_FILE = Path(__file__).parent / "vectors" / "booth_cases.json"


@cache
def _node_problem() -> str | None:
    node = shutil.which("node")
    if node is None:
        return "Node.js is not installed (the booth's tests need Node >= 20)"
    version = subprocess.run([node, "--version"], capture_output=True, text=True).stdout
    found = re.match(r"v(\d+)\.", version)
    if not found or int(found.group(1)) < 20:
        return f"Node.js {version.strip()} is too old (the booth's tests need Node >= 20)"
    return None


def _require_node() -> None:
    problem = _node_problem()
    if problem:
        if IN_CI:
            pytest.fail(f"CI must check the booth against Python: {problem}")
        pytest.skip(problem)


def _bundle(requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run operations through the committed bundle (no node_modules needed)."""
    _require_node()
    done = subprocess.run(
        ["node", str(CLI), str(BUNDLE)],
        input=json.dumps(requests),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    answers: list[dict[str, Any]] = json.loads(done.stdout)
    return answers


class _Recording(SystemRandomness):
    """System randomness that remembers its draws, to reveal them as an audit does."""

    def __init__(self) -> None:
        self.draws: list[int] = []

    def scalar(self) -> int:
        self.draws.append(super().scalar())
        return self.draws[-1]


def _python_audit(election: Election, credential: str, choices: list[list[int]]) -> dict:
    """The Benaloh record of a Python-made ballot. create_ballot draws, per question, one
    randomness per choice, then 3 per individual proof, then 2 * (max - min) + 1 for the
    overall proof; the record reveals the first group of each question."""
    rng = _Recording()
    text = create_ballot(election, credential, choices, rng)
    randomness, at = [], 0
    for question in election.questions:
        n = len(question.answers)
        randomness.append([str(r) for r in rng.draws[at : at + n]])
        at += 4 * n + 2 * (question.max - question.min) + 1
    return {"tracker": tracker(text), "ballot": text, "choices": choices, "randomness": randomness}


def _change_first_digit(text: str, marker: str) -> str:
    at = text.index(marker) + len(marker)
    return text[:at] + ("2" if text[at] == "1" else "1") + text[at + 1 :]


def test_booth_cases_file_is_what_the_seeds_give() -> None:
    assert CASES_FILE.read_text() == render()


@pytest.mark.parametrize("name", sorted(CASES))
def test_audit_record_reveals_the_encrypted_choices(name: str) -> None:
    election, credentials = build_case(name)
    choices = CASES[name][1]
    record = _python_audit(election, credentials[0], choices)
    assert check_audit(election.election_text, json.dumps(record)) == choices


def test_audit_refuses_a_record_that_does_not_match_its_ballot() -> None:
    election, credentials = build_case("approval")
    text = election.election_text
    record = _python_audit(election, credentials[0], [[1, 0, 1, 1]])

    def refused(change: dict[str, Any], election_text: str = text) -> str:
        with pytest.raises(VerificationError) as caught:
            check_audit(election_text, {**record, **change})
        return caught.value.code

    assert refused({"choices": [[1, 1, 1, 1]]}) == "bad_encryption"
    randomness = [[str(int(record["randomness"][0][0]) + 1), *record["randomness"][0][1:]]]
    assert refused({"randomness": randomness}) == "bad_encryption"
    assert refused({"tracker": tracker(record["ballot"] + " ")}) == "bad_tracker"
    assert refused({"choices": [[1, 0, 2, 1]]}) == "bad_audit"
    assert refused({"randomness": [["x"] * 4]}) == "bad_value"
    assert refused({"choices": None}) == "malformed"
    other, _ = build_case("seats")
    assert refused({}, other.election_text) == "wrong_election"


@pytest.mark.parametrize("name", sorted(CASES))
def test_bundle_rebuilds_python_ballots_byte_for_byte(name: str) -> None:
    case = json.loads(CASES_FILE.read_text())[name]
    [answer] = _bundle(
        [
            {
                "op": "create",
                "election": case["election"],
                "credential": case["credentials"][0],
                "answers": case["choices"],
                "seed": case["seed"],
            }
        ]
    )
    assert answer["ballot"] == case["ballot"]


def test_bundle_encrypts_and_python_verifies_and_tallies() -> None:
    requests, expected = [], {}
    for name, (_, choices) in sorted(CASES.items()):
        election, credentials = build_case(name)
        flipped = [v[::-1] for v in choices]
        for credential, answers in ((credentials[1], choices), (credentials[2], flipped)):
            requests.append(
                {
                    "op": "encrypt",
                    "election": election.election_text,
                    "credential": credential,
                    "answers": answers,
                    "audit": False,
                }
            )
        requests.append({**requests[-1], "audit": True})
        expected[name] = [
            [a + b for a, b in zip(x, y, strict=True)]
            for x, y in zip(choices, flipped, strict=True)
        ]
    answers = iter(_bundle(requests))
    for name in sorted(CASES):
        first, second, audited = next(answers), next(answers), next(answers)
        assert audited["ballot"] is None  # an audited ballot is spoiled, never handed out
        checked = tally(name, [first["ballot"], second["ballot"]], [audited["record"]])
        assert checked["accepted"] == 2
        assert checked["result"] == expected[name]
        assert checked["audits"] == [[v[::-1] for v in CASES[name][1]]]


def test_python_encrypts_and_the_bundle_verifies() -> None:
    requests = []
    for name, (_, choices) in sorted(CASES.items()):
        election, credentials = build_case(name)
        ballot = create_ballot(election, credentials[1], choices, SystemRandomness())
        broken = _change_first_digit(ballot, '"challenge":"')
        other, _ = build_case("resolution" if name != "resolution" else "approval")
        for election_text, text in (
            (election.election_text, ballot),
            (election.election_text, broken),
            (other.election_text, ballot),
        ):
            requests.append({"op": "verify", "election": election_text, "ballot": text})
    answers = iter(_bundle(requests))
    for name in sorted(CASES):
        good, broken, elsewhere = next(answers), next(answers), next(answers)
        assert "tracker" in good, name
        assert broken.get("error") in {"bad_proof", "bad_signature"}, name
        assert elsewhere == {"error": "wrong_election"}, name
