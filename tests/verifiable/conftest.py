"""Belenios' own tool as an independent verifier.

The tool is kept outside the repository, in a `shared/tools/belenios/` folder beside the
clone or above it (`BELENIOS_TOOL` names it elsewhere). Where it is found but cannot run,
or where `BELENIOS_TOOL` names a missing file, CI fails; a machine that has no copy at all
skips these checks and says so."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import IN_CI
from verifiable import crypto
from verifiable.election import Election, Question, Trustee, new_uuid
from verifiable.group import SeededRandomness

REPO_ROOT = Path(__file__).resolve().parents[2]
TOOL_IN_SHARED = Path("shared/tools/belenios/belenios-tool")


def tool_path() -> Path:
    configured = os.environ.get("BELENIOS_TOOL")
    if configured:
        path = Path(configured)
        return path if path.is_absolute() else (REPO_ROOT / path).resolve()
    for folder in REPO_ROOT.parents:
        candidate = folder / TOOL_IN_SHARED
        if candidate.exists():
            return candidate
    return REPO_ROOT.parent / TOOL_IN_SHARED


def _tool_problem(path: Path) -> str | None:
    if not path.is_file() or not os.access(path, os.X_OK):
        return f"belenios-tool not found at {path} (set BELENIOS_TOOL)"
    try:
        done = subprocess.run(
            [str(path), "setup", "generate-token"], capture_output=True, text=True, timeout=60
        )
    except OSError as exc:
        return f"belenios-tool cannot run: {exc}"
    if done.returncode != 0:
        return f"belenios-tool cannot run (missing libraries?): {done.stderr.strip()}"
    return None


@pytest.fixture(scope="session")
def belenios_tool() -> Path:
    path = tool_path()
    problem = _tool_problem(path)
    if problem:
        named_or_present = bool(os.environ.get("BELENIOS_TOOL")) or path.exists()
        if IN_CI and named_or_present:
            pytest.fail(f"CI must verify with Belenios' own tool: {problem}")
        pytest.skip(problem)
    return path


@pytest.fixture(scope="session")
def run_tool(belenios_tool: Path) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(*args: str, cwd: Path | None = None, stdin: str | None = None):
        return subprocess.run(
            [str(belenios_tool), *args],
            capture_output=True,
            text=True,
            cwd=cwd,
            input=stdin,
            timeout=300,
        )

    return run


def tool_verify(run_tool, data: bytes, workdir: Path) -> tuple[bool, str]:
    """Belenios' verdict on a whole archive: `election verify`, plus `verify-ballot` for
    every ballot against the setup alone. belenios-tool 3.3.0's `election verify` drops
    the outcome of its ballot checks (an ignored Lwt promise), so a ballot with a broken
    proof or signature only fails there if it also changes the tally: each ballot is
    therefore checked on its own as well."""
    import json as _json

    from verifiable.archive import Archive, read_members

    members = read_members(data)
    full, setup = workdir / "full", workdir / "setup"
    for d in (full, setup):
        d.mkdir(parents=True, exist_ok=True)
        for old in d.iterdir():
            old.unlink()
    (full / "election.bel").write_bytes(data)
    done = run_tool("election", "verify", "--dir", str(full))
    if done.returncode != 0:
        return False, done.stderr
    contents = {name.split(".")[0]: content for name, content in members[1:]}
    events = [_json.loads(c) for n, c in members[1:] if n.endswith(".event.json")]
    end_of_setup = next(i for i, (n, _) in enumerate(members) if n.endswith(".event.json"))
    header = Archive(timestamp=0, entries=members[: end_of_setup + 1])
    (setup / "election.bel").write_bytes(header.to_bytes())
    for number, event in enumerate(e for e in events if e["type"] == "Ballot"):
        ballot = setup / f"ballot{number}.json"
        ballot.write_bytes(contents[event["payload"]])
        done = run_tool("election", "verify-ballot", "--dir", str(setup), "--ballot", str(ballot))
        ballot.unlink()
        if done.returncode != 0:
            return False, done.stderr
    return True, ""


class College:
    """One college's sub-election with its voters' private credentials, from a seed."""

    def __init__(
        self,
        seed: str,
        voters: int,
        questions: list[Question],
        trustees: int = 2,
        weights: list[int] | None = None,
    ) -> None:
        self.rng = SeededRandomness(seed)
        self.uuid = new_uuid(self.rng)
        self.credentials = [crypto.new_credential(self.rng) for _ in range(voters)]
        weights = weights or [1] * voters
        public = {
            str(crypto.public_credential(self.uuid, c)): w
            for c, w in zip(self.credentials, weights, strict=True)
        }
        self.trustees = [Trustee.generate(self.rng) for _ in range(trustees)]
        self.election = Election(
            uuid=self.uuid,
            questions=questions,
            trustees=self.trustees,
            credentials=public,
            name="Assemblée générale 2027 : collège des salariés",
            description="Résolution n° 3",
        )


RESOLUTION = Question("Adopt resolution 3?", ["For", "Against", "Abstain"], 1, 1)
APPROVAL = Question("Board seats", ["Ada", "Brice", "Chloé", "Driss"], 0, 2)
