"""One byte changed in each kind of artefact is refused by Collegia's verifier and by
belenios-tool; the archive is re-hashed and re-chained after each change, as a server
rewriting its own bulletin board would do, so only the cryptography can catch it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from verifiable import crypto
from verifiable.archive import Archive, read_members
from verifiable.election import run_election
from verifiable.formats import dumps, proof_json
from verifiable.group import G, GroupError, Point, SeededRandomness, sha256_b64
from verifiable.verify import VerificationError, verify_archive

from .conftest import APPROVAL, RESOLUTION, College, tool_verify

VOTES = [[[1, 0, 0], [1, 1, 0, 0]], [[0, 1, 0], [0, 0, 1, 0]], [[1, 0, 0], [0, 0, 0, 1]]]
# A point of order 2 (y = -1) and the base point moved off the subgroup by it.
ORDER_TWO = "7f" + "ff" * 30 + "ec"


@pytest.fixture(scope="module")
def election() -> tuple[College, list[tuple[str, bytes]]]:
    college = College("mutations", 3, [RESOLUTION, APPROVAL], trustees=2)
    votes = list(zip(college.credentials, VOTES, strict=True))
    outcome = run_election(college.election, votes, college.rng)
    return college, read_members(outcome.archive.to_bytes())


def flip(value: str) -> str:
    """The same string with its last character changed (a digit stays a digit)."""
    last = value[-1]
    alphabet = "0123456789" if value.isdigit() else "0123456789abcdef"
    return value[:-1] + alphabet[(alphabet.index(last) + 1) % len(alphabet)]


def relink(entries: list[tuple[str, bytes]], index: int, content: bytes) -> bytes:
    """Replace one member's content and re-hash everything after it consistently; the
    archive keeps the timestamp of its header (belenios-tool compares the members' dates
    with it)."""
    renamed: dict[str, str] = {}
    out: list[tuple[str, bytes]] = []
    for i, (name, old) in enumerate(entries):
        text = (content if i == index else old).decode()
        for before, after in renamed.items():
            text = text.replace(before, after)
        data = text.encode()
        if name != "BELENIOS":
            digest, suffix = name.split(".", 1)
            new = hashlib.sha256(data).hexdigest()
            if new != digest:
                renamed[digest] = new
            name = f"{new}.{suffix}"
        out.append((name, data))
    timestamp = int(json.loads(entries[0][1])["timestamp"])
    return Archive(timestamp=timestamp, entries=out).to_bytes()


def find(entries: list[tuple[str, bytes]], test: Callable[[Any], bool], nth: int = 0) -> int:
    hits = [
        i
        for i, (name, content) in enumerate(entries)
        if name.endswith(".json") and test(json.loads(content))
    ]
    return hits[nth]


def is_ballot(value: Any) -> bool:
    return isinstance(value, dict) and "election_uuid" in value


def resign(college: College, ballot: dict[str, Any], voter: int) -> dict[str, Any]:
    """A voter who holds the credential signs the altered ballot again."""
    s = crypto.credential_secret(college.uuid, college.credentials[voter])
    unsigned = {k: v for k, v in ballot.items() if k != "signature"}
    ballot_hash = sha256_b64(dumps(unsigned))
    proof = crypto.prove_knowledge(crypto.sig_prefix(ballot_hash), s, SeededRandomness("re"))
    return {
        **unsigned,
        "signature": {"hash": ballot_hash, "proof": proof_json(proof.challenge, proof.response)},
    }


def mutate_ballot(
    election: tuple[College, list[tuple[str, bytes]]],
    change: Callable[[dict[str, Any]], None],
    resigned: bool,
) -> bytes:
    college, entries = election
    index = find(entries, is_ballot)
    ballot = json.loads(entries[index][1])
    change(ballot)
    if resigned:
        ballot = resign(college, ballot, 0)
    return relink(entries, index, dumps(ballot).encode())


def assert_refused(data: bytes, tmp_path: Path, run_tool, code: str | None = None) -> None:
    with pytest.raises(VerificationError) as refused:
        verify_archive(data)
    if code:
        assert refused.value.code == code, refused.value
    accepted, _ = tool_verify(run_tool, data, tmp_path)
    assert not accepted, "belenios-tool accepted a tampered archive"


def test_untouched_archive_passes_both(election, tmp_path: Path, run_tool) -> None:
    """The control: the same relinking with no change keeps the archive valid."""
    _college, entries = election
    data = relink(entries, 1, entries[1][1])
    assert verify_archive(data).result == [[2, 1, 0], [1, 1, 1, 1]]
    accepted, errors = tool_verify(run_tool, data, tmp_path)
    assert accepted, errors


BALLOT_CHANGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "ciphertext": lambda b: b["answers"][0]["choices"][0].update(
        alpha=flip(b["answers"][0]["choices"][0]["alpha"])
    ),
    "individual challenge": lambda b: b["answers"][0]["individual_proofs"][0][0].update(
        challenge=flip(b["answers"][0]["individual_proofs"][0][0]["challenge"])
    ),
    "individual response": lambda b: b["answers"][1]["individual_proofs"][2][1].update(
        response=flip(b["answers"][1]["individual_proofs"][2][1]["response"])
    ),
    "overall response": lambda b: b["answers"][1]["overall_proof"][0].update(
        response=flip(b["answers"][1]["overall_proof"][0]["response"])
    ),
}


@pytest.mark.parametrize("resigned", [False, True], ids=["as-is", "re-signed"])
@pytest.mark.parametrize("what", sorted(BALLOT_CHANGES))
def test_ballot_byte_changed_is_refused(election, tmp_path, run_tool, what, resigned) -> None:
    data = mutate_ballot(election, BALLOT_CHANGES[what], resigned)
    expected = None if resigned else "bad_signature"
    assert_refused(data, tmp_path, run_tool, expected)


def test_signature_byte_changed_is_refused(election, tmp_path, run_tool) -> None:
    def change(b: dict[str, Any]) -> None:
        b["signature"]["proof"]["challenge"] = flip(b["signature"]["proof"]["challenge"])

    assert_refused(mutate_ballot(election, change, False), tmp_path, run_tool, "bad_signature")


def test_ballot_credential_byte_changed_is_refused(election, tmp_path, run_tool) -> None:
    def change(b: dict[str, Any]) -> None:
        b["credential"] = flip(b["credential"])

    data = mutate_ballot(election, change, False)
    with pytest.raises(VerificationError) as refused:
        verify_archive(data)
    assert refused.value.code in {"unknown_credential", "bad_point"}
    assert not tool_verify(run_tool, data, tmp_path)[0]


def test_public_credential_byte_changed_is_refused(election, tmp_path, run_tool) -> None:
    _college, entries = election
    index = find(entries, lambda v: isinstance(v, list) and v and isinstance(v[0], str))
    creds = json.loads(entries[index][1])
    creds[0] = flip(creds[0])
    data = relink(entries, index, dumps(creds).encode())
    with pytest.raises(VerificationError):
        verify_archive(data)
    assert not tool_verify(run_tool, data, tmp_path)[0]


def test_chain_parent_byte_changed_is_refused(election, tmp_path, run_tool) -> None:
    _college, entries = election
    index = find(entries, lambda v: isinstance(v, dict) and v.get("type") == "EndBallots")
    event = json.loads(entries[index][1])
    event["parent"] = flip(event["parent"])
    assert_refused(
        relink(entries, index, dumps(event).encode()), tmp_path, run_tool, "broken_chain"
    )


def test_encrypted_total_byte_changed_is_refused(election, tmp_path, run_tool) -> None:
    _college, entries = election
    index = find(
        entries,
        lambda v: isinstance(v, list) and v and isinstance(v[0], list) and "alpha" in v[0][0],
    )
    tally = json.loads(entries[index][1])
    tally[0][0]["beta"] = flip(tally[0][0]["beta"])
    data = relink(entries, index, dumps(tally).encode())
    with pytest.raises(VerificationError) as refused:
        verify_archive(data)
    assert refused.value.code in {"bad_tally", "bad_point"}
    assert not tool_verify(run_tool, data, tmp_path)[0]


@pytest.mark.parametrize("field", ["decryption_factors", "decryption_proofs"])
def test_partial_decryption_byte_changed_is_refused(election, tmp_path, run_tool, field) -> None:
    _college, entries = election
    index = find(entries, lambda v: isinstance(v, dict) and "decryption_factors" in v, nth=1)
    pd = json.loads(entries[index][1])
    if field == "decryption_factors":
        pd[field][1][2] = flip(pd[field][1][2])
    else:
        pd[field][0][1]["response"] = flip(pd[field][0][1]["response"])
    data = relink(entries, index, dumps(pd).encode())
    with pytest.raises(VerificationError) as refused:
        verify_archive(data)
    assert refused.value.code in {"bad_decryption", "bad_point"}
    assert not tool_verify(run_tool, data, tmp_path)[0]


def test_result_byte_changed_is_refused(election, tmp_path, run_tool) -> None:
    _college, entries = election
    index = find(entries, lambda v: isinstance(v, dict) and "result" in v)
    result = json.loads(entries[index][1])
    result["result"][0][1] += 1
    assert_refused(relink(entries, index, dumps(result).encode()), tmp_path, run_tool, "bad_result")


@pytest.mark.parametrize("point", ["small order", "off the subgroup"])
def test_point_outside_subgroup_is_refused(election, tmp_path, run_tool, point) -> None:
    torsion = Point(bytes.fromhex(ORDER_TWO)[::-1])  # unchecked on purpose
    outside = ORDER_TWO if point == "small order" else str(G * torsion)
    with pytest.raises(GroupError):
        Point.parse(outside)

    def change(b: dict[str, Any]) -> None:
        b["answers"][0]["choices"][0]["alpha"] = outside

    assert_refused(mutate_ballot(election, change, True), tmp_path, run_tool, "bad_point")


def test_ballot_replayed_into_another_election_is_refused(election) -> None:
    college, entries = election
    other = College("another", 3, [RESOLUTION, APPROVAL], trustees=2)
    ballot = entries[find(entries, is_ballot)][1].decode()
    outcome = run_election(other.election, [], other.rng)
    members = read_members(outcome.archive.to_bytes())
    setup_end = find(members, lambda v: isinstance(v, dict) and v.get("type") == "Setup")
    archive = Archive(timestamp=1_800_000_000, entries=members[: setup_end + 1])
    archive.last_event = members[setup_end][0].split(".")[0]
    archive.height = 0
    archive.add_event("Ballot", archive.add_data(ballot))
    with pytest.raises(VerificationError) as refused:
        verify_archive(archive.to_bytes())
    assert refused.value.code == "wrong_election"
    assert college.uuid != other.uuid


def test_proofs_replayed_from_another_ballot_are_refused(election, tmp_path, run_tool) -> None:
    """Voter 2 copies voter 1's encrypted answers and proofs and signs them with their own
    credential: the proofs are bound to voter 1's credential, so they fail."""
    college, entries = election
    first = json.loads(entries[find(entries, is_ballot, nth=0)][1])
    index = find(entries, is_ballot, nth=1)
    second = json.loads(entries[index][1])
    second["answers"] = first["answers"]
    data = relink(entries, index, dumps(resign(college, second, 1)).encode())
    assert_refused(data, tmp_path, run_tool, "bad_proof")


def test_credential_from_another_college_is_refused(election, tmp_path, run_tool) -> None:
    """A valid ballot for the same questions, cast with another college's credential."""
    from verifiable.election import create_ballot

    college, entries = election
    other = College("another-college", 1, [RESOLUTION, APPROVAL], trustees=2)
    # the other college's credential, used in this college's election
    ballot = create_ballot(college.election, other.credentials[0], VOTES[0], other.rng)
    index = find(entries, is_ballot, nth=2)
    data = relink(entries, index, ballot.encode())
    assert_refused(data, tmp_path, run_tool, "unknown_credential")


def rechain(entries: list[tuple[str, bytes]]) -> bytes:
    """Rewrite every event's parent and height so the chain is whole again."""
    parent: str | None = None
    out = Archive(timestamp=1_800_000_000, entries=[entries[0]])
    for name, content in entries[1:]:
        if name.endswith(".data.json"):
            out.add_data(content.decode())
            continue
        event = json.loads(content)
        out.last_event = parent
        parent = out.add_event(event["type"], event.get("payload"))
    return out.to_bytes()


def test_missing_trustee_decryption_is_refused(election, tmp_path, run_tool) -> None:
    """Every Single trustee must decrypt: a result from one trustee's factors is refused."""
    _college, entries = election
    second = find(
        entries,
        lambda v: isinstance(v, dict) and v.get("type") == "PartialDecryption",
        nth=1,
    )
    assert verify_archive(rechain(entries)).result is not None
    data = rechain(entries[:second] + entries[second + 1 :])
    assert_refused(data, tmp_path, run_tool, "missing_decryption")
