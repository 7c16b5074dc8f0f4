"""The demo's vote counted end to end: a keyed electoral board, one open election per
college, the trustees' keys and the voters' credentials on disk, owner-only."""

from __future__ import annotations

import csv
import json
import stat
from pathlib import Path

import pytest
from django.core.management import call_command

from elections import services
from elections.demo import E2E_VOTE_TITLE, TRUSTEES
from elections.models import BoardStatus, Election, ElectionStatus, ElectoralBoard
from governance.models import Person
from tests.elections.helpers import booth_ballot
from voting.models import RollEntry, Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def secrets(settings, tmp_path: Path) -> Path:
    settings.DEMO_SECRETS_DIR = tmp_path / "demo-election"
    return settings.DEMO_SECRETS_DIR


def _credentials(folder: Path) -> list[dict[str, str]]:
    with (folder / "credentials.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_the_demo_vote_has_one_open_election_per_college_under_a_ready_board(secrets) -> None:
    call_command("load_demo", stdout=None)

    vote = Vote.objects.get(title=E2E_VOTE_TITLE)
    assert vote.status == "open" and vote.is_secret
    elections = list(Election.objects.filter(vote=vote))
    assert sorted(e.vote_college_id for e in elections) == sorted(
        vote.colleges.values_list("pk", flat=True)
    )
    assert {e.status for e in elections} == {ElectionStatus.OPEN}
    board = ElectoralBoard.objects.get()
    assert board.status == BoardStatus.READY
    assert [t.person.username for t in board.trustees.order_by("index")] == [
        u for u, _role in TRUSTEES
    ]
    # Some members already cast, so the bulletin boards show trackers; Léa has not.
    assert sum(e.ballots.count() for e in elections) >= 6
    lea = RollEntry.objects.get(vote=vote, member__person__username="lea")
    assert not lea.has_voted


def test_the_secrets_are_owner_only_and_match_the_server(secrets) -> None:
    # The tool's package is on the path tests.elections.helpers set.
    from collegia_trustee.primitives import g, show

    call_command("load_demo", stdout=None)

    files = sorted(p.name for p in secrets.iterdir())
    assert files == ["credentials.csv"] + sorted(
        f"trustee-{i}-{u}.json" for i, (u, _r) in enumerate(TRUSTEES, start=1)
    )
    for path in secrets.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    board = ElectoralBoard.objects.get()
    for trustee in board.trustees.select_related("person"):
        path = secrets / f"trustee-{trustee.index}-{trustee.person.username}.json"
        key = json.loads(path.read_text())
        assert key["index"] == trustee.index
        # The file holds the secret share behind the verification key the server checked.
        assert trustee.verification_key["public_key"] == show(g(int(key["secret"])))
    rows = _credentials(secrets)
    vote = Vote.objects.get(title=E2E_VOTE_TITLE)
    assert len(rows) == RollEntry.objects.filter(vote=vote).count()


def test_a_credential_from_the_folder_casts_a_ballot(secrets) -> None:
    call_command("load_demo", stdout=None)
    row = next(r for r in _credentials(secrets) if r["username"] == "lea")
    election = Election.objects.get(uuid=row["election"])
    lea = Person.objects.get(username="lea")

    ballot = services.e2e_ballot_cast(
        actor=lea, election=election, ballot=booth_ballot(election, row["credential"], [[1, 0, 0]])
    )

    assert ballot.is_current
    assert RollEntry.objects.get(vote=election.vote, member__person=lea).has_voted


def test_loading_the_demo_twice_keeps_one_board_and_one_vote(secrets) -> None:
    call_command("load_demo", stdout=None)
    before = (secrets / "credentials.csv").read_text()
    call_command("load_demo", stdout=None)

    assert ElectoralBoard.objects.count() == 1
    assert Vote.objects.filter(title=E2E_VOTE_TITLE).count() == 1
    assert (secrets / "credentials.csv").read_text() == before


def test_the_key_files_decrypt_and_the_board_closes_the_demo_vote(secrets) -> None:
    """What a newcomer does by hand: end the ballots, decrypt with three trustees' files
    from the folder (the tool's own function), close."""
    from elections.services.closing import encrypted_tally
    from tests.elections.helpers import tool
    from verifiable.formats import ciphertext_json
    from verifiable.group import sha256_b64

    call_command("load_demo", stdout=None)
    vote = Vote.objects.get(title=E2E_VOTE_TITLE)
    claire = Person.objects.get(username="claire")
    services.e2e_end_ballots(actor=claire, vote=vote)
    board = ElectoralBoard.objects.get()
    for election in Election.objects.filter(vote=vote):
        tally, _n = encrypted_tally(election)
        rows = [[ciphertext_json(c.alpha, c.beta) for c in row] for row in tally]
        for trustee in board.trustees.select_related("person").order_by("index")[:3]:
            path = secrets / f"trustee-{trustee.index}-{trustee.person.username}.json"
            pd = tool.partial_decryption(
                json.loads(path.read_text()), sha256_b64(election.election_text), rows
            )
            services.e2e_partial_decryption_post(
                actor=trustee.person, election=election, partial_decryption=pd
            )

    decision = services.e2e_vote_close(actor=claire, vote=vote)

    assert decision.result["verifiable"]["bundle_sha256"]
    counted = sum(sum(e.result[0]) for e in Election.objects.filter(vote=vote))
    assert counted == sum(e.ballots.filter(is_current=True).count() for e in vote.e2e.all())
