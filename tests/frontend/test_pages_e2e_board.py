"""The board's pages of votes counted end to end through the test client: naming an
electoral board, following its key ceremony, setting a vote up, ending and closing it."""

from __future__ import annotations

import pytest
from django.test import Client

from elections.models import BoardStatus, Election, ElectionStatus, ElectoralBoard
from tests.elections.helpers import (
    authority_credentials,
    booth_ballot,
    decrypt_with,
    name_board,
    run_ceremony,
)
from tests.voting.factories import make_coop, make_vote
from voting.models import VoteStatus

pytestmark = pytest.mark.django_db

SIZES = {"Workers": 3, "Users": 2}


def _client(person) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(person)
    return client


@pytest.fixture
def coop():
    return make_coop(SIZES)


def _boards_url(coop) -> str:
    return f"/c/{coop.cooperative.slug}/board/electoral-boards/"


def _seats(people, roles=("chair", "scrutineer", "scrutineer", "substitute", "substitute")):
    data = {"seats": str(len(roles))}
    for i, (person, role) in enumerate(zip(people, roles, strict=True)):
        data[f"seat-{i}-person"] = str(person.pk)
        data[f"seat-{i}-role"] = role
    return data


def test_only_the_board_reaches_the_electoral_board_pages(coop) -> None:
    made = name_board(coop)
    member = coop.person("Workers")
    board_url = f"{_boards_url(coop)}{made.board.pk}/"

    assert _client(member).get(_boards_url(coop)).status_code == 403
    assert _client(member).get(board_url).status_code == 403
    assert _client(coop.chair).get(_boards_url(coop)).status_code == 200
    assert _client(coop.chair).get(board_url).status_code == 200
    other = make_coop({"Workers": 1})
    assert _client(other.chair).get(board_url).status_code == 404


def test_the_form_names_a_board_of_the_cooperatives_people(coop) -> None:
    people = coop.people("Workers") + coop.people("Users")
    data = {"year": "2027", "name": "", "threshold": "3", "bulletin_public": "on"}
    data.update(_seats(people))

    response = _client(coop.chair).post(_boards_url(coop), data)

    board = ElectoralBoard.objects.get(cooperative=coop.cooperative)
    assert response.status_code == 302
    assert response["Location"] == f"{_boards_url(coop)}{board.pk}/"
    assert board.year == 2027 and board.threshold == 3 and board.bulletin_public
    trustees = list(board.trustees.order_by("index"))
    assert [(t.person, t.role) for t in trustees] == list(
        zip(people, ["chair", "scrutineer", "scrutineer", "substitute", "substitute"], strict=True)
    )
    page = _client(coop.chair).get(response["Location"]).content.decode()
    assert 'data-step="certificates"' in page
    assert f"collegia-trustee ceremony --board {board.pk} --key" in page


def test_a_refusal_of_the_service_is_shown_on_the_form(coop) -> None:
    people = coop.people("Workers") + coop.people("Users")
    data = {"year": "2027", "threshold": "3"}
    data.update(_seats(people, roles=("chair", "chair", "scrutineer", "substitute", "substitute")))

    response = _client(coop.chair).post(_boards_url(coop), data)

    assert response.status_code == 400
    assert "exactly one chair" in response.content.decode()
    assert not ElectoralBoard.objects.exists()


def test_someone_outside_the_cooperative_cannot_be_named(coop) -> None:
    outsider = make_coop({"Workers": 1}).person("Workers")
    people = coop.people("Workers")[:2] + [outsider]
    data = {"year": "2027", "threshold": "2"}
    data.update(_seats(people, roles=("chair", "scrutineer", "scrutineer")))

    _client(coop.chair).post(_boards_url(coop), data)

    board = ElectoralBoard.objects.get()
    assert outsider.pk not in board.trustees.values_list("person", flat=True)
    assert board.size == 2


def test_the_search_narrows_the_people_offered(coop) -> None:
    wanted = coop.person("Users", 1)
    wanted.display_name = "Zéphyrine Quintal"
    wanted.save()

    page = _client(coop.chair).get(_boards_url(coop), {"q": "Zéphyrine"}).content.decode()

    assert f'<option value="{wanted.pk}"' in page
    assert f'<option value="{coop.person("Workers").pk}"' not in page


def test_the_board_page_follows_the_ceremony_and_never_shows_private_material(coop) -> None:
    made = name_board(coop)
    url = f"{_boards_url(coop)}{made.board.pk}/"
    run_ceremony(made)

    page = _client(coop.chair).get(url).content.decode()

    assert 'data-step="done"' in page
    assert page.count('data-posted="yes"') == 15
    assert made.board.public_key in page
    for key in made.keys:
        secrets = [key["signing"], key["encryption"], key["secret"]]
        assert all(len(s) > 8 and s not in page for s in secrets)


def test_the_vote_page_sets_a_vote_up_with_one_election_per_college(coop) -> None:
    made = name_board(coop)
    run_ceremony(made)
    vote = make_vote(coop, is_secret=True)
    page = _client(coop.chair).get(f"/votes/{vote.pk}/").content.decode()
    assert 'id="e2e-setup-form"' in page
    assert (
        _client(coop.person("Workers"))
        .get(f"/votes/{vote.pk}/")
        .content.decode()
        .count("e2e-setup-form")
        == 0
    )

    response = _client(coop.chair).post(
        f"/votes/{vote.pk}/e2e/setup/",
        {"electoral_board": made.board.pk, "credential_mode": "authority"},
    )

    assert response.status_code == 302
    elections = list(Election.objects.filter(vote=vote))
    assert sorted(e.vote_college_id for e in elections) == sorted(
        vote.colleges.values_list("pk", flat=True)
    )
    assert len(elections) >= len(SIZES)
    assert {e.status for e in elections} == {ElectionStatus.CREDENTIALS}
    page = _client(coop.chair).get(f"/votes/{vote.pk}/").content.decode()
    assert "collegia-trustee credentials --election" in page
    assert 'id="close-vote"' not in page


def test_a_plain_member_cannot_set_a_vote_up(coop) -> None:
    made = name_board(coop)
    run_ceremony(made)
    vote = make_vote(coop, is_secret=True)

    response = _client(coop.person("Workers")).post(
        f"/votes/{vote.pk}/e2e/setup/", {"electoral_board": made.board.pk}
    )

    assert response.status_code in (403, 404)
    assert not Election.objects.exists()


def test_a_board_without_its_key_is_refused_with_a_message(coop) -> None:
    made = name_board(coop)
    assert made.board.status == BoardStatus.CEREMONY
    vote = make_vote(coop, is_secret=True)

    response = _client(coop.chair).post(
        f"/votes/{vote.pk}/e2e/setup/", {"electoral_board": made.board.pk}, follow=True
    )

    assert "has not completed its key ceremony" in response.content.decode()
    assert not Election.objects.exists()


def test_end_and_close_after_three_trustees_decrypted(coop) -> None:
    made = name_board(coop)
    run_ceremony(made)
    vote = make_vote(coop, is_secret=True)
    client = _client(coop.chair)
    client.post(f"/votes/{vote.pk}/e2e/setup/", {"electoral_board": made.board.pk})
    elections = list(Election.objects.filter(vote=vote).order_by("vote_college__position"))
    creds = {e.pk: authority_credentials(e) for e in elections}
    from elections import services

    for election in elections:
        for i, (entry, credential) in enumerate(creds[election.pk].items()):
            voter = election.vote_college.roll.get(pk=entry).member.person
            choice = [[1, 0, 0]] if i % 3 != 2 else [[0, 1, 0]]
            services.e2e_ballot_cast(
                actor=voter, election=election, ballot=booth_ballot(election, credential, choice)
            )
    page = client.get(f"/votes/{vote.pk}/").content.decode()
    assert 'id="e2e-end"' in page and 'id="e2e-close"' not in page

    assert client.post(f"/votes/{vote.pk}/e2e/end/").status_code == 302
    page = client.get(f"/votes/{vote.pk}/").content.decode()
    assert 'id="e2e-close-waits"' in page
    assert "collegia-trustee decrypt --election " + elections[0].uuid in page
    refused = client.post(f"/votes/{vote.pk}/e2e/close/", follow=True)
    assert "trustees must decrypt" in refused.content.decode()

    for election in elections:
        election.refresh_from_db()
        decrypt_with(made, election, [1, 3, 5])
    page = client.get(f"/votes/{vote.pk}/").content.decode()
    assert page.count('data-decrypted="3"') == len(elections)
    assert 'id="e2e-close"' in page

    response = client.post(f"/votes/{vote.pk}/e2e/close/")

    assert response.status_code == 302
    assert response["Location"] == f"/votes/{vote.pk}/results/"
    vote.refresh_from_db()
    assert vote.status == VoteStatus.CLOSED
    assert vote.decision.result["verifiable"]["bundle_sha256"]
