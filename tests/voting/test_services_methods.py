"""Majority judgment, approval, ranked (Schulze) and consent votes, from stored ballots."""

from __future__ import annotations

from fractions import Fraction

import pytest

from tests.voting.factories import cast, make_coop, make_vote, quick_member
from voting import services
from voting.errors import ObjectionStateError
from voting.models import ObjectionState, VoteMethod

pytestmark = pytest.mark.django_db


def test_majority_judgment_tennessee_example_with_one_weighted_college_per_city() -> None:
    """Wikipedia, "Majority judgment", Tennessee's capital: voters in Memphis 42 %, Nashville
    26 %, Chattanooga 15 %, Knoxville 17 % grade the cities Excellent, Good, Fair, Poor by
    distance. Nashville wins on the gauge against Chattanooga. Here each city is a college
    weighing its share, with one member grading as the whole city does."""
    cities = ("Memphis", "Nashville", "Chattanooga", "Knoxville")
    weights = (("Memphis", 42), ("Nashville", 26), ("Chattanooga", 15), ("Knoxville", 17))
    orders = {
        "Memphis": ("Memphis", "Nashville", "Chattanooga", "Knoxville"),
        "Nashville": ("Nashville", "Chattanooga", "Knoxville", "Memphis"),
        "Chattanooga": ("Chattanooga", "Knoxville", "Nashville", "Memphis"),
        "Knoxville": ("Knoxville", "Chattanooga", "Nashville", "Memphis"),
    }
    grades = ["Poor", "Fair", "Good", "Excellent"]
    coop = make_coop({city: 1 for city in cities}, weights=weights)
    vote = make_vote(coop, method=VoteMethod.MAJORITY_JUDGMENT, options=list(cities), grades=grades)
    for city, order in orders.items():
        cast(coop.person(city), vote, {c: grades[3 - i] for i, c in enumerate(order)})
    decision = services.vote_close(actor=coop.chair, vote=vote)
    tally = decision.result["tally"]
    assert tally["winner"] == "Nashville"
    assert tally["ranking"] == [["Nashville"], ["Chattanooga"], ["Knoxville"], ["Memphis"]]
    assert decision.adopted is True and decision.outcome == "winner"
    assert decision.explanation == (
        'Majority judgment: Nashville wins with the majority grade "Good"; turnout 100 % of '
        "4 members, no quorum required."
    )


def test_schulze_wikipedia_example_through_the_database() -> None:
    """Wikipedia, "Schulze method", section "Example": 45 voters, candidates A to E; the
    ranking is E > A > C > B > D. One member, one vote (no colleges)."""
    blocs = (
        (5, "ACBED"),
        (5, "ADECB"),
        (8, "BEDAC"),
        (3, "CABED"),
        (7, "CAEBD"),
        (2, "CBADE"),
        (7, "DCEBA"),
        (8, "EBADC"),
    )
    coop = make_coop({}, weights=())
    people = [quick_member(coop.cooperative).member.person for _ in range(45)]
    vote = make_vote(coop, method=VoteMethod.RANKED, options=list("ABCDE"))
    voters = iter(people)
    for count, order in blocs:
        for _ in range(count):
            cast(next(voters), vote, list(order))
    decision = services.vote_close(actor=coop.chair, vote=vote)
    tally = decision.result["tally"]
    assert tally["ranking"] == [["E"], ["A"], ["C"], ["B"], ["D"]]
    assert tally["raw_d"]["A"] == {"B": 20, "C": 26, "D": 30, "E": 22}
    assert decision.explanation.startswith("Schulze method: E wins;")


def test_approval_weights_each_college_share_of_approving_voters() -> None:
    coop = make_coop({"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1})
    vote = make_vote(coop, method=VoteMethod.APPROVAL, options=["A", "B"])
    cast(coop.person("Workers", 0), vote, ["A"])
    cast(coop.person("Workers", 1), vote, ["A", "B"])
    cast(coop.person("Users"), vote, ["B"])
    cast(coop.person("Suppliers"), vote, ["B"])
    cast(coop.person("Authorities"), vote, [])
    decision = services.vote_close(actor=coop.chair, vote=vote)
    scores = decision.result["tally"]["scores"]
    # A: 30 % x 2/2; B: 30 % x 1/2 + 30 % + 20 %.
    assert Fraction(scores["A"]) == Fraction(3, 10)
    assert Fraction(scores["B"]) == Fraction(65, 100)
    assert decision.result["tally"]["winners"] == ["B"]
    assert decision.adopted is True


def test_tie_is_no_decision() -> None:
    coop = make_coop({"Workers": 2})
    vote = make_vote(coop, method=VoteMethod.APPROVAL, options=["A", "B"])
    cast(coop.person("Workers", 0), vote, ["A"])
    cast(coop.person("Workers", 1), vote, ["B"])
    decision = services.vote_close(actor=coop.chair, vote=vote)
    assert (decision.outcome, decision.adopted) == ("tie", False)
    assert decision.explanation.startswith("No single winner: A, B tie;")


class TestConsent:
    def test_adopted_without_standing_paramount_objection(self) -> None:
        coop = make_coop({"Workers": 3})
        vote = make_vote(coop, method=VoteMethod.CONSENT)
        cast(coop.person("Workers", 0), vote, "consent")
        concern = services.objection_raise(
            actor=coop.person("Workers", 1),
            vote=vote,
            reason="Costs are unclear",
            is_paramount=False,
        )
        assert concern.state == ObjectionState.RAISED
        decision = services.vote_close(actor=coop.chair, vote=vote)
        assert decision.adopted is True
        assert decision.result["tally"]["open_concerns"] == [concern.pk]
        assert decision.explanation.startswith("Adopted by consent: no paramount objection stands;")

    def test_standing_paramount_objection_blocks(self) -> None:
        coop = make_coop({"Workers": 3})
        vote = make_vote(coop, method=VoteMethod.CONSENT)
        objection = services.objection_raise(
            actor=coop.person("Workers", 0), vote=vote, reason="Breaks the safety policy"
        )
        services.objection_decide(
            actor=coop.chair,
            objection=objection,
            state=ObjectionState.UPHELD,
            note="Discussed on Monday",
        )
        decision = services.vote_close(actor=coop.chair, vote=vote)
        assert (decision.outcome, decision.adopted) == ("blocked", False)
        assert decision.result["tally"]["standing_objections"] == [objection.pk]
        assert decision.explanation.startswith("Not adopted: 1 paramount objection stands;")

    def test_resolved_or_withdrawn_objections_lapse(self) -> None:
        coop = make_coop({"Workers": 3})
        vote = make_vote(coop, method=VoteMethod.CONSENT)
        first = services.objection_raise(
            actor=coop.person("Workers", 0), vote=vote, reason="Too fast"
        )
        second = services.objection_raise(
            actor=coop.person("Workers", 1), vote=vote, reason="Too slow"
        )
        services.objection_decide(
            actor=coop.person("Workers", 0), objection=first, state=ObjectionState.WITHDRAWN
        )
        services.objection_decide(actor=coop.chair, objection=second, state=ObjectionState.RESOLVED)
        with pytest.raises(ObjectionStateError):
            services.objection_decide(
                actor=coop.chair, objection=second, state=ObjectionState.UPHELD
            )
        assert services.vote_close(actor=coop.chair, vote=vote).adopted is True

    def test_only_the_objector_withdraws_and_only_the_board_decides(self) -> None:
        coop = make_coop({"Workers": 3})
        vote = make_vote(coop, method=VoteMethod.CONSENT)
        objection = services.objection_raise(
            actor=coop.person("Workers", 0), vote=vote, reason="No"
        )
        with pytest.raises(Exception) as excinfo:
            services.objection_decide(
                actor=coop.person("Workers", 1), objection=objection, state=ObjectionState.WITHDRAWN
            )
        assert excinfo.value.code == "not_objector"
        with pytest.raises(Exception) as excinfo:
            services.objection_decide(
                actor=coop.person("Workers", 0), objection=objection, state=ObjectionState.RESOLVED
            )
        assert excinfo.value.code == "board_only"

    def test_objections_need_a_reason_and_a_consent_vote(self) -> None:
        coop = make_coop({"Workers": 2})
        vote = make_vote(coop, method=VoteMethod.CONSENT)
        with pytest.raises(Exception) as excinfo:
            services.objection_raise(actor=coop.person("Workers"), vote=vote, reason="  ")
        assert excinfo.value.code == "reason_required"
        resolution = make_vote(coop)
        with pytest.raises(Exception) as excinfo:
            services.objection_raise(actor=coop.person("Workers"), vote=resolution, reason="No")
        assert excinfo.value.code == "not_consent"
