"""Re-check one Belenios election archive from its public data alone.

Written against the Belenios 3.3.0 specification: the archive's names and event chain,
the setup (trustee keys and their proofs, the election key), every ballot (canonical
form, election binding, credential, signature, proofs), the last-ballot rule, the
encrypted tally, each partial decryption's proofs and the result. It shares only the group,
the hashes and the proof checks with the code that writes elections.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from .archive import read_members
from .crypto import Ciphertext
from .group import Point
from .verify_common import Report, VerificationError, _canonical, _fail, _Setup
from .verify_counting import CountingChecks
from .verify_setup import SetupChecks

__all__ = ["Report", "VerificationError", "Verifier", "verify_archive", "verify_directory"]


class Verifier(SetupChecks, CountingChecks):
    def __init__(self, data: bytes) -> None:
        self.data = data

    @classmethod
    def from_directory(cls, directory: Path) -> Verifier:
        archives = sorted(directory.glob("*.bel"))
        if len(archives) != 1:
            raise _fail("no_archive", "the directory must hold exactly one .bel archive")
        return cls(archives[0].read_bytes())

    def run(self) -> Report:
        try:
            members = read_members(self.data)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _fail("bad_archive", str(exc)) from exc
        if not members or members[0][0] != "BELENIOS":
            raise _fail("bad_archive", "the archive does not start with its BELENIOS header")
        header = _canonical(members[0][1].decode(), "the header")
        if header.get("version") != 1:
            raise _fail("bad_archive", "unknown archive version")
        data: dict[str, str] = {}
        events: list[tuple[str, dict[str, Any]]] = []
        for name, content in members[1:]:
            digest = hashlib.sha256(content).hexdigest()
            text = content.decode()
            if name == f"{digest}.data.json":
                data[digest] = text
            elif name == f"{digest}.event.json":
                events.append((digest, _canonical(text, f"event {digest}")))
            else:
                raise _fail("bad_name", f"{name} is not named by the hash of its content")
        try:
            return self._events(events, data)
        except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
            # a structure missing a field or shaped otherwise than the specification says
            raise _fail("malformed", f"an artefact is malformed: {exc!r}") from exc

    def _events(self, events: list[tuple[str, dict[str, Any]]], data: dict[str, str]) -> Report:
        parent: str | None = None
        setup: _Setup | None = None
        report: Report | None = None
        phase = "setup"
        ballots: list[tuple[str, str, dict[str, Any]]] = []  # (credential, text, ballot)
        tally: list[list[Ciphertext]] | None = None
        factors: dict[int, list[list[Point]]] = {}
        for height, (digest, event) in enumerate(events):
            if event.get("height") != height or event.get("parent") != parent:
                raise _fail("broken_chain", f"event {digest} does not follow its parent")
            parent = digest
            kind = event.get("type")
            payload_hash = event.get("payload")
            payload = data.get(payload_hash) if isinstance(payload_hash, str) else None
            if payload_hash is not None and payload is None:
                raise _fail("missing_payload", f"event {digest} names an absent payload")
            if kind == "Setup" and phase == "setup" and payload is not None:
                setup = self._setup(payload, data)
                report = Report(setup.uuid, setup.fingerprint, None, None, None)
                phase = "ballots"
            elif kind == "Ballot" and phase == "ballots" and setup and payload is not None:
                ballot = self._ballot(setup, payload)
                ballots.append((ballot["credential"], payload, ballot))
            elif kind == "EndBallots" and phase == "ballots" and payload_hash is None:
                phase = "ended"
            elif kind == "EncryptedTally" and phase == "ended" and setup and report and payload:
                tally = self._tally(setup, report, ballots, payload, data)
                phase = "decrypting"
            elif kind == "EndShuffles" and phase == "decrypting":
                continue
            elif kind == "PartialDecryption" and phase == "decrypting" and setup and payload:
                owner, pd = self._partial(setup, tally or [], payload, data)
                if owner in factors:
                    raise _fail("duplicate_decryption", f"trustee {owner} decrypted twice")
                factors[owner] = pd
            elif kind == "Result" and phase == "decrypting" and setup and report and payload:
                self._result(setup, report, tally or [], factors, payload)
                phase = "done"
            else:
                raise _fail("unexpected_event", f"event {digest} ({kind}) is out of place")
        if report is None:
            raise _fail("no_setup", "the archive has no Setup event")
        report.ballots_accepted = len(ballots)
        return report

    # Setup -----------------------------------------------------------------------------


def verify_archive(data: bytes) -> Report:
    return Verifier(data).run()


def verify_directory(directory: Path) -> Report:
    return Verifier.from_directory(directory).run()
