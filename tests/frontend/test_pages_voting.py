"""The voting pages through the test client: the booth of each method, proxies, receipts,
results with their chart and explanation."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict

from core.errors import InvalidInput
from frontend.views.voting import choice_from_post
from tests.voting.factories import Coop, make_coop, make_observer, make_proposal, make_vote
from voting.models import Ballot, Proxy, VoteMethod

pytestmark = pytest.mark.django_db


@pytest.fixture
def coop() -> Coop:
    return make_coop({"Workers": 2, "Users": 2, "Suppliers": 1, "Authorities": 1})


def _post(**values: Any) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = value
    return data


class _Vote:
    def __init__(self, method: str, options: list[str] = (), grades: list[str] = ()) -> None:
        self.method, self.options, self.grades = method, list(options), list(grades)


def test_choice_forms_read_into_the_choices_the_service_takes() -> None:
    assert choice_from_post(_Vote("resolution"), _post(choice="for")) == "for"
    assert choice_from_post(_Vote("approval", ["A", "B", "C"]), _post(approve=["2", "0", "9"])) == [
        "A",
        "C",
    ]
    assert choice_from_post(
        _Vote("majority_judgment", ["A", "B"], ["bad", "good"]),
        _post(**{"grade-0": "1", "grade-1": "7"}),
    ) == {"A": "good"}
    assert choice_from_post(
        _Vote("ranked", ["A", "B", "C"]), _post(**{"rank-0": "2", "rank-1": "1", "rank-2": "1"})
    ) == [["B", "C"], ["A"]]
    with pytest.raises(InvalidInput):
        choice_from_post(_Vote("ranked", ["A", "B"]), _post())
    with pytest.raises(InvalidInput):
        choice_from_post(_Vote("resolution"), _post())


@pytest.mark.parametrize(
    "method,data",
    [
        (VoteMethod.RESOLUTION, {"choice": "against"}),
        (VoteMethod.CONSENT, {"choice": "stand_aside"}),
        (VoteMethod.APPROVAL, {"approve": ["1"]}),
        (VoteMethod.MAJORITY_JUDGMENT, {"grade-0": "5", "grade-1": "0", "grade-2": "2"}),
        (VoteMethod.RANKED, {"rank-0": "1", "rank-2": "2"}),
    ],
)
def test_booth_casts_a_ballot_of_each_method(
    client: Any, coop: Coop, method: str, data: dict[str, Any]
) -> None:
    vote = make_vote(coop, method=method)
    voter = coop.person("Users")
    client.force_login(voter)
    page = client.get(f"/votes/{vote.pk}/")
    assert page.status_code == 200
    response = client.post(f"/votes/{vote.pk}/", data)
    assert response.status_code == 302
    ballot = Ballot.objects.get(vote=vote, is_current=True)
    assert ballot.roll_entry.member.person == voter
    assert ballot.vote_college.name == "Users"


def test_booth_tells_an_observer_they_are_not_on_the_roll(client: Any, coop: Coop) -> None:
    vote = make_vote(coop, proposal=make_proposal(coop, visibility="members_and_observers"))
    client.force_login(make_observer(coop))
    page = client.get(f"/votes/{vote.pk}/").content.decode()
    assert 'id="ballot-form"' not in page
    response = client.post(f"/votes/{vote.pk}/", {"choice": "for"}, follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not Ballot.objects.filter(vote=vote).exists()


def test_secret_tracker_is_shown_once_and_found_among_the_counted_trackers(
    client: Any, coop: Coop
) -> None:
    vote = make_vote(coop, method=VoteMethod.APPROVAL, is_secret=True)
    client.force_login(coop.person("Workers"))
    page = client.get(f"/votes/{vote.pk}/").content.decode()
    assert 'name="receipt"' not in page
    answer = client.post(f"/votes/{vote.pk}/", {"approve": ["0"]})
    assert answer.status_code == 200
    tracker = answer.context["receipt"]
    assert tracker and tracker in answer.content.decode()
    assert tracker not in str(dict(client.session))
    client.force_login(coop.chair)
    client.post(f"/votes/{vote.pk}/close/")
    client.force_login(coop.person("Workers"))
    found = client.post(f"/votes/{vote.pk}/results/", {"receipt": tracker})
    assert found.context["receipt_counted"] is True
    result = found.content.decode()
    assert (
        'id="receipt-result"' in result
        and vote.options[0] not in result.split('id="receipt-result"')[1].split("</p>")[0]
    )
    missing = client.post(f"/votes/{vote.pk}/results/", {"receipt": "WRONG-CODE"})
    assert missing.context["receipt_checked"] and missing.context["receipt_counted"] is False
    box = client.get(f"/votes/{vote.pk}/box/")
    assert box.status_code == 200 and tracker not in box.content.decode()
    trackers = client.get(f"/votes/{vote.pk}/trackers/")
    assert trackers.status_code == 200 and tracker in trackers.content.decode()


def test_the_booth_tells_members_of_a_small_college_before_they_vote(
    client: Any, coop: Coop, settings: Any
) -> None:
    settings.COLLEGIA = {**settings.COLLEGIA, "SECRET_BALLOT_SMALL_COLLEGE": 100}
    vote = make_vote(coop, is_secret=True)
    client.force_login(coop.person("Workers"))
    page = client.get(f"/votes/{vote.pk}/").content.decode()
    assert 'id="small-college-notice"' in page and "Workers" in page
    # A member is told of their own college; the board, of every small one, in the plural.
    notice = page[page.index('id="small-college-notice"') :][:600]
    assert "Le collège Workers compte moins de 100 membres" in notice, notice
    client.force_login(coop.chair)
    board = client.get(f"/votes/{vote.pk}/").content.decode()
    notice = board[board.index('id="small-college-notice"') :][:600]
    assert "Les collèges " in notice and "comptent chacun moins de 100 membres" in notice, notice
    english = client.get(f"/votes/{vote.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "each have fewer than 100 members" in english
    client.force_login(coop.person("Workers"))
    open_ballot = make_vote(coop, is_secret=False)
    page = client.get(f"/votes/{open_ballot.pk}/").content.decode()
    assert 'id="small-college-notice"' not in page


def test_the_board_is_warned_when_it_opens_a_secret_vote_with_a_small_college(
    client: Any, coop: Coop, settings: Any
) -> None:
    settings.COLLEGIA = {**settings.COLLEGIA, "SECRET_BALLOT_SMALL_COLLEGE": 100}
    vote = make_vote(coop, is_secret=True, open_now=False)
    client.force_login(coop.chair)
    response = client.post(f"/votes/{vote.pk}/open/", follow=True)
    levels = [m.level_tag for m in response.context["messages"]]
    assert "warning" in levels and "success" in levels


def test_proxy_is_given_used_in_the_principal_college_and_revocable(
    client: Any, coop: Coop
) -> None:
    vote = make_vote(coop)
    principal, holder = coop.person("Users"), coop.person("Workers")
    holder_member = coop.members["Workers"][0].member
    client.force_login(principal)
    client.post(f"/votes/{vote.pk}/proxies/", {"holder": holder_member.pk})
    proxy = Proxy.objects.get(vote=vote, revoked_at__isnull=True)
    client.post(f"/votes/{vote.pk}/proxies/{proxy.pk}/revoke/")
    proxy.refresh_from_db()
    assert proxy.revoked_at is not None
    client.post(f"/votes/{vote.pk}/proxies/", {"holder": holder_member.pk})
    proxy = Proxy.objects.get(vote=vote, revoked_at__isnull=True)
    client.force_login(holder)
    booth = client.get(f"/votes/{vote.pk}/").content.decode()
    assert f'name="on_behalf_of" value="{proxy.principal_id}"' in booth
    client.post(
        f"/votes/{vote.pk}/",
        {"choice": "for", "on_behalf_of": proxy.principal_id, "member_id": holder_member.pk},
    )
    ballot = Ballot.objects.get(vote=vote, is_current=True)
    assert (ballot.vote_college.name, ballot.proxy_id) == ("Users", proxy.pk)


def test_results_show_the_college_breakdown_chart_and_explanation(client: Any, coop: Coop) -> None:
    vote = make_vote(coop)
    from tests.voting.factories import cast

    cast(coop.person("Workers"), vote, "for")
    cast(coop.person("Users"), vote, "against")
    client.force_login(coop.person("Users"))
    before = client.get(f"/votes/{vote.pk}/results/")
    assert before.context["result"] is None
    client.force_login(coop.chair)
    client.post(f"/votes/{vote.pk}/close/")
    page = client.get(f"/votes/{vote.pk}/results/", HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    decision = vote.decision
    assert page.context["explanation"] == decision.explanation
    assert '<svg class="chart"' in body and 'role="img"' in body
    assert "url(#fill-hatch)" in body, "against is drawn with a pattern, not a colour only"
    assert "For 100%" in body and "Against 100%" in body
    assert body.count('<tr data-college="') == 4
    assert decision.audit_hash in body
    french = client.get(f"/votes/{vote.pk}/results/", HTTP_ACCEPT_LANGUAGE="fr")
    assert french.context["explanation"] != decision.explanation
    assert "Pour 100" in french.content.decode()


def test_results_under_the_fail_rule_show_no_support_decided(client: Any, coop: Coop) -> None:
    from governance.services import rules_update
    from tests.voting.factories import cast

    rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"ordinary": {"empty_college_policy": "fail"}},
    )
    vote = make_vote(coop)
    cast(coop.person("Workers"), vote, "for")
    cast(coop.person("Users"), vote, "for")
    client.force_login(coop.chair)
    client.post(f"/votes/{vote.pk}/close/")

    page = client.get(f"/votes/{vote.pk}/results/", HTTP_ACCEPT_LANGUAGE="en")

    body = page.content.decode()
    assert "so no support was decided" in page.context["explanation"]
    assert "No support was decided: a college without votes failed the resolution." in body
    assert "<strong>—</strong>" in body
    summary = dict(page.context["rules_summary"])
    assert summary["Base of the majority"].startswith("Votes cast")


def test_drafts_are_the_boards_and_only_the_board_opens_and_closes(client: Any, coop: Coop) -> None:
    vote = make_vote(coop, open_now=False)
    client.force_login(coop.person("Users"))
    assert client.get(f"/votes/{vote.pk}/").status_code == 404
    client.force_login(coop.chair)
    client.post(f"/votes/{vote.pk}/open/")
    vote.refresh_from_db()
    assert vote.status == "open"
    client.force_login(coop.person("Users"))
    response = client.post(f"/votes/{vote.pk}/close/", follow=True)
    vote.refresh_from_db()
    assert vote.status == "open"
    assert [m.level_tag for m in response.context["messages"]][-1] == "error"


def test_board_prepares_a_vote_on_a_proposal(client: Any, coop: Coop) -> None:
    proposal = make_proposal(coop)
    client.force_login(coop.chair)
    client.post(f"/proposals/{proposal.pk}/vote/", {"method": "resolution", "allow_change": "on"})
    vote = proposal.votes.get()
    assert (vote.method, vote.status, vote.allow_change) == ("resolution", "draft", True)
    refused = client.post(f"/proposals/{proposal.pk}/vote/", {"method": "approval"}, follow=True)
    assert [m.level_tag for m in refused.context["messages"]][-1] == "error"
    assert proposal.votes.count() == 1


def test_results_show_one_figure_per_college_explained_by_a_key(client: Any) -> None:
    """The bar of a college and the table agree: 8 for, 2 against and 1 abstaining is 80 %
    support where abstentions are not votes cast, never 72.7 % in one place and 80 % in
    the other; a key line says what the bar shows under the rules applied."""
    from tests.voting.factories import cast_many

    coop = make_coop({"Workers": 11, "Users": 2, "Suppliers": 1, "Authorities": 1})
    vote = make_vote(coop)
    cast_many(coop, vote, "Workers", **{"for": 8, "against": 2, "abstain": 1})
    cast_many(coop, vote, "Users", **{"for": 1})
    client.force_login(coop.chair)
    client.post(f"/votes/{vote.pk}/close/")

    page = client.get(f"/votes/{vote.pk}/results/", HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert "72.7" not in body and "72,7" not in body
    assert "For 80%" in body, "the bar shows the college's support"
    assert "1 abstaining, left out" in body
    key = page.context["chart_key"]["colleges"]
    assert "share of the votes cast" in key and "abstentions are not votes cast" in key
    assert 'id="chart-key"' in body
    # The cards (phones) carry the same figure as the table, with the weighted support.
    cards = body[body.index('id="college-cards"') : body.index('id="breakdown-caption"')]
    assert cards.count('class="college-card"') == 4
    assert "<strong>80%</strong>" in cards
    assert "Weighted support" in cards
    french = client.get(f"/votes/{vote.pk}/results/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Seuil de majorité" in french and "threshold-label" in french


def test_the_key_follows_the_base_of_the_majority(client: Any) -> None:
    """Where abstentions count as against, the bar and the key say so."""
    from governance.services import rules_update
    from tests.voting.factories import cast_many

    coop = make_coop({"Workers": 4, "Users": 2, "Suppliers": 1, "Authorities": 1})
    rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"ordinary": {"majority_base_first_call": "present"}},
    )
    vote = make_vote(coop)
    cast_many(coop, vote, "Workers", **{"for": 3, "abstain": 1})
    client.force_login(coop.chair)
    client.post(f"/votes/{vote.pk}/close/")
    page = client.get(f"/votes/{vote.pk}/results/", HTTP_ACCEPT_LANGUAGE="en")
    body = page.content.decode()
    assert "abstentions count as against" in page.context["chart_key"]["colleges"]
    assert "For 75%" in body and "1 abstaining, counted against" in body
