"""One byte or value changed in each kind of artefact of a REAL proof bundle (a vote closed
through the services) is refused by `e2e_verify`, and, for the college's Belenios
directory, by belenios-tool. The archive is re-hashed and re-chained after each change, as
a server rewriting its own bulletin board would do (tests/verifiable/test_mutations.py's
helpers), so only the cryptography, or the weighting redone, can catch it."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from elections import services
from elections.models import Election, ProofBundle
from tests.verifiable.conftest import tool_verify
from tests.verifiable.test_mutations import find, flip, is_ballot, relink, resign
from verifiable import crypto
from verifiable.archive import read_members
from verifiable.formats import dumps

from .helpers import authority_credentials, booth_ballot, decrypt_with
from .test_services_e2e import AGAINST, FOR, _mutated, _voter_cred, coop, ready  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def bundle(coop, ready, tmp_path: Path):  # noqa: F811
    """A resolution closed with three workers' and one user's encrypted ballots; the
    bundle, the workers' archive name and every voter's private credential by public one."""
    from tests.voting.factories import make_vote

    vote = make_vote(coop, is_secret=True)
    elections = services.e2e_setup(actor=coop.chair, vote=vote, board=ready.board)
    creds = {e.vote_college.key: authority_credentials(e) for e in elections}
    by_name = {e.vote_college.name: Election.objects.get(pk=e.pk) for e in elections}
    for name, choices in {"Workers": [FOR, AGAINST, FOR], "Users": [AGAINST]}.items():
        for i, choice in enumerate(choices):
            person, cred = _voter_cred(coop, name, i, by_name[name], creds)
            services.e2e_ballot_cast(
                actor=person,
                election=by_name[name],
                ballot=booth_ballot(by_name[name], cred, choice),
            )
    services.e2e_end_ballots(actor=coop.chair, vote=vote)
    for election in Election.objects.filter(vote=vote):
        decrypt_with(ready, election, [2, 3, 4])
    services.e2e_vote_close(actor=coop.chair, vote=vote)
    path = tmp_path / "bundle.zip"
    path.write_bytes(bytes(ProofBundle.objects.get(vote=vote).content))
    private = {
        str(crypto.public_credential(e.uuid, c)): (e.uuid, c)
        for e in by_name.values()
        for c in creds[e.vote_college.key].values()
    }
    workers, users = by_name["Workers"], by_name["Users"]
    names = {
        "workers": f"{workers.vote_college.key}/{workers.uuid}.bel",
        "users": f"{users.vote_college.key}/{users.uuid}.bel",
    }
    return SimpleNamespace(path=path, names=names, private=private, by_name=by_name)


def _entries(made: Any, college: str = "workers") -> list[tuple[str, bytes]]:
    return read_members(zipfile.ZipFile(made.path).read(made.names[college]))


def _signer(made: Any, ballot: dict[str, Any]) -> SimpleNamespace:
    uuid, private = made.private[ballot["credential"]]
    return SimpleNamespace(uuid=uuid, credentials=[private])


def _both_refuse(made: Any, data: bytes, workdir: Path, run_tool, college: str = "workers"):
    """e2e_verify refuses the bundle holding `data` as the college's archive, and
    belenios-tool refuses that archive; returns e2e_verify's message."""
    name = made.names[college]
    assert data != zipfile.ZipFile(made.path).read(name), "nothing was changed"
    with pytest.raises(CommandError) as refused:
        call_command("e2e_verify", str(_mutated(made.path, name, lambda _old: data)))
    accepted, _errors = tool_verify(run_tool, data, workdir)
    assert not accepted, "belenios-tool accepted a tampered college archive"
    return str(refused.value)


def _ballot_change(made: Any, change: Callable[[dict[str, Any]], None], resigned: bool) -> bytes:
    entries = _entries(made)
    index = find(entries, is_ballot)
    ballot = json.loads(entries[index][1])
    change(ballot)
    if resigned:
        ballot = resign(_signer(made, ballot), ballot, 0)
    return relink(entries, index, dumps(ballot).encode())


def _choice(b: dict[str, Any]) -> dict[str, Any]:
    return b["answers"][0]["choices"][0]  # type: ignore[no-any-return]


BALLOT_CHANGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "ciphertext": lambda b: _choice(b).update(alpha=flip(_choice(b)["alpha"])),
    "challenge": lambda b: b["answers"][0]["individual_proofs"][1][0].update(
        challenge=flip(b["answers"][0]["individual_proofs"][1][0]["challenge"])
    ),
    "response": lambda b: b["answers"][0]["individual_proofs"][2][1].update(
        response=flip(b["answers"][0]["individual_proofs"][2][1]["response"])
    ),
    "overall response": lambda b: b["answers"][0]["overall_proof"][0].update(
        response=flip(b["answers"][0]["overall_proof"][0]["response"])
    ),
    "signature": lambda b: b["signature"]["proof"].update(
        challenge=flip(b["signature"]["proof"]["challenge"])
    ),
    "ballot credential": lambda b: b.update(credential=flip(b["credential"])),
}


SIGNATURE_PARTS = ("signature", "ballot credential")


def _archive_change(made: Any, test: Callable[[Any], bool], change, nth: int = 0) -> bytes:
    entries = _entries(made)
    index = find(entries, test, nth=nth)
    value = json.loads(entries[index][1])
    change(value)
    return relink(entries, index, dumps(value).encode())


def _is_event(kind: str) -> Callable[[Any], bool]:
    return lambda v: isinstance(v, dict) and v.get("type") == kind


def _is_tally(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and isinstance(v[0], list) and "alpha" in v[0][0]


def _is_credentials(v: Any) -> bool:
    return isinstance(v, list) and bool(v) and isinstance(v[0], str)


def _is_pd(v: Any) -> bool:
    return isinstance(v, dict) and "decryption_factors" in v


def _pd_factor(pd: dict[str, Any]) -> None:
    pd["decryption_factors"][0][1] = flip(pd["decryption_factors"][0][1])


def _pd_proof(pd: dict[str, Any]) -> None:
    pd["decryption_proofs"][0][2]["response"] = flip(pd["decryption_proofs"][0][2]["response"])


def _result(r: dict[str, Any]) -> None:
    r["result"][0][1] += 1


def _parent(e: dict[str, Any]) -> None:
    e["parent"] = flip(e["parent"])


def _tally(t: list[list[dict[str, str]]]) -> None:
    t[0][0]["beta"] = flip(t[0][0]["beta"])


def _credentials(c: list[str]) -> None:
    c[0] = flip(c[0])


ARCHIVE_CHANGES: dict[str, tuple[Callable[[Any], bool], Callable[[Any], None], int]] = {
    "public credential": (_is_credentials, _credentials, 0),
    "chain parent": (_is_event("EndBallots"), _parent, 0),
    "encrypted total": (_is_tally, _tally, 0),
    "partial decryption factor": (_is_pd, _pd_factor, 1),
    "partial decryption proof": (_is_pd, _pd_proof, 2),
    "result": (lambda v: isinstance(v, dict) and "result" in v, _result, 0),
}


def test_the_untouched_bundle_passes_both(bundle, tmp_path: Path, run_tool) -> None:
    """The control: relinking with no change keeps the bundle valid for both."""
    entries = _entries(bundle)
    data = relink(entries, 1, entries[1][1])
    call_command("e2e_verify", str(_mutated(bundle.path, bundle.names["workers"], lambda _: data)))
    accepted, errors = tool_verify(run_tool, data, tmp_path)
    assert accepted, errors


def test_each_artefact_changed_in_a_real_bundle_is_refused_by_both(
    bundle, tmp_path: Path, run_tool
) -> None:
    for what, change in BALLOT_CHANGES.items():
        for resigned in (False, True):
            if resigned and what in SIGNATURE_PARTS:
                continue  # signing again would undo the change
            data = _ballot_change(bundle, change, resigned)
            message = _both_refuse(bundle, data, tmp_path / "w", run_tool)
            if not resigned and what != "ballot credential":
                assert "bad_signature" in message, (what, message)
            if resigned and what in ("challenge", "response", "overall response"):
                assert "bad_proof" in message, (what, message)
    for what, (test, change, nth) in ARCHIVE_CHANGES.items():
        message = _both_refuse(
            bundle, _archive_change(bundle, test, change, nth), tmp_path / "a", run_tool
        )
        assert "refused" in message, (what, message)


def test_a_changed_attendance_in_the_weighting_is_refused(bundle) -> None:
    def attendance(content: bytes) -> bytes:
        data = json.loads(content)
        for college in data["colleges"]:
            college["attendance"] = college["eligible"]
        data["colleges"][0]["attendance"] = 0
        return json.dumps(data).encode()

    with pytest.raises(CommandError):
        call_command("e2e_verify", str(_mutated(bundle.path, "weighting.json", attendance)))


def test_proofs_replayed_from_another_ballot_or_election_are_refused(
    bundle, tmp_path: Path, run_tool
) -> None:
    entries = _entries(bundle)
    first = json.loads(entries[find(entries, is_ballot, nth=0)][1])
    index = find(entries, is_ballot, nth=1)
    second = json.loads(entries[index][1])
    # Another voter's encrypted answers and proofs, signed with this voter's credential.
    copied = resign(_signer(bundle, second), {**second, "answers": first["answers"]}, 0)
    message = _both_refuse(
        bundle, relink(entries, index, dumps(copied).encode()), tmp_path / "b", run_tool
    )
    assert "bad_proof" in message
    # The users' election's answers and proofs, signed for the workers' election.
    users = _entries(bundle, "users")
    theirs = json.loads(users[find(users, is_ballot)][1])
    copied = resign(_signer(bundle, second), {**second, "answers": theirs["answers"]}, 0)
    message = _both_refuse(
        bundle, relink(entries, index, dumps(copied).encode()), tmp_path / "e", run_tool
    )
    assert "bad_proof" in message
    # The users' whole ballot, put on the workers' board.
    replayed = relink(entries, index, dumps(theirs).encode())
    assert "wrong_election" in _both_refuse(bundle, replayed, tmp_path / "u", run_tool)


def test_a_credential_from_another_college_is_refused_by_both(
    bundle, tmp_path: Path, run_tool
) -> None:
    """A well-formed ballot for the workers' election, signed with a user's credential."""
    users = bundle.by_name["Users"]
    entries = _entries(bundle)
    user_ballot = json.loads(
        _entries(bundle, "users")[find(_entries(bundle, "users"), is_ballot)][1]
    )
    _uuid, private = bundle.private[user_ballot["credential"]]
    assert users.uuid == _uuid
    ballot = booth_ballot(bundle.by_name["Workers"], private, FOR, seed="other-college")
    data = relink(entries, find(entries, is_ballot, nth=2), ballot.encode())
    assert "unknown_credential" in _both_refuse(bundle, data, tmp_path / "c", run_tool)
