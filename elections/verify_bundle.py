"""Re-check a proof bundle: every college's archive with the independent verifier
(verifiable.verify), then the weighting, redone with the tally engine from the decrypted
totals and the fallback counts."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from elections import weighting
from elections.bundle import rules_from_json
from verifiable.verify import VerificationError, verify_archive
from voting.tally.from_ballots import FrozenCollege, TallyInput, tally_ballots


class BundleRefused(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass
class BundleReport:
    sha256: str
    colleges: dict[str, list[list[int]]] = field(default_factory=dict)
    adopted: bool | None = None
    outcome: str = ""


def read_bundle(path: Path) -> tuple[dict[str, bytes], str]:
    """The bundle's files from a zip or a directory, with the zip's SHA-256."""
    if path.is_dir():
        files = {str(p.relative_to(path)): p.read_bytes() for p in path.rglob("*") if p.is_file()}
        return files, ""
    data = path.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return files, hashlib.sha256(data).hexdigest()


def verify_bundle(path: Path) -> BundleReport:
    files, digest = read_bundle(path)
    if "weighting.json" not in files:
        raise BundleRefused("no_weighting", "the bundle has no weighting.json")
    spec = json.loads(files["weighting.json"])
    vote = spec["vote"]
    report = BundleReport(sha256=digest)
    counts: list[tuple[str, Any, int]] = []
    colleges = []
    attendance: dict[str, int] | None = None
    for college in spec["colleges"]:
        if college.get("attendance") is not None:
            attendance = attendance or {}
            attendance[college["key"]] = int(college["attendance"])
        key = college["key"]
        archives = [n for n in files if n.startswith(f"{key}/") and n.endswith(".bel")]
        if archives != [f"{key}/{college['election']}.bel"]:
            raise BundleRefused("missing_election", f"college {key} has no single archive")
        try:
            checked = verify_archive(files[archives[0]])
        except VerificationError as exc:
            raise BundleRefused(exc.code, f"college {key}: {exc.message}") from exc
        if checked.uuid != college["election"] or checked.result is None:
            raise BundleRefused("not_tallied", f"college {key}'s election has no result")
        report.colleges[key] = checked.result
        counts.extend(
            (key, choice, n)
            for choice, n in weighting.choice_counts(
                vote["method"],
                vote["options"],
                vote["grades"],
                checked.result,
                checked.num_tallied or 0,
            )
        )
        counts.extend((key, choice, n) for choice, n in college["fallback"])
        colleges.append(
            FrozenCollege(
                key=key,
                name=college["name"],
                weight=Fraction(college["weight"]),
                eligible=college["eligible"],
            )
        )
    outcome = tally_ballots(
        TallyInput(
            method=vote["method"],
            rules=rules_from_json(spec["rules"]),
            colleges=colleges,
            counts=counts,
            options=vote["options"],
            grades=vote["grades"],
            attendance=attendance,
        )
    )
    redone = json.loads(json.dumps(outcome.result))
    if redone != spec["result"]:
        raise BundleRefused("bad_weighting", "the weighted result is not the one recomputed")
    report.adopted, report.outcome = outcome.adopted, outcome.outcome
    return report
