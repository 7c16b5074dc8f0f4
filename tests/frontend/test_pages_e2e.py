"""The pages of a vote counted end to end through the test client: the encrypting booth
beside the sealed fallback, and the read-only bulletin board of each college."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from elections import services
from elections.models import Election
from frontend.templatetags.booth import booth_bundle_integrity, booth_bundle_sha256
from tests.elections.helpers import authority_credentials, booth_ballot, name_board, run_ceremony
from tests.governance.factories import PersonFactory
from tests.voting.factories import make_coop, make_observer, make_vote

pytestmark = pytest.mark.django_db

SIZES = {"Workers": 2, "Users": 2, "Suppliers": 1, "Authorities": 1}


@pytest.fixture
def setup():
    coop = make_coop(SIZES)
    made = name_board(coop)
    run_ceremony(made)
    vote = make_vote(coop, is_secret=True)
    elections = services.e2e_setup(actor=coop.chair, vote=vote, board=made.board)
    creds = {e.pk: authority_credentials(e) for e in elections}
    workers = Election.objects.get(vote=vote, vote_college__name="Workers")
    return coop, made, vote, workers, creds


def _client(person) -> Client:
    client = Client()
    client.force_login(person)
    return client


def _cast(coop, workers, creds, index=0, choice=([1, 0, 0],), seed="b"):
    membership = coop.members["Workers"][index]
    entry = workers.vote_college.roll.get(membership=membership)
    ballot = booth_ballot(workers, creds[workers.pk][entry.pk], list(choice), seed=seed)
    return services.e2e_ballot_cast(
        actor=membership.member.person, election=workers, ballot=ballot
    ), membership.member.person


def test_the_booth_page_carries_the_election_the_bundle_and_the_sealed_fallback(setup) -> None:
    coop, _made, vote, workers, _creds = setup
    member = coop.members["Workers"][0].member.person
    page = _client(member).get(f"/votes/{vote.pk}/").content.decode()
    assert 'id="e2e-booth" hidden' in page
    assert booth_bundle_sha256() in page
    assert f'integrity="{booth_bundle_integrity()}"' in page
    # The exact election file, byte for byte, for its fingerprint.
    found = re.search(
        r'<script id="e2e-election-[^"]+" type="application/json">(.*?)</script>', page
    )
    assert found and json.loads(found.group(1)) == workers.election_text
    assert f"/api/v1/e2e/elections/{workers.uuid}/ballots/" in page
    voter = workers.voters.get(roll_entry__membership=coop.members["Workers"][0])
    assert f'data-public-credential="{voter.credential}"' in page
    # Without JavaScript the sealed form stays, marked as encrypted by the server.
    assert 'id="ballot-form"' in page and 'id="server-encrypted-note"' in page
    assert f"/votes/{vote.pk}/bulletin/{workers.uuid}/" in page


def test_a_sealed_ballot_after_an_encrypted_one_is_refused_on_the_page(setup) -> None:
    coop, _made, vote, workers, creds = setup
    cast, member = _cast(coop, workers, creds)
    client = _client(member)
    answer = client.post(f"/votes/{vote.pk}/", {"choice": "against"}, follow=True)
    assert "Un bulletin chiffré a déjà été déposé pour ce membre" in answer.content.decode()
    page = client.get(f"/votes/{vote.pk}/").content.decode()
    assert cast.tracker in page  # the encrypted ballot that counts


def test_the_bulletin_board_shows_events_trackers_and_counts(
    setup, django_assert_max_num_queries
) -> None:
    coop, _made, vote, workers, creds = setup
    first, _member = _cast(coop, workers, creds, 0)
    second, _member = _cast(coop, workers, creds, 1, choice=([0, 1, 0],))
    url = f"/votes/{vote.pk}/bulletin/{workers.uuid}/"
    client = _client(coop.members["Users"][0].member.person)
    with django_assert_max_num_queries(25):
        page = client.get(url).content.decode()
    trackers = re.findall(r'<li><span class="hash">([^<]+)</span></li>', page)
    assert trackers == sorted([first.tracker, second.tracker])
    events = re.findall(r'<tr data-type="(\w+)">', page)
    assert events == ["Setup", "Ballot", "Ballot"]
    assert 'id="server-generated">0<' in page and 'id="server-encrypted">0<' in page
    assert f"/api/v1/e2e/elections/{workers.uuid}/archive/" in page


def test_who_may_read_a_bulletin_board(setup) -> None:
    coop, made, vote, workers, _creds = setup
    url = f"/votes/{vote.pk}/bulletin/{workers.uuid}/"
    assert _client(make_observer(coop)).get(url).status_code == 200
    outsider = _client(PersonFactory())
    anonymous = Client()
    missing = f"/votes/{vote.pk}/bulletin/{'0' * 14}/"
    assert outsider.get(url).status_code == 404 == outsider.get(missing).status_code
    assert anonymous.get(url).status_code == 404
    other_vote = make_vote(coop)
    member = _client(coop.members["Workers"][0].member.person)
    assert member.get(f"/votes/{other_vote.pk}/bulletin/{workers.uuid}/").status_code == 404
    made.board.bulletin_public = True
    made.board.save(update_fields=["bulletin_public"])
    assert anonymous.get(url).status_code == 200
    assert outsider.get(url).status_code == 200
