"""The assembly booth's endpoint for a ballot encrypted in the browser: a member signed in
to the call casts it and gets its tracker; signed out, or with another's credential, the
ballot is refused; the sealed booth stays open to the others."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from assemblies import services
from elections import services as e2e
from elections.models import Election, EncryptedBallot
from governance.models import Person
from tests.assemblies.factories import (
    FIRST_CALL,
    T0,
    check_in,
    item,
    make_assembly,
    member,
    resolution,
    small_coop,
)
from tests.elections.helpers import (
    authority_credentials,
    booth_ballot,
    name_board,
    run_ceremony,
)

pytestmark = pytest.mark.django_db
FOR = [[1, 0, 0]]


def client_for(person: Person) -> APIClient:
    client = APIClient()
    client.force_authenticate(person)
    return client


@pytest.fixture
def booth():  # type: ignore[no-untyped-def]
    coop = small_coop()
    made = name_board(coop)
    run_ceremony(made)
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=["One"])
    type(item(assembly, 1)).objects.filter(pk=item(assembly, 1).pk).update(is_secret=True)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    absent = coop.usernames("Users")[-1]
    check_in(assembly, [u for u in coop.everyone if u != absent], at=FIRST_CALL, by=coop.chair)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    services.item_open(
        actor=coop.chair, item=item(assembly, 1), now=FIRST_CALL + dt.timedelta(minutes=3)
    )
    counted = resolution(assembly, 1)
    elections = e2e.e2e_setup(actor=coop.chair, vote=counted.vote, board=made.board)
    creds = {e.pk: authority_credentials(e) for e in elections}
    return coop, assembly, counted, creds, absent


def _ballot(coop, counted, username, creds):  # type: ignore[no-untyped-def]
    voter = member(coop.cooperative, username)
    election = Election.objects.get(vote=counted.vote, vote_college__roll__member=voter)
    entry = election.vote_college.roll.get(member=voter)
    return booth_ballot(election, creds[election.pk][entry.pk], FOR, seed=username)


def _url(assembly, counted):  # type: ignore[no-untyped-def]
    return f"/api/v1/assemblies/{assembly.pk}/resolutions/{counted.pk}/encrypted-ballots/"


def test_a_member_signed_in_casts_an_encrypted_ballot_and_gets_its_tracker(booth) -> None:  # type: ignore[no-untyped-def]
    coop, assembly, counted, creds, _absent = booth
    username = coop.usernames("Workers")[0]
    voter = member(coop.cooperative, username)
    response = client_for(voter.person).post(
        _url(assembly, counted),
        {"ballot": _ballot(coop, counted, username, creds), "member_id": voter.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    counted_ballot = EncryptedBallot.objects.get(is_current=True)
    assert response.json() == {"tracker": counted_ballot.tracker}
    assert counted_ballot.voter.roll_entry.member_id == voter.pk


def test_a_member_not_signed_in_to_the_call_is_refused(booth) -> None:  # type: ignore[no-untyped-def]
    coop, assembly, counted, creds, absent = booth
    response = client_for(member(coop.cooperative, absent).person).post(
        _url(assembly, counted),
        {"ballot": _ballot(coop, counted, absent, creds)},
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (403, "not_attending")
    assert not EncryptedBallot.objects.exists()


def test_another_members_credential_and_a_malformed_ballot_are_refused(booth) -> None:  # type: ignore[no-untyped-def]
    coop, assembly, counted, creds, _absent = booth
    workers = coop.usernames("Workers")
    client = client_for(member(coop.cooperative, workers[0]).person)
    stolen = client.post(
        _url(assembly, counted),
        {"ballot": _ballot(coop, counted, workers[1], creds)},
        format="json",
    )
    assert (stolen.status_code, stolen.json()["code"]) == (403, "credential_not_yours")
    malformed = client.post(_url(assembly, counted), {"ballot": "{}"}, format="json")
    assert (malformed.status_code, malformed.json()["code"]) == (400, "ballot_malformed")
    assert not EncryptedBallot.objects.exists()


def test_a_resolution_of_another_assembly_or_an_outsider_is_not_found(booth) -> None:  # type: ignore[no-untyped-def]
    coop, assembly, counted, creds, _absent = booth
    username = coop.usernames("Workers")[0]
    ballot = _ballot(coop, counted, username, creds)
    client = client_for(member(coop.cooperative, username).person)
    wrong = f"/api/v1/assemblies/{assembly.pk}/resolutions/{counted.pk + 999}/encrypted-ballots/"
    assert client.post(wrong, {"ballot": ballot}, format="json").status_code == 404
    outsider = Person.objects.create_user(username="outsider", password="pw")
    answer = client_for(outsider).post(_url(assembly, counted), {"ballot": ballot}, format="json")
    assert answer.status_code == 404


def test_the_endpoint_and_its_refusals_are_in_the_schema() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    [path] = [p for p in schema["paths"] if p.endswith("/encrypted-ballots/")]
    operation = schema["paths"][path]["post"]
    assert operation["operationId"] == "assemblies_e2e_ballots_cast"
    assert {"201", "400", "403", "404", "409"} <= set(operation["responses"])
    assert "not_attending" in operation["responses"]["403"]["description"]


def test_the_booth_page_draws_the_encrypting_booth_posting_to_this_endpoint(booth) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    coop, assembly, counted, _creds, _absent = booth
    voter = member(coop.cooperative, coop.usernames("Workers")[0])
    client = Client()
    client.force_login(voter.person)
    page = client.get(f"/assemblies/{assembly.pk}/").content.decode()
    assert 'id="e2e-booth"' in page
    assert f'data-cast-url="{_url(assembly, counted)}"' in page
    assert f'data-member="{voter.pk}"' in page
    # The sealed form stays, for a browser without JavaScript, marked for the script to hide.
    assert "data-e2e-fallback" in page
    assert "frontend/e2e_booth.js" in page
    # The booth drawn again after a room event carries it too.
    part = client.get(f"/assemblies/{assembly.pk}/live/booth/").content.decode()
    assert f'data-cast-url="{_url(assembly, counted)}"' in part
