"""Legal cases closed through the services: a cooperative without colleges, the SARL first
and second consultations, and a college without votes under the `fail` rule."""

from __future__ import annotations

from fractions import Fraction

import pytest

from governance.models import LegalForm
from governance.services import rules_update
from tests.voting.factories import Coop, cast, cast_many, make_coop, make_vote, quick_member
from voting import services

pytestmark = pytest.mark.django_db


def coop_without_colleges(members: int, *, legal_form: str) -> tuple[Coop, list]:
    coop = make_coop({}, weights=(), legal_form=legal_form)
    people = [quick_member(coop.cooperative).member.person for _ in range(members)]
    return coop, people


def test_sa_without_colleges_rejects_seven_of_eleven_at_two_thirds_winner_take_all() -> None:
    # The board names winner-take-all; without colleges it has nothing to combine, so the
    # assembly is one member, one vote: 7 / 11 = 63.6 % < 2/3.
    coop, people = coop_without_colleges(11, legal_form=LegalForm.SCIC_SA)
    rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={
            "extraordinary": {
                "tally_method": "winner_take_all",
                "majority": Fraction(2, 3),
                "majority_strict": False,
            }
        },
    )
    vote = make_vote(coop, decision_kind="extraordinary")
    for person in people[:7]:
        cast(person, vote, "for")
    for person in people[7:]:
        cast(person, vote, "against")

    decision = services.vote_close(actor=coop.chair, vote=vote)

    assert (decision.outcome, decision.adopted) == ("rejected", False)
    tally = decision.result["tally"]
    assert tally["support"] == "7/11"
    assert tally["method"] == "winner_take_all"
    assert tally["one_member_one_vote"] is True
    assert decision.result["explanation_parts"]["one_member_one_vote"] is True
    assert decision.explanation == (
        "Rejected: 63.6 % support, one member one vote, extraordinary majority of at least "
        "66.7 % not reached; quorum 100 % of 11 members, above 25 %."
    )


def sarl_three_for_one_against(quorum_call: int) -> tuple[Coop, object]:
    coop, people = coop_without_colleges(10, legal_form=LegalForm.SCIC_SARL)
    vote = make_vote(coop, quorum_call=quorum_call)
    for person in people[:3]:
        cast(person, vote, "for")
    cast(people[3], vote, "against")
    return coop, vote


def test_sarl_first_consultation_needs_more_than_half_of_all_members() -> None:
    coop, vote = sarl_three_for_one_against(quorum_call=1)

    decision = services.vote_close(actor=coop.chair, vote=vote)

    # 3 of the 10 members on the roll: 30 %, not more than half.
    assert (decision.outcome, decision.adopted) == ("rejected", False)
    tally = decision.result["tally"]
    assert (tally["support"], tally["majority_base"]) == ("3/10", "all_members")
    assert decision.explanation == (
        "Rejected: 30 % support, one member one vote, ordinary majority above 50 % of all the "
        "members on the roll not reached; turnout 40 % of 10 members, no quorum required."
    )


def test_sarl_second_consultation_takes_the_majority_of_votes_cast() -> None:
    coop, vote = sarl_three_for_one_against(quorum_call=2)

    decision = services.vote_close(actor=coop.chair, vote=vote)

    assert (decision.outcome, decision.adopted) == ("adopted", True)
    tally = decision.result["tally"]
    assert (tally["support"], tally["majority_base"]) == ("3/4", "votes_cast")


def test_all_members_base_counts_every_member_of_a_college_on_the_roll() -> None:
    # Colleges 30/30/20/20 with 10, 10, 5 and 5 members; the base is every member on the
    # roll, so a member who stays away counts against in the college's own share:
    #   Workers      6 for of 10  ->  30/100 * 6/10 = 18/100
    #   Users        4 for of 10  ->  30/100 * 4/10 = 12/100
    #   Suppliers    5 for of 5   ->  20/100 * 5/5  = 20/100
    #   Authorities  0 for of 5   ->  20/100 * 0/5  =  0
    #   S = 18/100 + 12/100 + 20/100 + 0 = 50/100, exactly half: not more than half.
    coop = make_coop({"Workers": 10, "Users": 10, "Suppliers": 5, "Authorities": 5})
    rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"ordinary": {"majority_base_first_call": "all_members"}},
    )
    vote = make_vote(coop)
    cast_many(coop, vote, "Workers", **{"for": 6, "against": 1})
    cast_many(coop, vote, "Users", **{"for": 4, "abstain": 2})
    cast_many(coop, vote, "Suppliers", **{"for": 5})

    decision = services.vote_close(actor=coop.chair, vote=vote)

    tally = decision.result["tally"]
    assert Fraction(tally["support"]) == Fraction(50, 100)
    assert [c["cast"] for c in tally["colleges"]] == [10, 10, 5, 5]
    assert tally["empty_colleges"] == []
    assert (decision.outcome, decision.adopted) == ("rejected", False)


def test_fail_rule_decides_no_support_and_keeps_the_figure_as_informative() -> None:
    coop = make_coop({"Workers": 3, "Users": 3, "Suppliers": 3, "Authorities": 3})
    rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"ordinary": {"empty_college_policy": "fail"}},
    )
    vote = make_vote(coop)
    for college in ("Workers", "Users", "Suppliers"):
        cast_many(coop, vote, college, **{"for": 1})

    decision = services.vote_close(actor=coop.chair, vote=vote)

    assert (decision.outcome, decision.adopted) == ("empty_college", False)
    tally = decision.result["tally"]
    assert (tally["support"], tally["support_pct"], tally["against"]) == (None, None, None)
    # With the statutory weights the three colleges that voted hold 30 + 30 + 20 = 80 %.
    assert (tally["informative_support"], tally["informative_support_pct"]) == (
        "4/5",
        "80.0000",
    )
    assert decision.result["explanation_parts"]["support"] is None
    assert "no support was decided" in decision.explanation
