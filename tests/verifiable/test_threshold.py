"""Threshold decryption (Belenios "Pedersen" trustees): any three of five decrypt to the
same result, verified by both verifiers; two cannot; a tampered key setup is refused."""

from __future__ import annotations

import copy
import itertools
import json
from pathlib import Path

import pytest

from verifiable.archive import Archive, read_members
from verifiable.election import Election, close_and_tally, create_ballot, setup_archive
from verifiable.formats import dumps
from verifiable.threshold import Pedersen
from verifiable.verify import VerificationError, verify_archive

from .conftest import APPROVAL, RESOLUTION, College, tool_verify

VOTES = [[[1, 0, 0], [1, 1, 0, 0]], [[0, 1, 0], [0, 0, 1, 0]], [[1, 0, 0], [0, 0, 0, 1]]]
EXPECTED = [[2, 1, 0], [1, 1, 1, 1]]


@pytest.fixture(scope="module")
def board() -> tuple[College, Election, Archive, list[str]]:
    college = College("threshold", 3, [RESOLUTION, APPROVAL], trustees=1)
    pedersen = Pedersen.generate(5, 3, college.rng)
    election = Election(
        uuid=college.uuid,
        questions=college.election.questions,
        trustees=college.trustees,
        credentials=college.election.credentials,
        pedersen=pedersen,
    )
    archive = setup_archive(election, timestamp=1_800_000_000)
    texts = []
    for credential, vote in zip(college.credentials, VOTES, strict=True):
        text = create_ballot(election, credential, vote, college.rng)
        archive.add_event("Ballot", archive.add_data(text))
        texts.append(text)
    return college, election, archive, texts


def fork(archive: Archive) -> Archive:
    return copy.deepcopy(archive)


def test_every_three_of_five_decrypts_alike(board, tmp_path: Path, run_tool) -> None:
    college, election, archive, texts = board
    subsets = list(itertools.combinations(range(1, 6), 3))
    assert len(subsets) == 10
    for subset in subsets:
        closed = fork(archive)
        result = close_and_tally(election, closed, texts, college.rng, list(subset))
        assert result == EXPECTED, subset
        assert verify_archive(closed.to_bytes()).result == EXPECTED
        accepted, errors = tool_verify(
            run_tool, closed.to_bytes(), tmp_path / "-".join(map(str, subset))
        )
        assert accepted, (subset, errors)


def test_two_trustees_cannot_decrypt(board, tmp_path: Path, run_tool) -> None:
    college, election, archive, texts = board
    with pytest.raises(ValueError):
        close_and_tally(election, fork(archive), texts, college.rng, [1, 4])
    # A writer that publishes a result from two threshold trustees is refused.
    closed = fork(archive)
    close_and_tally(election, closed, texts, college.rng, [1, 2, 4])
    members = read_members(closed.to_bytes())
    owned = [
        i
        for i, (name, content) in enumerate(members)
        if name.endswith(".data.json") and json.loads(content) and "owner" in json.loads(content)
    ]
    third = [i for i in owned if json.loads(members[i][1])["owner"] == 1 + 4][0]
    event = next(
        i
        for i, (name, content) in enumerate(members)
        if name.endswith(".event.json") and members[third][0].split(".")[0] in content.decode()
    )
    from .test_mutations import rechain

    data = rechain([m for i, m in enumerate(members) if i not in {third, event}])
    with pytest.raises(VerificationError) as refused:
        verify_archive(data)
    assert refused.value.code == "missing_decryption"
    assert not tool_verify(run_tool, data, tmp_path)[0]


@pytest.mark.parametrize("what", ["certificate", "coefexps", "verification key"])
def test_tampered_threshold_setup_is_refused(board, tmp_path: Path, run_tool, what) -> None:
    college, election, archive, texts = board
    closed = fork(archive)
    close_and_tally(election, closed, texts, college.rng)
    members = read_members(closed.to_bytes())
    index = next(i for i, (_n, c) in enumerate(members) if c.startswith(b'[["Single"'))
    trustees = json.loads(members[index][1])
    params = trustees[1][1]
    if what == "certificate":
        sig = params["certs"][2]["signature"]
        sig["response"] = str(int(sig["response"]) + 1)
    elif what == "coefexps":
        sig = params["signatures"][1]
        sig["challenge"] = str(int(sig["challenge"]) + 1)
    else:
        sig = params["verification_keys"][4]["signature"]
        sig["response"] = str(int(sig["response"]) + 1)
    from .test_mutations import relink

    data = relink(members, index, dumps(trustees).encode())
    with pytest.raises(VerificationError) as refused:
        verify_archive(data)
    assert refused.value.code == "bad_trustee_signature"
    assert not tool_verify(run_tool, data, tmp_path)[0]
