"""A vote counted end to end through the services: the key ceremony of five trustees, the
credentials, encrypted ballots, the close by three trustees and the proof bundle."""

from __future__ import annotations

import io
import itertools
import json
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from core.models import AuditEntry
from elections import services
from elections.errors import (
    BallotRefused,
    CeremonyStepRefused,
    DecryptionRefused,
    MethodNotVerifiable,
    NotYourCredential,
)
from elections.models import BoardStatus, Election, ElectionStatus, ProofBundle
from elections.services.closing import _decrypt
from tests.voting.factories import cast, make_coop, make_vote
from verifiable.verify import verify_archive
from voting.models import VoteMethod

from .helpers import (
    authority_credentials,
    booth_ballot,
    decrypt_with,
    name_board,
    run_ceremony,
    tool,
)

pytestmark = pytest.mark.django_db

SIZES = {"Workers": 3, "Users": 2, "Suppliers": 2, "Authorities": 2}
FOR, AGAINST, ABSTAIN = [[1, 0, 0]], [[0, 1, 0]], [[0, 0, 1]]


@pytest.fixture
def coop():
    return make_coop(SIZES)


@pytest.fixture
def ready(coop):
    made = name_board(coop)
    run_ceremony(made)
    return made


def _open_vote(coop, made, method=VoteMethod.RESOLUTION, **kwargs):
    vote = make_vote(coop, method=method, is_secret=True, **kwargs)
    elections = services.e2e_setup(actor=coop.chair, vote=vote, board=made.board)
    creds = {e.vote_college.key: authority_credentials(e) for e in elections}
    return vote, {e.vote_college.key: Election.objects.get(pk=e.pk) for e in elections}, creds


def _voter_cred(coop, college_name, index, election, creds):
    membership = coop.members[college_name][index]
    entry = election.vote_college.roll.get(membership=membership)
    return membership.member.person, creds[election.vote_college.key][entry.pk]


def test_the_ceremony_of_five_derives_the_key_and_verification_keys(ready) -> None:
    board = ready.board
    assert board.status == BoardStatus.READY
    assert len(board.public_key) == 64
    params = json.loads(board.parameters)
    assert params["threshold"] == 3 and len(params["verification_keys"]) == 5


def test_a_certificate_for_another_index_is_refused(coop) -> None:
    made = name_board(coop)
    key = tool.new_key(index=2, size=5, threshold=3)
    with pytest.raises(CeremonyStepRefused):
        services.trustee_post_certificate(
            actor=made.people[0], board=made.board, certificate=key["certificate"]
        )


def test_a_share_that_does_not_match_its_commitments_is_caught_by_its_recipient(coop) -> None:
    name_board(coop)
    keys = [tool.new_key(index=i, size=5, threshold=3) for i in range(1, 6)]
    certs = [k["certificate"] for k in keys]
    steps = [tool.commitments(k, certs) for k in keys]
    steps[1]["shares"][0] = steps[2]["shares"][0]  # trustee 2's share to 1 swapped for 3's
    with pytest.raises(tool.CeremonyError):
        tool.verification_key(
            keys[0], certs, [s["coefexps"] for s in steps], [s["shares"][0] for s in steps]
        )


def test_schulze_is_refused_with_a_clear_error(coop, ready) -> None:
    vote = make_vote(coop, method=VoteMethod.RANKED, is_secret=True)
    with pytest.raises(MethodNotVerifiable):
        services.e2e_setup(actor=coop.chair, vote=vote, board=ready.board)


def test_a_resolution_counted_end_to_end_closes_with_a_verified_bundle(
    coop, ready, tmp_path: Path
) -> None:
    vote, elections, creds = _open_vote(coop, ready)
    workers = elections["workers"] if "workers" in elections else next(iter(elections.values()))
    plan = {"Workers": [FOR, FOR, AGAINST], "Users": [AGAINST, ABSTAIN], "Suppliers": [FOR]}
    by_name = {e.vote_college.name: e for e in elections.values()}
    for name, choices in plan.items():
        for i, choice in enumerate(choices):
            person, cred = _voter_cred(coop, name, i, by_name[name], creds)
            services.e2e_ballot_cast(
                actor=person,
                election=by_name[name],
                ballot=booth_ballot(by_name[name], cred, choice),
            )
    # A member without JavaScript votes sealed: counted in the clear beside the totals.
    cast(coop.person("Authorities"), vote, "for")
    assert workers
    services.e2e_end_ballots(actor=coop.chair, vote=vote)
    for election in Election.objects.filter(vote=vote):
        decrypt_with(ready, election, [1, 3, 5])
    decision = services.e2e_vote_close(actor=coop.chair, vote=vote)
    bundle = ProofBundle.objects.get(vote=vote)
    assert decision.result["verifiable"]["bundle_sha256"] == bundle.sha256
    entry = AuditEntry.objects.filter(verb="vote.closed").latest("id")
    assert entry.hash == decision.audit_hash
    colleges = {c["key"]: c for c in decision.result["colleges"]}
    workers_key = by_name["Workers"].vote_college.key
    assert colleges[workers_key]["voted"] == 3
    assert Election.objects.get(pk=by_name["Workers"].pk).result == [[2, 1, 0]]
    path = tmp_path / "bundle.zip"
    path.write_bytes(bytes(bundle.content))
    out = io.StringIO()
    call_command("e2e_verify", str(path), stdout=out)
    assert "verified" in out.getvalue() and bundle.sha256 in out.getvalue()
    for election in Election.objects.filter(vote=vote):
        assert (
            verify_archive(
                zipfile.ZipFile(path).read(f"{election.vote_college.key}/{election.uuid}.bel")
            ).result
            == election.result
        )


def _mutated(path: Path, name: str, change) -> Path:
    files = {n: zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()}
    files[name] = change(files[name])
    out = path.with_name("mutated.zip")
    with zipfile.ZipFile(out, "w") as z:
        for n, c in files.items():
            z.writestr(n, c)
    return out


@pytest.fixture
def closed(coop, ready, tmp_path: Path):
    vote, elections, creds = _open_vote(coop, ready)
    by_name = {e.vote_college.name: e for e in elections.values()}
    for i, choice in enumerate([FOR, AGAINST, FOR]):
        person, cred = _voter_cred(coop, "Workers", i, by_name["Workers"], creds)
        services.e2e_ballot_cast(
            actor=person,
            election=by_name["Workers"],
            ballot=booth_ballot(by_name["Workers"], cred, choice),
        )
    person, cred = _voter_cred(coop, "Users", 0, by_name["Users"], creds)
    services.e2e_ballot_cast(
        actor=person,
        election=by_name["Users"],
        ballot=booth_ballot(by_name["Users"], cred, AGAINST),
    )
    services.e2e_end_ballots(actor=coop.chair, vote=vote)
    for election in Election.objects.filter(vote=vote):
        decrypt_with(ready, election, [2, 3, 4])
    services.e2e_vote_close(actor=coop.chair, vote=vote)
    path = tmp_path / "bundle.zip"
    path.write_bytes(bytes(ProofBundle.objects.get(vote=vote).content))
    return vote, path


def test_a_changed_weighting_or_result_is_refused_by_e2e_verify(closed) -> None:
    _vote, path = closed

    def weight(content: bytes) -> bytes:
        data = json.loads(content)
        data["colleges"][0]["weight"], data["colleges"][1]["weight"] = (
            data["colleges"][1]["weight"],
            data["colleges"][0]["weight"],
        )
        if data["colleges"][0]["weight"] == data["colleges"][1]["weight"]:
            data["colleges"][0]["weight"] = "1/10"
        return json.dumps(data).encode()

    def result(content: bytes) -> bytes:
        data = json.loads(content)
        data["result"]["adopted"] = not data["result"]["adopted"]
        return json.dumps(data).encode()

    def fallback(content: bytes) -> bytes:
        data = json.loads(content)
        data["colleges"][2]["fallback"] = [["for", 1]]
        return json.dumps(data).encode()

    for change in (weight, result, fallback):
        with pytest.raises(CommandError):
            call_command("e2e_verify", str(_mutated(path, "weighting.json", change)))


def test_a_credential_from_another_college_is_refused(coop, ready) -> None:
    vote, elections, creds = _open_vote(coop, ready)
    by_name = {e.vote_college.name: e for e in elections.values()}
    person, _cred = _voter_cred(coop, "Workers", 0, by_name["Workers"], creds)
    _other, users_cred = _voter_cred(coop, "Users", 0, by_name["Users"], creds)
    # A ballot for the workers' election signed with a users' credential.
    with pytest.raises(BallotRefused) as refused:
        services.e2e_ballot_cast(
            actor=person,
            election=by_name["Workers"],
            ballot=booth_ballot(by_name["Workers"], users_cred, FOR),
        )
    assert refused.value.code == "ballot_unknown_credential"
    # The users' ballot itself, posted to the workers' election.
    with pytest.raises(BallotRefused):
        services.e2e_ballot_cast(
            actor=person,
            election=by_name["Workers"],
            ballot=booth_ballot(by_name["Users"], users_cred, FOR),
        )


def test_another_voters_credential_is_refused(coop, ready) -> None:
    vote, elections, creds = _open_vote(coop, ready)
    by_name = {e.vote_college.name: e for e in elections.values()}
    person, _cred = _voter_cred(coop, "Workers", 0, by_name["Workers"], creds)
    _other, cred = _voter_cred(coop, "Workers", 1, by_name["Workers"], creds)
    with pytest.raises(NotYourCredential):
        services.e2e_ballot_cast(
            actor=person,
            election=by_name["Workers"],
            ballot=booth_ballot(by_name["Workers"], cred, FOR),
        )


def test_a_revote_supersedes_and_only_the_last_ballot_counts(coop, ready) -> None:
    vote, elections, creds = _open_vote(coop, ready)
    workers = {e.vote_college.name: e for e in elections.values()}["Workers"]
    person, cred = _voter_cred(coop, "Workers", 0, workers, creds)
    first = services.e2e_ballot_cast(
        actor=person, election=workers, ballot=booth_ballot(workers, cred, FOR, "1")
    )
    second = services.e2e_ballot_cast(
        actor=person, election=workers, ballot=booth_ballot(workers, cred, AGAINST, "2")
    )
    first.refresh_from_db()
    assert not first.is_current and second.is_current
    with pytest.raises(BallotRefused):  # the first ballot replayed
        services.e2e_ballot_cast(actor=person, election=workers, ballot=first.text)
    services.e2e_end_ballots(actor=coop.chair, vote=vote)
    workers.refresh_from_db()
    decrypt_with(ready, workers, [1, 2, 3])
    assert _decrypt(workers) == [[0, 1, 0]]


def test_every_three_trustees_decrypt_alike_and_two_cannot(coop, ready) -> None:
    vote, elections, creds = _open_vote(coop, ready)
    workers = {e.vote_college.name: e for e in elections.values()}["Workers"]
    for i, choice in enumerate([FOR, AGAINST, FOR]):
        person, cred = _voter_cred(coop, "Workers", i, workers, creds)
        services.e2e_ballot_cast(
            actor=person, election=workers, ballot=booth_ballot(workers, cred, choice)
        )
    services.e2e_end_ballots(actor=coop.chair, vote=vote)
    workers.refresh_from_db()
    decrypt_with(ready, workers, [1, 2])
    from elections.errors import ElectionStateError

    with pytest.raises(ElectionStateError):
        _decrypt(workers)
    decrypt_with(ready, workers, [3, 4, 5])

    for subset in itertools.combinations(range(1, 6), 3):
        chosen = sorted(subset)
        assert _decrypt_subset(workers, chosen) == [[2, 1, 0]], subset


def _decrypt_subset(election, indexes):
    from elections.services.closing import encrypted_tally
    from verifiable import crypto
    from verifiable.election import combine
    from verifiable.group import Point

    tally, n = encrypted_tally(election)
    pds = {pd.trustee.index: pd for pd in election.partial_decryptions.select_related("trustee")}
    factors = [
        [[Point.parse(f) for f in row] for row in json.loads(pds[i].text)["decryption_factors"]]
        for i in indexes
    ]
    return combine(tally, factors, n, [crypto.lagrange(indexes, i) for i in indexes])


def test_a_bad_partial_decryption_is_refused_and_another_trustee_completes(coop, ready) -> None:
    vote, elections, creds = _open_vote(coop, ready)
    workers = {e.vote_college.name: e for e in elections.values()}["Workers"]
    person, cred = _voter_cred(coop, "Workers", 0, workers, creds)
    services.e2e_ballot_cast(
        actor=person, election=workers, ballot=booth_ballot(workers, cred, FOR)
    )
    services.e2e_end_ballots(actor=coop.chair, vote=vote)
    workers.refresh_from_db()
    decrypt_with(ready, workers, [1, 2])
    # Trustee 3 decrypts with trustee 4's key: its proofs fail against its own key.
    from elections.services.closing import encrypted_tally
    from verifiable.formats import ciphertext_json
    from verifiable.group import sha256_b64

    tally, _n = encrypted_tally(workers)
    rows = [[ciphertext_json(c.alpha, c.beta) for c in row] for row in tally]
    wrong = tool.partial_decryption(ready.keys[3], sha256_b64(workers.election_text), rows)
    with pytest.raises(DecryptionRefused):
        services.e2e_partial_decryption_post(
            actor=ready.people[2], election=workers, partial_decryption=wrong
        )
    decrypt_with(ready, workers, [5])
    assert _decrypt(workers) == [[1, 0, 0]]
    assert workers.status == ElectionStatus.ENDED


def test_belenios_tool_verifies_every_college_directory_of_the_bundle(
    closed, tmp_path: Path, run_tool
) -> None:
    from tests.verifiable.conftest import tool_verify

    _vote, path = closed
    names = [n for n in zipfile.ZipFile(path).namelist() if n.endswith(".bel")]
    assert len(names) == 4
    for name in names:
        accepted, errors = tool_verify(
            run_tool, zipfile.ZipFile(path).read(name), tmp_path / name.split("/")[0]
        )
        assert accepted, (name, errors)


@pytest.mark.parametrize("method", [VoteMethod.MAJORITY_JUDGMENT, VoteMethod.APPROVAL])
def test_choice_methods_are_counted_end_to_end_and_verified(
    coop, ready, tmp_path: Path, method
) -> None:
    extra = {"grades": ["Bad", "Fair", "Good"]} if method == VoteMethod.MAJORITY_JUDGMENT else {}
    vote, elections, creds = _open_vote(coop, ready, method=method, **extra)
    workers = {e.vote_college.name: e for e in elections.values()}["Workers"]
    if method == VoteMethod.MAJORITY_JUDGMENT:
        plan = [[[0, 0, 1], [1, 0, 0], [0, 1, 0]], [[0, 1, 0], [1, 0, 0], [0, 0, 1]]]
    else:
        plan = [[[1, 1, 0]], [[1, 0, 0]]]
    for i, choice in enumerate(plan):
        person, cred = _voter_cred(coop, "Workers", i, workers, creds)
        services.e2e_ballot_cast(
            actor=person, election=workers, ballot=booth_ballot(workers, cred, choice)
        )
    services.e2e_end_ballots(actor=coop.chair, vote=vote)
    for election in Election.objects.filter(vote=vote):
        decrypt_with(ready, election, [1, 2, 3])
    decision = services.e2e_vote_close(actor=coop.chair, vote=vote)
    assert decision.outcome in ("winner", "tie", "quorum_not_reached")
    path = tmp_path / "bundle.zip"
    path.write_bytes(bytes(ProofBundle.objects.get(vote=vote).content))
    call_command("e2e_verify", str(path), stdout=io.StringIO())
    if method == VoteMethod.APPROVAL:
        assert decision.result["tally"]["winners"] == ["A"]
