"""The trustee tool against the REST API: the ceremony of five trustees, the credential
authority, a ballot from the booth, the bulletin board, the decryptions and the close."""

from __future__ import annotations

import json
from typing import Any

import pytest
from rest_framework.test import APIClient

from elections.models import BoardStatus, Election, ElectoralBoard
from governance.tokens import api_token_create
from tests.voting.factories import make_coop, make_vote

from .helpers import ROLES, booth_ballot, trustee_people
from .test_services_e2e import FOR, SIZES

pytestmark = pytest.mark.django_db

from collegia_trustee import cli  # noqa: E402  (put on the path by .helpers)


class ToolApi:
    """The tool's client, answered by the test server with the person's API token."""

    def __init__(self, person: Any) -> None:
        _token, secret = api_token_create(person=person)
        self.client = APIClient()
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")

    def call(self, method: str, path: str, body: Any = None) -> Any:
        response = getattr(self.client, method.lower())(f"/api/v1/{path}", data=body, format="json")
        if response.status_code >= 400:
            raise RuntimeError(f"{response.status_code}: {response.content.decode()}")
        return response.json() if response.content else None


def test_the_tool_runs_the_ceremony_and_the_close_through_the_api(tmp_path) -> None:
    coop = make_coop(SIZES)
    people = trustee_people(coop)
    chair = ToolApi(coop.chair)
    made = chair.call(
        "POST",
        f"cooperatives/{coop.cooperative.slug}/electoral-boards/",
        {
            "year": 2027,
            "members": [{"person_id": p.pk, "role": r} for p, r in zip(people, ROLES, strict=True)],
        },
    )
    assert made["threshold"] == 3 and made["size"] == 5
    # A second board for the same year is refused with its code, not a server error.
    again = chair.client.post(
        f"/api/v1/cooperatives/{coop.cooperative.slug}/electoral-boards/",
        {
            "year": 2027,
            "members": [{"person_id": p.pk, "role": r} for p, r in zip(people, ROLES, strict=True)],
        },
        format="json",
    )
    assert again.status_code == 400
    assert again.json()["code"] == "electoral_board_year_taken"
    tools = [ToolApi(p) for p in people]
    keys = [tmp_path / f"trustee{i}.json" for i in range(1, 6)]
    for expected in ("certificate", "commitments", "verification_key"):
        for api, key in zip(tools, keys, strict=True):
            assert cli.ceremony_step(api, made["id"], key) == expected
    board = ElectoralBoard.objects.get(pk=made["id"])
    assert board.status == BoardStatus.READY
    assert oct(keys[0].stat().st_mode & 0o777) == "0o600"

    vote = make_vote(coop, is_secret=True)
    elections = chair.call("POST", f"votes/{vote.pk}/e2e/", {"electoral_board_id": board.pk})
    assert len(elections) == 4
    authority = tools[1]  # the first scrutineer
    for election in elections:
        cli.issue_credentials(authority, election["uuid"], tmp_path / f"{election['uuid']}.csv")
    workers = Election.objects.get(vote=vote, vote_college__name="Workers")
    rows = (tmp_path / f"{workers.uuid}.csv").read_text().splitlines()[1:]
    voter_id, _name, _email, credential = rows[0].split(",")
    entry = workers.vote_college.roll.get(pk=int(voter_id))
    voter = ToolApi(entry.member.person)
    answer = voter.call(
        "POST",
        f"e2e/elections/{workers.uuid}/ballots/",
        {"ballot": booth_ballot(workers, credential, FOR)},
    )
    board_page = voter.call("GET", f"e2e/elections/{workers.uuid}/")
    assert board_page["counted_trackers"] == [answer["tracker"]]
    assert board_page["server_generated_credentials"] == 0
    events = voter.call("GET", f"e2e/elections/{workers.uuid}/events/")
    assert [e["type"] for e in events["results"]] == ["Setup", "Ballot"]
    assert json.loads(events["results"][1]["event"])["parent"] == events["results"][0]["hash"]
    with pytest.raises(RuntimeError, match="board_only"):  # a member cannot end the ballots
        voter.call("POST", f"votes/{vote.pk}/e2e/end/")

    chair.call("POST", f"votes/{vote.pk}/e2e/end/")
    for election in elections:
        for api, key in list(zip(tools, keys, strict=True))[2:]:
            cli.decrypt(api, election["uuid"], key)
    decision = chair.call("POST", f"votes/{vote.pk}/e2e/close/")
    response = chair.client.get(f"/api/v1/votes/{vote.pk}/e2e/bundle/")
    import hashlib

    assert hashlib.sha256(response.content).hexdigest() == decision["bundle_sha256"]
