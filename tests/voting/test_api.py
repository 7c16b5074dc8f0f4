"""The voting API: lifecycle, casting, proxies, results, box, receipts and decisions."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from governance.services import rules_update
from tests.governance.factories import PersonFactory, api_token
from tests.voting.factories import cast, make_coop, make_observer, make_proposal, make_vote
from voting import services
from voting.models import Decision, SecretBallot, VoteMethod

pytestmark = pytest.mark.django_db

SMALL = {"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1}


def client_for(person: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(person)
    return client


def token_client(person: Any) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {api_token(person)}")
    return client


def test_board_creates_opens_and_closes_a_vote_members_cast() -> None:
    coop = make_coop(SMALL)
    board = client_for(coop.chair)
    slug = coop.cooperative.slug
    response = board.post(
        f"/api/v1/cooperatives/{slug}/votes/",
        {"method": "resolution", "title": "Pay rise", "decision_kind": "ordinary"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    vote_id = response.json()["id"]
    assert response.json()["status"] == "draft"

    response = board.post(f"/api/v1/votes/{vote_id}/open/")
    assert response.status_code == 200
    assert response.json()["rules_version"] == 1
    assert response.json()["college_config_version"] == 1

    voter = client_for(coop.person("Workers"))
    response = voter.post(f"/api/v1/votes/{vote_id}/ballots/", {"choice": "for"}, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["college"]["name"] == "Workers" and body["receipt"] is None

    response = voter.get(f"/api/v1/votes/{vote_id}/result/")
    assert (response.status_code, response.json()["code"]) == (403, "results_not_available")

    response = board.post(f"/api/v1/votes/{vote_id}/close/")
    assert response.status_code == 200
    decision_id = response.json()["decision_id"]
    assert decision_id

    response = voter.get(f"/api/v1/votes/{vote_id}/result/")
    assert response.status_code == 200
    result = response.json()
    assert result["final"] is True and result["decision_id"] == decision_id
    # One voter of five is exactly the quorum of one fifth: reached.
    assert result["outcome"] == "adopted"
    assert result["result"]["quorum"]["reached"] is True
    assert result["explanation"]

    response = voter.post(f"/api/v1/votes/{vote_id}/ballots/", {"choice": "for"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "vote_closed")


def test_errors_have_stable_codes() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, allow_change=False)
    voter = client_for(coop.person("Workers"))
    url = f"/api/v1/votes/{vote.pk}/ballots/"
    response = voter.post(url, {"choice": "maybe"}, format="json")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_choice")
    assert voter.post(url, {"choice": "for"}, format="json").status_code == 201
    response = voter.post(url, {"choice": "for"}, format="json")
    assert (response.status_code, response.json()["code"]) == (409, "ballot_already_cast")
    outsider_member = make_coop({"Workers": 1})
    response = client_for(outsider_member.person("Workers")).post(
        url, {"choice": "for"}, format="json"
    )
    assert response.status_code == 404
    response = client_for(coop.chair).post(url, {"choice": "for"}, format="json")
    assert (response.status_code, response.json()["code"]) == (403, "not_on_roll")


@pytest.mark.parametrize("role", ["board", "member", "observer", "outsider"])
def test_permission_matrix_on_an_open_vote(role: str) -> None:
    coop = make_coop(SMALL)
    proposal = make_proposal(coop, visibility="members_and_observers")
    vote = make_vote(coop, proposal=proposal)
    person = {
        "board": coop.chair,
        "member": coop.person("Workers"),
        "observer": make_observer(coop),
        "outsider": PersonFactory(),
    }[role]
    client = client_for(person)
    expected = {
        # role: (detail, roll, turnout, cast, close)
        "board": (200, 200, 200, 403, 200),
        "member": (200, 200, 200, 201, 403),
        "observer": (200, 403, 200, 403, 403),
        "outsider": (404, 404, 404, 404, 404),
    }[role]
    got = (
        client.get(f"/api/v1/votes/{vote.pk}/").status_code,
        client.get(f"/api/v1/votes/{vote.pk}/roll/").status_code,
        client.get(f"/api/v1/votes/{vote.pk}/turnout/").status_code,
        client.post(
            f"/api/v1/votes/{vote.pk}/ballots/", {"choice": "for"}, format="json"
        ).status_code,
        client.post(f"/api/v1/votes/{vote.pk}/close/").status_code,
    )
    assert got == expected


def test_drafts_are_the_boards() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, open_now=False)
    assert client_for(coop.chair).get(f"/api/v1/votes/{vote.pk}/").status_code == 200
    member = client_for(coop.person("Workers"))
    assert member.get(f"/api/v1/votes/{vote.pk}/").status_code == 404
    listed = member.get(f"/api/v1/cooperatives/{coop.cooperative.slug}/votes/").json()
    assert len(listed["results"]) == 0


def test_open_ballots_are_shown_live_only_when_configured() -> None:
    coop = make_coop(SMALL)
    hidden = make_vote(coop)
    live = make_vote(coop, results_live=True)
    for vote in (hidden, live):
        cast(coop.person("Workers"), vote, "for")
    member = client_for(coop.person("Users"))
    response = member.get(f"/api/v1/votes/{hidden.pk}/ballots/")
    assert (response.status_code, response.json()["code"]) == (403, "ballots_hidden")
    response = member.get(f"/api/v1/votes/{live.pk}/ballots/")
    assert response.status_code == 200
    (ballot,) = response.json()["results"]
    assert ballot["member"]["name"] == coop.members["Workers"][0].member.name
    assert ballot["choice"] == "for"
    response = member.get(f"/api/v1/votes/{live.pk}/result/")
    assert response.status_code == 200 and response.json()["final"] is False
    services.vote_close(actor=coop.chair, vote=hidden)
    assert member.get(f"/api/v1/votes/{hidden.pk}/ballots/").status_code == 200


def test_open_ballots_page_by_member_name_every_current_ballot_once() -> None:
    """Small pages of the open ballots, followed to the end, give each counting ballot
    once, by member name then member (two members share a name), never a replaced one."""
    from governance.models import Member
    from tests.api_pages import every_row
    from voting.models import Ballot

    coop = make_coop({"Workers": 4, "Users": 3, "Suppliers": 2, "Authorities": 2})
    vote = make_vote(coop, results_live=True)
    twins = [coop.members["Users"][0].member, coop.members["Workers"][3].member]
    Member.objects.filter(pk__in=[m.pk for m in twins]).update(name="Dupont")
    for person in coop.everyone:
        cast(person, vote, "for")
    for person in coop.people("Workers")[:2]:
        cast(person, vote, "against")  # Replaces the first ballot.
    reader, url = client_for(coop.person("Users", 1)), f"/api/v1/votes/{vote.pk}/ballots/"
    first = reader.get(url, {"page_size": 2}).json()
    assert len(first["results"]) == 2 and first["next"], "read in several pages"
    rows = every_row(reader, url, {"page_size": 2})
    current = Ballot.objects.filter(vote=vote, is_current=True).select_related("roll_entry__member")
    expected = sorted(current, key=lambda b: (b.roll_entry.member.name, b.roll_entry.member_id))
    # One counting ballot per member: the member says which ballot a row is.
    assert [(r["member"]["id"], r["choice"]) for r in rows] == [
        (b.roll_entry.member_id, b.choice) for b in expected
    ]
    assert len(rows) == len(coop.everyone) == 11
    assert Ballot.objects.filter(vote=vote, is_current=False).count() == 2


def test_secret_vote_tracker_box_and_check() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, is_secret=True)
    voter = client_for(coop.person("Workers"))
    response = voter.post(f"/api/v1/votes/{vote.pk}/ballots/", {"choice": "against"}, format="json")
    tracker = response.json()["receipt"]
    assert len(tracker) == 64
    assert voter.get(f"/api/v1/votes/{vote.pk}/ballots/").status_code == 403
    response = voter.get(f"/api/v1/votes/{vote.pk}/box/")
    assert (response.status_code, response.json()["code"]) == (403, "box_not_published")
    response = voter.get(f"/api/v1/votes/{vote.pk}/trackers/")
    assert (response.status_code, response.json()["code"]) == (403, "box_not_published")
    # Before the close: counted or not, never the choice.
    check = voter.post(
        f"/api/v1/votes/{vote.pk}/receipt-check/", {"receipt": tracker}, format="json"
    ).json()
    assert check == {"counted": True, "tracker": tracker, "final": False}
    # A change needs no receipt and retires the old tracker.
    response = voter.post(f"/api/v1/votes/{vote.pk}/ballots/", {"choice": "for"}, format="json")
    assert response.status_code == 201 and response.json()["changed"] is True
    old, tracker = tracker, response.json()["receipt"]
    check = voter.post(
        f"/api/v1/votes/{vote.pk}/receipt-check/", {"receipt": old}, format="json"
    ).json()
    assert check["counted"] is False

    services.vote_close(actor=coop.chair, vote=vote)
    box = voter.get(f"/api/v1/votes/{vote.pk}/box/").json()["results"]
    assert len(box) == 1 and box[0]["choice"] == "for"
    assert box[0]["college"]["name"] == "Workers"
    assert set(box[0]) == {"college", "choice"}
    trackers = voter.get(f"/api/v1/votes/{vote.pk}/trackers/").json()["results"]
    assert trackers == [{"tracker": tracker}]
    check = voter.post(
        f"/api/v1/votes/{vote.pk}/receipt-check/", {"receipt": tracker}, format="json"
    ).json()
    assert check == {"counted": True, "tracker": tracker, "final": True}
    missing = voter.post(
        f"/api/v1/votes/{vote.pk}/receipt-check/", {"receipt": old}, format="json"
    ).json()
    assert missing["counted"] is False and "choice" not in missing
    roll = voter.get(f"/api/v1/votes/{vote.pk}/roll/").json()["results"]
    assert sum(1 for entry in roll if entry["has_voted"]) == 1
    assert all("choice" not in entry and "tracker" not in entry for entry in roll)


def test_a_colleagues_receipt_presented_with_a_change_has_no_effect() -> None:
    """The swap of the issue, through the API: the receipt field is no input any more, so
    the attacker only ever changes their own sealed ballot."""
    coop = make_coop(SMALL)
    vote = make_vote(coop, is_secret=True)
    victim = client_for(coop.person("Workers", 0))
    attacker = client_for(coop.person("Workers", 1))
    url = f"/api/v1/votes/{vote.pk}/ballots/"
    receipt = victim.post(url, {"choice": "for"}, format="json").json()["receipt"]
    attacker.post(url, {"choice": "against"}, format="json")
    response = attacker.post(url, {"choice": "against", "receipt": receipt}, format="json")
    assert response.status_code == 201
    check = victim.post(
        f"/api/v1/votes/{vote.pk}/receipt-check/", {"receipt": receipt}, format="json"
    ).json()
    assert check["counted"] is True
    decision = services.vote_close(actor=coop.chair, vote=vote)
    workers = next(c for c in decision.result["tally"]["colleges"] if c["name"] == "Workers")
    assert (workers["yes"], workers["no"], workers["voted"]) == (1, 1, 2)
    assert SecretBallot.objects.filter(vote=vote).count() == 2


def test_opening_a_secret_vote_warns_of_small_colleges() -> None:
    coop = make_coop({"Workers": 3, "Users": 2, "Suppliers": 1, "Authorities": 3})
    vote = make_vote(coop, is_secret=True, open_now=False)
    board = client_for(coop.chair)
    body = board.post(f"/api/v1/votes/{vote.pk}/open/").json()
    assert body["status"] == "open"
    assert sorted(w["eligible"] for w in body["warnings"]) == [1, 2]
    assert all(w["code"] == "small_college_secrecy" for w in body["warnings"])
    open_ballot = make_vote(coop, is_secret=False, open_now=False)
    assert board.post(f"/api/v1/votes/{open_ballot.pk}/open/").json()["warnings"] == []


def test_proxies_through_the_api() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop)
    principal = client_for(coop.person("Users"))
    holder_member = coop.members["Workers"][0].member
    response = principal.post(
        f"/api/v1/votes/{vote.pk}/proxies/", {"holder_id": holder_member.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    proxy = response.json()
    holder = client_for(coop.person("Workers"))
    me = holder.get(f"/api/v1/votes/{vote.pk}/me/").json()
    assert [p["id"] for p in me["proxies_held"]] == [proxy["id"]]
    response = holder.post(
        f"/api/v1/votes/{vote.pk}/ballots/",
        {"choice": "for", "on_behalf_of": proxy["principal"]["id"]},
        format="json",
    )
    assert response.status_code == 201
    assert response.json()["via_proxy"] is True
    assert response.json()["college"]["name"] == "Users"
    response = principal.post(f"/api/v1/votes/{vote.pk}/proxies/{proxy['id']}/revoke/")
    assert (response.status_code, response.json()["code"]) == (409, "proxy_used")
    listed = holder.get(f"/api/v1/votes/{vote.pk}/proxies/").json()["results"]
    assert listed[0]["used_at"] is not None


def test_consent_objections_through_the_api() -> None:
    coop = make_coop(SMALL)
    vote = make_vote(coop, method=VoteMethod.CONSENT)
    member = client_for(coop.person("Workers"))
    response = member.post(
        f"/api/v1/votes/{vote.pk}/objections/",
        {"reason": "It breaks the safety policy"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    objection = response.json()
    assert objection["is_paramount"] is True and objection["state"] == "raised"
    board = client_for(coop.chair)
    response = board.post(
        f"/api/v1/votes/{vote.pk}/objections/{objection['id']}/uphold/",
        {"note": "Agreed"},
        format="json",
    )
    assert response.json()["state"] == "upheld"
    response = member.post(
        f"/api/v1/votes/{vote.pk}/objections/{objection['id']}/withdraw/", {}, format="json"
    )
    assert response.json()["state"] == "withdrawn"
    assert board.post(f"/api/v1/votes/{vote.pk}/close/").status_code == 200
    assert board.get(f"/api/v1/votes/{vote.pk}/result/").json()["adopted"] is True


class TestDecisionsFeed:
    def close_votes(self, coop: Any, count: int) -> list[int]:
        ids = []
        for _ in range(count):
            vote = make_vote(coop)
            cast(coop.person("Workers"), vote, "for")
            ids.append(services.vote_close(actor=coop.chair, vote=vote).pk)
        return ids

    def test_catch_up_with_a_cursor_and_a_token(self) -> None:
        coop = make_coop(SMALL)
        ids = self.close_votes(coop, 3)
        client = token_client(coop.person("Workers"))
        url = f"/api/v1/cooperatives/{coop.cooperative.slug}/decisions/"
        # The cursor is the feed position (commit order), not the decision id.
        positions = [Decision.objects.get(pk=pk).feed_position for pk in ids]
        page = client.get(url, {"limit": 2}).json()
        assert [d["id"] for d in page["results"]] == ids[:2]
        assert [d["feed_position"] for d in page["results"]] == positions[:2]
        assert page["has_more"] is True and page["next_since"] == positions[1]
        page = client.get(url, {"since": page["next_since"], "limit": 2}).json()
        assert [d["id"] for d in page["results"]] == ids[2:]
        assert page["has_more"] is False and page["next_since"] == positions[2]
        empty = client.get(url, {"since": positions[2]}).json()
        assert empty["results"] == [] and empty["next_since"] == positions[2]
        decision = client.get(f"{url}{ids[0]}/").json()
        assert decision["audit_hash"] and decision["rules_version"] == 1
        assert decision["links"]["web"].endswith("/results/")
        assert decision["explanation_recorded"] == (
            "Adopted: 100 % weighted support, ordinary majority above 50 %; quorum 20 % of 5 "
            "members, exactly at 20 %."
        )

    def test_bad_cursor_is_refused_and_outsiders_see_nothing(self) -> None:
        coop = make_coop(SMALL)
        url = f"/api/v1/cooperatives/{coop.cooperative.slug}/decisions/"
        board = token_client(coop.chair)
        assert board.get(url, {"since": -1}).status_code == 400
        assert board.get(url, {"limit": 0}).status_code == 400
        assert token_client(PersonFactory()).get(url).status_code == 404
        assert APIClient().get(url).status_code == 401
        assert token_client(make_observer(coop)).get(url).status_code == 404

    def test_members_do_not_see_decisions_on_board_only_proposals(self) -> None:
        coop = make_coop(SMALL)
        proposal = make_proposal(coop, visibility="board")
        vote = make_vote(coop, proposal=proposal)
        decision = services.vote_close(actor=coop.chair, vote=vote)
        url = f"/api/v1/cooperatives/{coop.cooperative.slug}/decisions/"
        assert token_client(coop.person("Workers")).get(url).json()["results"] == []
        assert token_client(coop.person("Workers")).get(f"{url}{decision.pk}/").status_code == 404
        assert [d["id"] for d in token_client(coop.chair).get(url).json()["results"]] == [
            decision.pk
        ]


def test_list_endpoints_issue_a_bounded_number_of_queries(
    django_assert_max_num_queries: Any,
) -> None:
    coop = make_coop({"Workers": 6, "Users": 1, "Suppliers": 1, "Authorities": 1})
    votes = [make_vote(coop, results_live=True) for _ in range(3)]
    for person in coop.people("Workers"):
        cast(person, votes[0], "for")
    for vote in votes[1:]:
        cast(coop.person("Users"), vote, "for")
        services.vote_close(actor=coop.chair, vote=vote)
    client = client_for(coop.person("Users"))
    slug = coop.cooperative.slug
    urls = [
        f"/api/v1/cooperatives/{slug}/votes/",
        f"/api/v1/votes/{votes[0].pk}/roll/",
        f"/api/v1/votes/{votes[0].pk}/ballots/",
        f"/api/v1/cooperatives/{slug}/decisions/",
    ]
    for url in urls:
        with django_assert_max_num_queries(12):
            assert client.get(url).status_code == 200, url


def test_result_under_the_fail_rule_has_no_support_only_an_informative_figure() -> None:
    coop = make_coop(SMALL)
    rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"ordinary": {"empty_college_policy": "fail"}},
    )
    vote = make_vote(coop)
    cast(coop.person("Workers"), vote, "for")
    board = client_for(coop.chair)
    assert board.post(f"/api/v1/votes/{vote.pk}/close/").status_code == 200

    body = board.get(f"/api/v1/votes/{vote.pk}/result/").json()

    assert (body["outcome"], body["adopted"]) == ("empty_college", False)
    tally = body["result"]["tally"]
    assert (tally["support"], tally["against"]) == (None, None)
    # Only the workers voted, all for: 30 % with the statutory weights, for information.
    assert (tally["informative_support"], tally["informative_support_pct"]) == (
        "3/10",
        "30.0000",
    )
    assert body["result"]["explanation_parts"]["support"] is None
