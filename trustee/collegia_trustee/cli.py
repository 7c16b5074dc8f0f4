"""`collegia-trustee`: a trustee's key, the key ceremony, partial decryptions, credentials
and Benaloh audits, against a Collegia server."""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
from pathlib import Path
from typing import Any, Protocol

from . import ceremony, credentials
from .client import Client


class Api(Protocol):
    def call(self, method: str, path: str, body: Any = None) -> Any: ...


def _save(path: Path, key: dict[str, Any]) -> None:
    # The key file is the trustee's secret: written readable by its owner only.
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(key, handle, indent=1)
    tmp.replace(path)


def ceremony_step(api: Api, board: int, path: Path) -> str:
    """Take the next step the ceremony waits for from this trustee; says which it took."""
    state = api.call("GET", f"electoral-boards/{board}/ceremony/")
    key = json.loads(path.read_text()) if path.exists() else None
    if key is None:
        key = ceremony.new_key(
            index=state["index"], size=state["size"], threshold=state["threshold"]
        )
        _save(path, key)
    if state["step"] == "certificates" and not state["mine"]["certificate"]:
        api.call(
            "POST",
            f"electoral-boards/{board}/ceremony/certificate/",
            {"certificate": key["certificate"]},
        )
        return "certificate"
    if state["step"] == "commitments" and not state["mine"]["commitments"]:
        made = ceremony.commitments(key, state["certificates"])
        _save(path, key)
        api.call("POST", f"electoral-boards/{board}/ceremony/commitments/", made)
        return "commitments"
    if state["step"] == "verification_keys" and not state["mine"]["verification_key"]:
        vk = ceremony.verification_key(
            key, state["certificates"], state["coefexps"], state["shares_for_me"]
        )
        _save(path, key)
        api.call(
            "POST", f"electoral-boards/{board}/ceremony/verification-key/", {"verification_key": vk}
        )
        return "verification_key"
    return "waiting"


def decrypt(api: Api, election: str, path: Path) -> dict[str, Any]:
    key = json.loads(path.read_text())
    tally = api.call("GET", f"e2e/elections/{election}/tally/")
    pd = ceremony.partial_decryption(key, tally["fingerprint"], tally["encrypted_tally"])
    api.call("POST", f"e2e/elections/{election}/partial-decryptions/", {"partial_decryption": pd})
    return pd


def issue_credentials(api: Api, election: str, out: Path) -> int:
    """As credential authority: one private credential per voter, written to `out` (CSV:
    voter, name, email, credential) for mailing; only public credentials are sent."""
    info = api.call("GET", f"e2e/elections/{election}/voters/")
    public, rows = {}, []
    for voter in info["voters"]:
        private = credentials.new_credential()
        public[str(voter["id"])] = credentials.public_credential(info["uuid"], private)
        rows.append([voter["id"], voter["name"], voter["email"], private])
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["voter", "name", "email", "credential"])
        writer.writerows(rows)
    api.call("POST", f"e2e/elections/{election}/credentials/", {"credentials": public})
    return len(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="collegia-trustee")
    parser.add_argument("--server", default=os.environ.get("COLLEGIA_SERVER", ""))
    parser.add_argument("--token", default=os.environ.get("COLLEGIA_TOKEN", ""))
    sub = parser.add_subparsers(dest="command", required=True)
    step = sub.add_parser("ceremony", help="take the next step of the key ceremony")
    step.add_argument("--board", type=int, required=True)
    step.add_argument("--key", type=Path, required=True)
    dec = sub.add_parser("decrypt", help="post a partial decryption of an election's totals")
    dec.add_argument("--election", required=True)
    dec.add_argument("--key", type=Path, required=True)
    cred = sub.add_parser("credentials", help="act as credential authority for an election")
    cred.add_argument("--election", required=True)
    cred.add_argument("--out", type=Path, required=True)
    audit = sub.add_parser("audit-ballot", help="check an audited ballot's revealed encryption")
    audit.add_argument("file", type=Path)
    args = parser.parse_args(argv)
    try:
        if args.command == "audit-ballot":
            choices = ceremony.audit_ballot(json.loads(args.file.read_text()))
            print(f"The ballot encrypts {json.dumps(choices)}.")
            return 0
        api = Client(args.server, args.token)
        if args.command == "ceremony":
            print(ceremony_step(api, args.board, args.key))
        elif args.command == "decrypt":
            decrypt(api, args.election, args.key)
            print("partial decryption posted")
        else:
            print(f"{issue_credentials(api, args.election, args.out)} credentials written")
    except (ceremony.CeremonyError, ValueError, OSError, RuntimeError) as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
