"""The proof bundle of a closed vote: one Belenios directory per college, `weighting.json`
(the statutory step, redone in the clear) and a README, zipped byte for byte the same
whoever builds it from the same files."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from fractions import Fraction
from typing import Any

from elections import archive_store
from elections.models import Election
from governance.selectors import decision_rules
from voting.models import Vote
from voting.selectors import vote_counts
from voting.tally.from_ballots import RulesSpec, rules_spec
from voting.tally.types import fraction_str

README = """Proof bundle of the vote "{title}"

Each folder is one college's election, in Belenios 3.3.0's public format: the setup, every
ballot, the encrypted totals, the trustees' partial decryptions and the result. Check one
with Belenios' own tool:

    belenios-tool election verify --dir <college folder>

or check everything, weighting included, with Collegia:

    python manage.py e2e_verify <this bundle>

weighting.json gives, per college, its statutory weight, its members on the roll, the
election holding its encrypted ballots and the ballots cast there without end-to-end
encryption (sealed by the server, counted in the clear: "fallback"). A college's result
becomes counts as follows: a resolution's three totals are its for/against/abstain counts;
for approval and majority judgment, only each option's totals matter to the count. The
counts are then weighted by the vote's rules, also given, into the result. At an assembly,
a college's "attendance" (members present, remote, represented or voting by post at the
call) is what its quorum counts; elsewhere it is null and the quorum counts the ballots.
"""


def rules_json(spec: RulesSpec) -> dict[str, Any]:
    return {
        "tally_method": spec.tally_method,
        "majority_base": spec.majority_base,
        "empty_college_policy": spec.empty_college_policy,
        "quorum_mode": spec.quorum_mode,
        "quorum": None if spec.quorum is None else fraction_str(spec.quorum),
        "majority": fraction_str(spec.majority),
        "majority_strict": spec.majority_strict,
    }


def rules_from_json(data: dict[str, Any]) -> RulesSpec:
    return RulesSpec(
        tally_method=data["tally_method"],
        majority_base=data["majority_base"],
        empty_college_policy=data["empty_college_policy"],
        quorum_mode=data["quorum_mode"],
        quorum=None if data["quorum"] is None else Fraction(data["quorum"]),
        majority=Fraction(data["majority"]),
        majority_strict=data["majority_strict"],
    )


def weighting_json(
    vote: Vote,
    elections: Sequence[Election],
    result: dict[str, Any],
    attendance: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    assert vote.rules_version is not None
    spec = rules_spec(
        decision_rules(vote.rules_version, vote.decision_kind), quorum_call=vote.quorum_call
    )
    fallback: dict[int, list[list[Any]]] = {}
    for college_id, choice, n in sorted(vote_counts(vote), key=lambda r: json.dumps(r[:2])):
        fallback.setdefault(college_id, []).append([choice, n])
    colleges = []
    for election in elections:
        college = election.vote_college
        rows = fallback.get(college.pk, [])
        election.fallback_ballots = sum(n for _c, n in rows)
        election.save(update_fields=["fallback_ballots"])
        colleges.append(
            {
                "key": college.key,
                "name": college.name,
                "weight": fraction_str(Fraction(college.weight)),
                "eligible": college.eligible,
                "election": election.uuid,
                "fallback": rows,
                "attendance": None if attendance is None else attendance[college.key],
            }
        )
    return {
        "vote": {
            "id": vote.pk,
            "title": vote.title,
            "method": vote.method,
            "options": vote.options,
            "grades": vote.grades,
        },
        "rules": rules_json(spec),
        "colleges": colleges,
        "result": result,
    }


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name], compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def build(
    vote: Vote,
    elections: Sequence[Election],
    counts: Sequence[tuple[str, Any, int]],
    result: dict[str, Any],
    attendance: Mapping[str, int] | None = None,
) -> tuple[bytes, str]:
    """The bundle's bytes and their SHA-256 (hexadecimal); `attendance` is the one the
    close counted the quorum from (an assembly's call), if any."""
    files = {
        f"{e.vote_college.key}/{e.uuid}.bel": archive_store.load(e).to_bytes() for e in elections
    }
    weighting = weighting_json(vote, elections, result, attendance)
    files["weighting.json"] = (
        json.dumps(weighting, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
    ).encode()
    files["README.txt"] = README.format(title=vote.title).encode()
    content = _zip(files)
    return content, hashlib.sha256(content).hexdigest()
