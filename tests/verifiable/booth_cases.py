"""Elections of every question shape the booth supports, with Python-made ballots from
fixed seeds: the booth's tests rebuild these ballots byte for byte and verify them.

`python -m tests.verifiable.booth_cases > tests/verifiable/vectors/booth_cases.json`
rewrites the file; test_booth.py checks that the file is what the seeds give. Run as
`python -m tests.verifiable.booth_cases tally` it reads {"case", "ballots", "audits"}
on standard input and answers with the verified, tallied result: the booth's Node tests
use it to have Python check what Node encrypted.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from verifiable import crypto
from verifiable.audit import check_audit
from verifiable.election import (
    Election,
    Question,
    Trustee,
    close_and_tally,
    create_ballot,
    new_uuid,
    setup_archive,
    tracker,
)
from verifiable.group import SeededRandomness
from verifiable.verify import verify_archive

GRADES = ["Excellent", "Bien", "Passable", "Insuffisant"]
# name -> (questions, the choices of the seeded ballot)
CASES: dict[str, tuple[list[Question], list[list[int]]]] = {
    "resolution": (
        [Question("Adopter la résolution n° 3 ?", ["Pour", "Contre", "Abstention"], 1, 1)],
        [[0, 1, 0]],
    ),
    "approval": (
        [Question("Groupe de travail", ["Ada", "Brice", "Chloé", "Driss"], 0, 4)],
        [[1, 0, 1, 1]],
    ),
    "seats": (
        [Question("Conseil : deux sièges", ["Ada", "Brice", "Chloé", "Driss", "Émile"], 0, 2)],
        [[0, 0, 1, 0, 1]],
    ),
    "majority_judgment": (
        [Question(name, GRADES, 1, 1) for name in ("Ada", "Brice", "Chloé")],
        [[0, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 1]],
    ),
}
VOTERS = 3


def build_case(name: str) -> tuple[Election, list[str]]:
    """The case's election (two trustees, three voters) and its private credentials."""
    questions, _ = CASES[name]
    rng = SeededRandomness(f"booth-{name}")
    uuid = new_uuid(rng)
    credentials = [crypto.new_credential(rng) for _ in range(VOTERS)]
    election = Election(
        uuid=uuid,
        questions=questions,
        trustees=[Trustee.generate(rng) for _ in range(2)],
        credentials={str(crypto.public_credential(uuid, c)): 1 for c in credentials},
        name="Collège des usagers",
        description=f"Isoloir : {name}",
    )
    return election, credentials


def render_case(name: str) -> dict[str, Any]:
    election, credentials = build_case(name)
    choices = CASES[name][1]
    seed = f"booth-{name}-ballot"
    ballot = create_ballot(election, credentials[0], choices, SeededRandomness(seed))
    return {
        "election": election.election_text,
        "credentials": credentials,
        "choices": choices,
        "seed": seed,
        "ballot": ballot,
        "tracker": tracker(ballot),
    }


def render() -> str:
    cases = {name: render_case(name) for name in CASES}
    return json.dumps(cases, indent=2, ensure_ascii=False) + "\n"


def tally(name: str, ballots: list[str], audits: list[dict[str, Any]]) -> dict[str, Any]:
    """Cast `ballots` in the case's election, tally, and re-check the whole archive with
    verifiable.verify; check each Benaloh audit record with verifiable.audit."""
    election, _ = build_case(name)
    archive = setup_archive(election, 1_800_000_000)
    for text in ballots:
        archive.add_event("Ballot", archive.add_data(text))
    close_and_tally(election, archive, ballots, SeededRandomness(f"booth-{name}-tally"))
    report = verify_archive(archive.to_bytes())
    return {
        "result": report.result,
        "accepted": report.ballots_accepted,
        "audits": [check_audit(election.election_text, record) for record in audits],
    }


if __name__ == "__main__":
    if sys.argv[1:] == ["tally"]:
        request = json.load(sys.stdin)
        answer = tally(request["case"], request["ballots"], request.get("audits", []))
        print(json.dumps(answer))
    else:
        print(render(), end="")
