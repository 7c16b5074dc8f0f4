"""Ballots made by Belenios' own tool for a Collegia election, set up through the
elections services: the casting API accepts them, the close tallies them to the choices
the tool encrypted, and the tool verifies the closed election."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from elections import archive_store, services
from elections.models import Election
from tests.verifiable.conftest import tool_verify
from tests.voting.factories import make_coop, make_vote

from .helpers import authority_credentials, decrypt_with, name_board, run_ceremony

pytestmark = pytest.mark.django_db

SIZES = {"Workers": 4, "Users": 1, "Suppliers": 1, "Authorities": 1}
# Workers: for, against, for, abstain.
CHOICES = [[[1, 0, 0]], [[0, 1, 0]], [[1, 0, 0]], [[0, 0, 1]]]


def _tool_ballot(run_tool, folder: Path, credential: str, choice: list[list[int]]) -> str:
    (folder / "cred").write_text(credential + "\n")
    (folder / "choice").write_text(json.dumps(choice) + "\n")
    done = run_tool(
        "election",
        "generate-ballot",
        "--dir",
        str(folder),
        "--privcred",
        str(folder / "cred"),
        "--choice",
        str(folder / "choice"),
    )
    assert done.returncode == 0, done.stderr
    return str(done.stdout.strip())


def test_belenios_tool_ballots_are_cast_through_the_api_and_tallied_alike(
    tmp_path: Path, run_tool
) -> None:
    coop = make_coop(SIZES)
    made = name_board(coop)
    run_ceremony(made)
    vote = make_vote(coop, is_secret=True)
    elections = services.e2e_setup(actor=coop.chair, vote=vote, board=made.board)
    credentials = {e.pk: authority_credentials(e) for e in elections}
    workers = Election.objects.get(vote=vote, vote_college__name="Workers")
    # The tool reads the election from its archive as the bulletin board serves it.
    archive_store.load(workers).write(tmp_path, workers.uuid)
    trackers = []
    for membership, choice in zip(coop.members["Workers"], CHOICES, strict=True):
        entry = workers.vote_college.roll.get(membership=membership)
        ballot = _tool_ballot(run_tool, tmp_path, credentials[workers.pk][entry.pk], choice)
        client = Client(enforce_csrf_checks=True)
        client.force_login(membership.member.person)
        # As the booth page does: its CSRF token with the session.
        assert client.get(f"/votes/{vote.pk}/").status_code == 200
        answer = client.post(
            f"/api/v1/e2e/elections/{workers.uuid}/ballots/",
            {"ballot": ballot},
            content_type="application/json",
            headers={"X-CSRFToken": client.cookies["csrftoken"].value},
        )
        assert answer.status_code == 201, answer.content
        trackers.append(answer.json()["tracker"])
    services.e2e_end_ballots(actor=coop.chair, vote=vote)
    for election in Election.objects.filter(vote=vote):
        decrypt_with(made, election, [2, 3, 4])
    decision = services.e2e_vote_close(actor=coop.chair, vote=vote)
    workers.refresh_from_db()
    assert workers.result == [[2, 1, 1]]
    college = next(c for c in decision.result["colleges"] if c["key"] == workers.vote_college.key)
    assert college["voted"] == 4
    accepted, errors = tool_verify(
        run_tool, archive_store.load(workers).to_bytes(), tmp_path / "verify"
    )
    assert accepted, errors
    # The bulletin board page lists the tool's ballots and the decrypted totals.
    reader = Client()
    reader.force_login(coop.members["Users"][0].member.person)
    page = reader.get(f"/votes/{vote.pk}/bulletin/{workers.uuid}/").content.decode()
    assert all(t in page for t in trackers) and 'id="result-heading"' in page
    results = reader.get(f"/votes/{vote.pk}/results/").content.decode()
    assert f"/votes/{vote.pk}/bulletin/{workers.uuid}/" in results
    assert decision.result["verifiable"]["bundle_sha256"] in results
