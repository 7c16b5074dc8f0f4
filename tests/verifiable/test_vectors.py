"""The shared test vectors: regenerated from their seeds byte for byte, and each value
checked by the verifying side (and the ballot by belenios-tool)."""

from __future__ import annotations

import json
from pathlib import Path

from verifiable import crypto
from verifiable.archive import Archive
from verifiable.crypto import Ciphertext, Proof
from verifiable.group import Point, hash_to_scalar, sha256_b64
from verifiable.vectors import render
from verifiable.verify import verify_archive

VECTORS = Path(__file__).parent / "vectors" / "belenios_ed25519.json"


def load() -> dict:
    return json.loads(VECTORS.read_text())


def test_vectors_file_is_what_the_seeds_give() -> None:
    assert VECTORS.read_text() == render()


def test_vector_values_check_out() -> None:
    v = load()
    uuid, cred = v["uuid"], v["credential"]
    assert str(crypto.credential_secret(uuid, cred["private"])) == cred["secret"]
    assert str(crypto.public_credential(uuid, cred["private"])) == cred["public"]
    assert str(hash_to_scalar(v["hash"]["input"])) == v["hash"]["scalar"]
    assert sha256_b64(v["election"]) == v["fingerprint"]

    enc = v["encryption"]
    y = Point.parse(enc["public_key"])
    c = Ciphertext(Point.parse(enc["alpha"]), Point.parse(enc["beta"]))
    assert crypto.encrypt(y, enc["m"], int(enc["r"])) == c
    proofs = [Proof(int(p["challenge"]), int(p["response"])) for p in v["iprove"]["proofs"]]
    assert crypto.iverify(y, v["iprove"]["prefix"], c, proofs, v["iprove"]["values"])
    assert not crypto.iverify(y, v["iprove"]["prefix"] + "x", c, proofs, v["iprove"]["values"])

    trustee_key = Point.parse(v["trustee"]["public"][0][1]["public_key"])
    pd = v["partial_decryption"]
    proof = Proof(int(pd["proof"]["challenge"]), int(pd["proof"]["response"]))
    factor = Point.parse(pd["factor"])
    assert crypto.verify_factor(v["fingerprint"], trustee_key, c, factor, proof)
    assert factor == c.alpha ** int(v["trustee"]["secret"])

    ballot = v["ballot"]
    assert sha256_b64(ballot["text"]) == ballot["tracker"]


def test_vector_ballot_is_accepted_in_its_election(tmp_path: Path, run_tool) -> None:
    v = load()
    archive = Archive(timestamp=1_800_000_000)
    election = archive.add_data(v["election"])
    trustees = archive.add_data(json.dumps(v["trustee"]["public"], separators=(",", ":")))
    creds = archive.add_data(json.dumps([v["credential"]["public"]]))
    setup = {"election": election, "trustees": trustees, "credentials": creds}
    archive.add_event("Setup", archive.add_data(json.dumps(setup, separators=(",", ":"))))
    archive.write(tmp_path, v["uuid"])
    archive.add_event("Ballot", archive.add_data(v["ballot"]["text"]))
    report = verify_archive(archive.to_bytes())
    assert report.ballots_accepted == 1
    (tmp_path / "ballot.json").write_text(v["ballot"]["text"])
    done = run_tool(
        "election",
        "verify-ballot",
        "--dir",
        str(tmp_path),
        "--ballot",
        str(tmp_path / "ballot.json"),
    )
    assert done.returncode == 0, done.stderr
