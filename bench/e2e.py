"""Verifiable ballots on the server: verification of encrypted ballots (resolution; majority
judgment, 6 candidates x 6 grades) and the homomorphic tally, each beside a bare loop of the
same group operations in the same run."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from bench.common import add_results, alternate, record, run_child

FULL = {"resolution": 10_000, "mj": 1_000, "tally": 10_000, "pool": 400}
QUICK = {"resolution": 60, "mj": 12, "tally": 300, "pool": 30}
GRADES = ["Reject", "Poor", "Fair", "Good", "Very good", "Excellent"]
CANDIDATES = ["Ada", "Brice", "Chloé", "Driss", "Elise", "Farid"]


# The whole measurement, in its own process; full size takes about a quarter of an hour.
CHILD_DEADLINE = 3600


def _setup() -> None:
    import django

    django.setup()


def _election(questions: list[Any], voters: int, seed: str) -> tuple[Any, list[str], Any]:
    from verifiable import crypto
    from verifiable.election import Election, Trustee, new_uuid
    from verifiable.group import SeededRandomness

    rng = SeededRandomness(seed)
    uuid = new_uuid(rng)
    private = [crypto.new_credential(rng) for _ in range(voters)]
    public = {str(crypto.public_credential(uuid, c)): 1 for c in private}
    election = Election(
        uuid=uuid, questions=questions, trustees=[Trustee.generate(rng)], credentials=public
    )
    return election, private, rng


def _pool(election: Any, private: list[str], rng: Any, choose: Any) -> list[str]:
    from verifiable.election import create_ballot

    return [create_ballot(election, c, choose(i), rng) for i, c in enumerate(private)]


def _bare(parsed: list[Any], y: Any) -> None:
    """Each proof's group operations alone, on points already read: what a verification
    cannot avoid (no JSON, no canonical check, no point decoding, no hash)."""
    from verifiable.group import g_pow

    for credential, signature, proofs in parsed:
        _ = g_pow(signature[1]) * credential ** signature[0]
        for alpha, beta, challenges, responses, values in proofs:
            for c, r, m in zip(challenges, responses, values, strict=True):
                _ = g_pow(r) * alpha**c
                _ = (y**r) * (beta / g_pow(m)) ** c


def _parse(texts: list[str], election: Any) -> list[Any]:
    from verifiable.crypto import ONE, Ciphertext
    from verifiable.group import Point

    out = []
    for text in texts:
        ballot = json.loads(text)
        proofs = []
        for q, answer in zip(election.questions, ballot["answers"], strict=True):
            cts = [
                Ciphertext(Point.parse(c["alpha"]), Point.parse(c["beta"]))
                for c in answer["choices"]
            ]
            for c, ps in zip(cts, answer["individual_proofs"], strict=True):
                proofs.append(
                    (
                        c.alpha,
                        c.beta,
                        [int(p["challenge"]) for p in ps],
                        [int(p["response"]) for p in ps],
                        [0, 1],
                    )
                )
            total = ONE
            for c in cts:
                total = total * c
            ps = answer["overall_proof"]
            proofs.append(
                (
                    total.alpha,
                    total.beta,
                    [int(p["challenge"]) for p in ps],
                    [int(p["response"]) for p in ps],
                    list(range(q.min, q.max + 1)),
                )
            )
        sig = ballot["signature"]["proof"]
        out.append(
            (
                Point.parse(ballot["credential"]),
                (int(sig["challenge"]), int(sig["response"])),
                proofs,
            )
        )
    return out


def _verification(name: str, label: str, election: Any, pool: list[str], count: int) -> None:
    from elections.services.ballots import verify_ballot
    from verifiable.verify_common import _Setup

    texts = [pool[i % len(pool)] for i in range(count)]
    setups = {}
    for text in pool:
        credential = json.loads(text)["credential"]
        setups[text] = _Setup(
            uuid=election.uuid,
            fingerprint=election.fingerprint,
            public_key=election.public_key,
            questions=[q.to_json() for q in election.questions],
            trustee_keys=[],
            weights={credential: 1},
            owners={},
            thresholds={},
        )
    parsed = _parse(pool, election)
    bare_items = [parsed[i % len(parsed)] for i in range(count)]
    accepted = 0

    def baseline(_n: int) -> float:
        started = time.perf_counter()
        _bare(bare_items, election.public_key)
        return time.perf_counter() - started

    def product(_n: int) -> float:
        nonlocal accepted
        started = time.perf_counter()
        for text in texts:
            verify_ballot(setups[text], text)
        elapsed = time.perf_counter() - started
        accepted = len(texts)
        return elapsed

    product(0)  # warm-up
    rounds = alternate(baseline, product)
    if accepted != count:
        raise RuntimeError(f"{name}: {accepted} of {count} ballots verified")
    ratio = rounds.median_ratio
    record(
        name,
        round(rounds.median_product, 3),
        "s",
        f"bare loop of the group operations ({label})",
        round(rounds.median_baseline, 3),
        goal="ratio <= 2",
        met=ratio <= 2,
        rounds=rounds,
    )


def _tally(election: Any, pool: list[str], count: int) -> None:
    from elections.services.closing import ciphertext_product
    from verifiable.crypto import ONE

    texts = [pool[i % len(pool)] for i in range(count)]
    questions = [q.to_json() for q in election.questions]
    parsed = [[[ct for ct in answer] for answer in _cts(text)] for text in texts]

    def baseline(_n: int) -> float:
        started = time.perf_counter()
        total = [[ONE for _ in q["answers"]] for q in questions]
        for ballot in parsed:
            for i, answer in enumerate(ballot):
                for j, c in enumerate(answer):
                    total[i][j] = total[i][j] * c
        return time.perf_counter() - started

    def product(_n: int) -> float:
        started = time.perf_counter()
        ciphertext_product(texts, questions)
        return time.perf_counter() - started

    rounds = alternate(baseline, product)
    record(
        f"e2e_tally_{count}_ballots",
        round(rounds.median_product, 3),
        "s",
        "bare product of ciphertexts already read",
        round(rounds.median_baseline, 3),
        goal=None,
        met=None,
        rounds=rounds,
    )


def _cts(text: str) -> list[list[Any]]:
    from verifiable.crypto import Ciphertext
    from verifiable.group import Point

    return [
        [Ciphertext(Point.parse(c["alpha"]), Point.parse(c["beta"])) for c in a["choices"]]
        for a in json.loads(text)["answers"]
    ]


def run(quick: bool = False) -> None:
    """Measure in a child process with its own Django, as the other benchmarks do. Only
    the apps' code is needed (no database, no server): the test settings carry the keys
    that production settings refuse to start without."""
    rows = run_child(
        "bench.e2e",
        "child",
        "quick" if quick else "full",
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test"},
        timeout=CHILD_DEADLINE,
        what="end-to-end verification",
    )
    add_results(rows)


def child(quick: bool) -> None:
    _setup()
    from verifiable.election import Question

    sizes = QUICK if quick else FULL
    resolution = [Question("Adopt?", ["for", "against", "abstain"], 1, 1)]
    election, private, rng = _election(resolution, sizes["pool"], "bench-resolution")
    pool = _pool(election, private, rng, lambda i: [[1 if j == i % 3 else 0 for j in range(3)]])
    _verification(
        f"e2e_verify_{sizes['resolution']}_resolution_ballots",
        "resolution",
        election,
        pool,
        sizes["resolution"],
    )
    _tally(election, pool, sizes["tally"])
    mj = [Question(c, GRADES, 1, 1) for c in CANDIDATES]
    election, private, rng = _election(mj, max(sizes["pool"] // 4, 5), "bench-mj")
    pool = _pool(
        election,
        private,
        rng,
        lambda i: [[1 if g == (i + k) % 6 else 0 for g in range(6)] for k in range(6)],
    )
    _verification(
        f"e2e_verify_{sizes['mj']}_mj_ballots_6x6",
        "majority judgment 6x6",
        election,
        pool,
        sizes["mj"],
    )


if __name__ == "__main__":
    import sys

    from bench.common import results

    if sys.argv[1:2] == ["child"]:
        child(quick=sys.argv[2:3] == ["quick"])
        print(json.dumps(results()))
    else:
        run(quick=True)
        print(json.dumps(results(), indent=1))
