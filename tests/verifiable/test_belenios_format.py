"""Collegia's Belenios elections against Belenios' own tool, both ways, and its own verifier."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from verifiable import crypto
from verifiable.archive import read_members
from verifiable.election import close_and_tally, run_election, setup_archive, tracker
from verifiable.group import G, Point
from verifiable.verify import VerificationError, verify_archive, verify_directory

from .conftest import APPROVAL, RESOLUTION, College, tool_verify

VOTES = [
    [[1, 0, 0], [1, 1, 0, 0]],
    [[0, 1, 0], [0, 0, 1, 0]],
    [[1, 0, 0], [0, 0, 0, 0]],
    [[0, 0, 1], [1, 0, 0, 1]],
]


def four_voters(weights: list[int] | None = None) -> College:
    return College("four-voters", 4, [RESOLUTION, APPROVAL], trustees=2, weights=weights)


def test_primitives_match_belenios_reference_values() -> None:
    """Values written by belenios-tool 3.3.0 itself (a demo election), recomputed here."""
    assert str(G) == "66" * 31 + "58"
    key = Point.parse("a54c694a494be6b40827eb5af8a38bfcd4cb839f6566920d5302e31382098bdd")
    pok = crypto.Proof(
        2824729077235190681778138879209716192265414685905827033542139392650007524667,
        1867598801064995125250813012930538393090643839606724956863079834848536503417,
    )
    assert crypto.verify_knowledge(crypto.pok_prefix(key), key, pok)
    assert str(crypto.public_credential("zjC1muuWpKTYoD", "Wjsqq-fwbJze-1UpHa-gG5iZL")) == (
        "cca4afb32becb6f478a9d6cd307ef273908a2a33f7e7fe15fc1f70bfca97495a"
    )
    wrong = crypto.Proof(pok.challenge, (pok.response + 1) % (2**252))
    assert not crypto.verify_knowledge(crypto.pok_prefix(key), key, wrong)


@pytest.mark.parametrize("weights", [None, [1, 2, 3, 5]], ids=["unweighted", "weighted"])
def test_collegia_election_verified_by_both_verifiers(
    tmp_path: Path, run_tool, weights: list[int] | None
) -> None:
    college = four_voters(weights)
    # the second voter votes again: only the last ballot counts
    votes = [(c, v) for c, v in zip(college.credentials, VOTES, strict=True)]
    votes.append((college.credentials[1], [[1, 0, 0], [0, 1, 1, 0]]))
    outcome = run_election(college.election, votes, college.rng)
    w = weights or [1, 1, 1, 1]
    expected = [
        [w[0] + w[1] + w[2], 0, w[3]],
        [w[0] + w[3], w[0] + w[1], w[1], w[3]],
    ]
    assert outcome.result == expected

    report = verify_archive(outcome.archive.to_bytes())
    assert report.result == expected
    assert report.num_tallied == 4 and report.ballots_accepted == 5
    assert report.total_weight == sum(w)
    assert report.trackers == outcome.trackers and len(set(report.trackers)) == 4

    accepted, errors = tool_verify(run_tool, outcome.archive.to_bytes(), tmp_path)
    assert accepted, errors


def test_ballots_from_belenios_tool_accepted_and_tallied_alike(tmp_path: Path, run_tool) -> None:
    college = four_voters()
    archive = setup_archive(college.election, timestamp=1_800_000_000)
    archive.write(tmp_path, college.uuid)
    texts = []
    for i, (credential, vote) in enumerate(zip(college.credentials, VOTES, strict=True)):
        (tmp_path / f"cred{i}").write_text(credential + "\n")
        (tmp_path / f"choice{i}").write_text(json.dumps(vote) + "\n")
        done = run_tool(
            "election",
            "generate-ballot",
            "--dir",
            str(tmp_path),
            "--privcred",
            str(tmp_path / f"cred{i}"),
            "--choice",
            str(tmp_path / f"choice{i}"),
        )
        assert done.returncode == 0, done.stderr
        text = done.stdout.strip()
        texts.append(text)
        archive.add_event("Ballot", archive.add_data(text))
    # Collegia's verifier accepts the tool's ballots one by one, then the whole election
    result = close_and_tally(college.election, archive, texts, college.rng)
    assert result == [[2, 1, 1], [2, 1, 1, 1]]
    report = verify_archive(archive.to_bytes())
    assert report.result == result
    assert report.trackers == sorted(tracker(t) for t in texts)
    accepted, errors = tool_verify(run_tool, archive.to_bytes(), tmp_path / "closed")
    assert accepted, errors


def test_collegia_ballot_accepted_by_tool_verify_ballot(tmp_path: Path, run_tool) -> None:
    college = four_voters()
    archive = setup_archive(college.election, timestamp=1_800_000_000)
    archive.write(tmp_path, college.uuid)
    from verifiable.election import create_ballot

    ballot = create_ballot(college.election, college.credentials[0], VOTES[0], college.rng)
    (tmp_path / "ballot.json").write_text(ballot)
    done = run_tool(
        "election",
        "verify-ballot",
        "--dir",
        str(tmp_path),
        "--ballot",
        str(tmp_path / "ballot.json"),
    )
    assert done.returncode == 0, done.stderr


def test_archive_is_byte_compatible_tar(tmp_path: Path) -> None:
    college = four_voters()
    outcome = run_election(college.election, [(college.credentials[0], VOTES[0])], college.rng)
    members = read_members(outcome.archive.to_bytes())
    assert members[0] == ("BELENIOS", b'{"version":1,"timestamp":"1800000000"}')
    assert all(re.fullmatch(r"[0-9a-f]{64}\.(data|event)\.json", n) for n, _ in members[1:])
    path = outcome.archive.write(tmp_path, college.uuid)
    # the system's tar reads it as an ordinary archive
    import tarfile

    with tarfile.open(path) as tar:
        assert [m.name for m in tar.getmembers()] == [n for n, _ in members]
    shutil.rmtree(tmp_path)


def test_verify_directory_needs_exactly_one_archive(tmp_path: Path) -> None:
    with pytest.raises(VerificationError) as refused:
        verify_directory(tmp_path)
    assert refused.value.code == "no_archive"
