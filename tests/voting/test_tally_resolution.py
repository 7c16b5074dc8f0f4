"""Tally of assembly resolutions: weighting, base, empty colleges, quorum and explanations."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import pytest

from voting.tally import (
    EXTRAORDINARY_MAJORITY,
    ORDINARY_MAJORITY,
    AppliedEmptyCollegeRule,
    EmptyCollegePolicy,
    MajorityBase,
    QuorumBasis,
    QuorumMode,
    ResolutionCollege,
    ResolutionOutcome,
    ResolutionResult,
    ResolutionRules,
    TallyInputError,
    TallyMethod,
    Threshold,
    decimal_str,
    format_percent,
    percent_str,
    tally_resolution,
)


def explain_en(result: ResolutionResult) -> str:
    """The English sentence a Decision records, worded from the engine's explanation parts."""
    from voting.explain import explain_en as sentence

    return sentence({"kind": "resolution", **result.explanation_parts().to_dict()})


def college(
    key: str, percent: int, *, eligible: int, yes: int, no: int, abstain: int = 0
) -> ResolutionCollege:
    return ResolutionCollege(
        key=key,
        name=key.title(),
        weight=Fraction(percent, 100),
        eligible=eligible,
        yes=yes,
        no=no,
        abstain=abstain,
    )


def worked_example() -> list[ResolutionCollege]:
    """DOMAIN.md: weights 30/30/20/20, yes shares 60/40/90/50 %."""
    return [
        college("workers", 30, eligible=10, yes=6, no=4),
        college("users", 30, eligible=10, yes=4, no=6),
        college("suppliers", 20, eligible=10, yes=9, no=1),
        college("authorities", 20, eligible=10, yes=5, no=5),
    ]


class TestWorkedExample:
    def test_weighted_support_is_exactly_58_percent(self) -> None:
        result = tally_resolution(colleges=worked_example(), rules=ResolutionRules())

        assert result.support == Fraction(29, 50)
        assert [c.contribution for c in result.colleges] == [
            Fraction(18, 100),
            Fraction(12, 100),
            Fraction(18, 100),
            Fraction(10, 100),
        ]
        assert [c.share for c in result.colleges] == [
            Fraction(3, 5),
            Fraction(2, 5),
            Fraction(9, 10),
            Fraction(1, 2),
        ]
        assert result.against == Fraction(21, 50)

    def test_adopted_as_ordinary_resolution(self) -> None:
        result = tally_resolution(
            colleges=worked_example(), rules=ResolutionRules(majority=ORDINARY_MAJORITY)
        )

        assert result.adopted is True
        assert result.outcome == ResolutionOutcome.ADOPTED

    def test_rejected_as_extraordinary_resolution(self) -> None:
        result = tally_resolution(
            colleges=worked_example(), rules=ResolutionRules(majority=EXTRAORDINARY_MAJORITY)
        )

        assert result.adopted is False
        assert result.outcome == ResolutionOutcome.REJECTED
        assert result.support == Fraction(29, 50)


class TestMajorityThreshold:
    def test_exactly_half_is_not_an_ordinary_majority(self) -> None:
        result = tally_resolution(
            colleges=[college("all", 100, eligible=10, yes=5, no=5)], rules=ResolutionRules()
        )

        assert result.support == Fraction(1, 2)
        assert result.adopted is False
        assert result.outcome == ResolutionOutcome.REJECTED

    def test_exactly_half_across_weighted_colleges_is_not_a_majority(self) -> None:
        colleges = [
            college("a", 50, eligible=4, yes=4, no=0),
            college("b", 50, eligible=4, yes=0, no=4),
        ]

        result = tally_resolution(colleges=colleges, rules=ResolutionRules())

        assert result.support == Fraction(1, 2)
        assert result.adopted is False

    def test_exactly_half_passes_a_non_strict_threshold(self) -> None:
        rules = ResolutionRules(majority=Threshold(value=Fraction(1, 2), strict=False))

        result = tally_resolution(
            colleges=[college("all", 100, eligible=10, yes=5, no=5)], rules=rules
        )

        assert result.adopted is True

    def test_exactly_two_thirds_meets_the_extraordinary_majority(self) -> None:
        result = tally_resolution(
            colleges=[college("all", 100, eligible=9, yes=6, no=3)],
            rules=ResolutionRules(majority=EXTRAORDINARY_MAJORITY),
        )

        assert result.support == Fraction(2, 3)
        assert result.adopted is True

    def test_threshold_is_met_respects_strictness(self) -> None:
        strict = Threshold(value=Fraction(1, 2), strict=True)
        loose = Threshold(value=Fraction(1, 2), strict=False)

        assert not strict.is_met(Fraction(1, 2))
        assert strict.is_met(Fraction(1, 2) + Fraction(1, 10**9))
        assert loose.is_met(Fraction(1, 2))
        assert not loose.is_met(Fraction(1, 2) - Fraction(1, 10**9))


class TestAbstentions:
    """6 yes, 4 no, 5 abstentions among 20 members."""

    colleges = [college("all", 100, eligible=20, yes=6, no=4, abstain=5)]

    def test_excluded_abstentions_stay_out_of_the_base(self) -> None:
        result = tally_resolution(
            colleges=self.colleges,
            rules=ResolutionRules(majority_base=MajorityBase.VOTES_CAST),
        )

        assert result.support == Fraction(6, 10)
        assert result.colleges[0].cast == 10
        assert result.adopted is True

    def test_abstentions_counted_against_can_reject(self) -> None:
        result = tally_resolution(
            colleges=self.colleges,
            rules=ResolutionRules(majority_base=MajorityBase.PRESENT),
        )

        assert result.support == Fraction(6, 15)
        assert result.against == Fraction(9, 15)
        assert result.colleges[0].cast == 15
        assert result.colleges[0].against == 9
        assert result.adopted is False

    @pytest.mark.parametrize("mode", list(QuorumMode))
    @pytest.mark.parametrize("policy", list(MajorityBase))
    def test_abstentions_count_for_quorum_under_both_bases(
        self, policy: MajorityBase, mode: QuorumMode
    ) -> None:
        # Without the five abstentions turnout would be 10 / 20, below the 3 / 4 quorum.
        rules = ResolutionRules(majority_base=policy, quorum_mode=mode, quorum=Fraction(3, 4))

        result = tally_resolution(colleges=self.colleges, rules=rules)

        assert result.quorum_ratio == Fraction(15, 20)
        assert result.colleges[0].quorum_ratio == Fraction(15, 20)
        assert result.quorum_reached is True
        assert result.totals.voted == 15

    def test_college_of_only_abstentions_is_empty_when_excluded(self) -> None:
        colleges = [
            college("a", 50, eligible=10, yes=3, no=1),
            college("b", 50, eligible=10, yes=0, no=0, abstain=4),
        ]

        excluded = tally_resolution(colleges=colleges, rules=ResolutionRules())
        against = tally_resolution(
            colleges=colleges,
            rules=ResolutionRules(majority_base=MajorityBase.PRESENT),
        )

        assert excluded.empty_colleges == ("b",)
        assert excluded.support == Fraction(3, 4)
        assert against.empty_colleges == ()
        assert against.support == Fraction(1, 2) * Fraction(3, 4)


class TestEmptyCollege:
    """Three colleges vote, the authorities (20 %) cast nothing."""

    colleges = [
        college("workers", 30, eligible=10, yes=6, no=4),
        college("users", 30, eligible=10, yes=4, no=6),
        college("suppliers", 20, eligible=10, yes=9, no=1),
        college("authorities", 20, eligible=10, yes=0, no=0),
    ]

    def test_redistribute_scales_voting_colleges_to_one(self) -> None:
        result = tally_resolution(
            colleges=self.colleges,
            rules=ResolutionRules(empty_college_policy=EmptyCollegePolicy.REDISTRIBUTE),
        )

        effective = {c.key: c.effective_weight for c in result.colleges}
        assert effective == {
            "workers": Fraction(3, 8),
            "users": Fraction(3, 8),
            "suppliers": Fraction(1, 4),
            "authorities": Fraction(0),
        }
        assert result.support == Fraction(3, 5)
        assert result.adopted is True
        assert result.empty_colleges == ("authorities",)
        assert result.empty_college_policy_applied == AppliedEmptyCollegeRule.REDISTRIBUTE
        assert result.colleges[3].share is None
        assert result.colleges[3].weight == Fraction(1, 5)

    def test_count_as_absent_keeps_statutory_weights(self) -> None:
        result = tally_resolution(
            colleges=self.colleges,
            rules=ResolutionRules(empty_college_policy=EmptyCollegePolicy.COUNT_AS_ABSENT),
        )

        assert [c.effective_weight for c in result.colleges] == [
            Fraction(3, 10),
            Fraction(3, 10),
            Fraction(1, 5),
            Fraction(1, 5),
        ]
        assert result.colleges[3].contribution == 0
        assert result.support == Fraction(48, 100)
        assert result.adopted is False
        assert result.outcome == ResolutionOutcome.REJECTED
        assert result.empty_college_policy_applied == AppliedEmptyCollegeRule.COUNT_AS_ABSENT

    def test_fail_rejects_and_names_the_empty_college(self) -> None:
        result = tally_resolution(
            colleges=self.colleges,
            rules=ResolutionRules(empty_college_policy=EmptyCollegePolicy.FAIL),
        )

        assert result.adopted is False
        assert result.outcome == ResolutionOutcome.EMPTY_COLLEGE
        assert result.empty_colleges == ("authorities",)
        assert result.empty_college_policy_applied == AppliedEmptyCollegeRule.FAIL
        assert result.explanation_parts().empty_college_names == ("Authorities",)
        assert "Authorities" in explain_en(result)

    def test_fail_does_not_apply_when_every_college_voted(self) -> None:
        result = tally_resolution(
            colleges=worked_example(),
            rules=ResolutionRules(empty_college_policy=EmptyCollegePolicy.FAIL),
        )

        assert result.outcome == ResolutionOutcome.ADOPTED
        assert result.empty_college_policy_applied == AppliedEmptyCollegeRule.NONE

    def test_college_without_members_is_empty(self) -> None:
        colleges = [
            college("a", 50, eligible=4, yes=3, no=1),
            college("b", 50, eligible=0, yes=0, no=0),
        ]

        result = tally_resolution(colleges=colleges, rules=ResolutionRules())

        assert result.empty_colleges == ("b",)
        assert result.support == Fraction(3, 4)


class TestWinnerTakeAll:
    def test_tie_inside_a_college_splits_its_weight(self) -> None:
        colleges = [
            college("a", 50, eligible=6, yes=3, no=3),
            college("b", 30, eligible=6, yes=5, no=1),
            college("c", 20, eligible=6, yes=0, no=4),
        ]

        result = tally_resolution(
            colleges=colleges, rules=ResolutionRules(method=TallyMethod.WINNER_TAKE_ALL)
        )

        assert [c.contribution for c in result.colleges] == [
            Fraction(1, 4),
            Fraction(3, 10),
            Fraction(0),
        ]
        assert [c.against_contribution for c in result.colleges] == [
            Fraction(1, 4),
            Fraction(0),
            Fraction(1, 5),
        ]
        assert result.support == Fraction(11, 20)
        assert result.adopted is True

    def test_whole_weight_goes_to_the_winning_side(self) -> None:
        # Proportionally this is 0.3 * 0.6 + 0.3 * 0.4 + 0.2 * 0.9 + 0.2 * 0.5 = 58 %;
        # winner-take-all gives workers and suppliers everything and splits the authorities.
        result = tally_resolution(
            colleges=worked_example(), rules=ResolutionRules(method=TallyMethod.WINNER_TAKE_ALL)
        )

        assert result.support == Fraction(3, 10) + Fraction(2, 10) + Fraction(1, 10)
        assert result.against == Fraction(3, 10) + Fraction(1, 10)

    def test_abstentions_counted_against_can_flip_a_college(self) -> None:
        # A single college used to stand for this case; without colleges winner-take-all no
        # longer applies, so a second college (all against) keeps the college-level flip.
        colleges = [
            college("a", 50, eligible=10, yes=4, no=3, abstain=2),
            college("b", 50, eligible=10, yes=0, no=1),
        ]

        excluded = tally_resolution(
            colleges=colleges, rules=ResolutionRules(method=TallyMethod.WINNER_TAKE_ALL)
        )
        against = tally_resolution(
            colleges=colleges,
            rules=ResolutionRules(
                method=TallyMethod.WINNER_TAKE_ALL,
                majority_base=MajorityBase.PRESENT,
            ),
        )

        assert excluded.support == Fraction(1, 2)
        assert against.support == 0


class TestAllMembersBase:
    """The base of all members on the roll, worked by hand.

    Weights 30/30/20/20; rolls of 10, 10, 5 and 5 members.
      workers      6 for, 1 against          -> 3 absent
      users        4 for, 2 abstain          -> 4 absent
      suppliers    5 for                     -> nobody absent
      authorities  nobody votes              -> 5 absent
    """

    colleges = [
        college("workers", 30, eligible=10, yes=6, no=1),
        college("users", 30, eligible=10, yes=4, no=0, abstain=2),
        college("suppliers", 20, eligible=5, yes=5, no=0),
        college("authorities", 20, eligible=5, yes=0, no=0),
    ]

    def rules(self, method: TallyMethod, **kwargs: Any) -> ResolutionRules:
        return ResolutionRules(method=method, majority_base=MajorityBase.ALL_MEMBERS, **kwargs)

    def test_proportional_divides_each_college_by_its_whole_roll(self) -> None:
        result = tally_resolution(
            colleges=self.colleges, rules=self.rules(TallyMethod.PROPORTIONAL)
        )

        # 30/100 * 6/10 + 30/100 * 4/10 + 20/100 * 5/5 + 20/100 * 0/5
        #   = 18/100 + 12/100 + 20/100 + 0 = 50/100: exactly half, not more than half.
        assert result.support == Fraction(18, 100) + Fraction(12, 100) + Fraction(20, 100)
        assert result.support == Fraction(1, 2)
        # Against: 30/100 * 4/10 + 30/100 * 6/10 + 0 + 20/100 * 5/5 = 12 + 18 + 0 + 20 = 50/100.
        assert result.against == Fraction(1, 2)
        assert [c.cast for c in result.colleges] == [10, 10, 5, 5]
        assert [c.against for c in result.colleges] == [4, 6, 0, 5]
        # The silent college is in the base: its whole roll counts against, nothing is
        # redistributed.
        assert result.empty_colleges == ()
        assert result.empty_college_policy_applied == AppliedEmptyCollegeRule.NONE
        assert result.outcome == ResolutionOutcome.REJECTED

    def test_votes_cast_on_the_same_ballots_adopt(self) -> None:
        result = tally_resolution(colleges=self.colleges, rules=ResolutionRules())

        # Authorities are empty and their 20 % is redistributed over the other 80 %:
        # (30/100 * 6/7 + 30/100 * 4/4 + 20/100 * 5/5) / (80/100)
        #   = (9/35 + 3/10 + 1/5) / (4/5) = (53/70) / (4/5) = 53/56, about 94.6 %.
        assert result.support == Fraction(53, 56)
        assert result.adopted is True

    def test_per_registered_member_agrees_when_everyone_is_in_the_base(self) -> None:
        result = tally_resolution(
            colleges=self.colleges, rules=self.rules(TallyMethod.PER_REGISTERED_MEMBER)
        )

        # Member weights 3/100, 3/100, 4/100, 4/100; for: 6*3 + 4*3 + 5*4 = 50 hundredths;
        # base: 10*3 + 10*3 + 5*4 + 5*4 = 100 hundredths.
        assert result.support == Fraction(50, 100)

    def test_winner_take_all_compares_for_with_the_rest_of_the_roll(self) -> None:
        result = tally_resolution(
            colleges=self.colleges, rules=self.rules(TallyMethod.WINNER_TAKE_ALL)
        )

        # workers 6 > 4: 30 %; users 4 < 6: 0; suppliers 5 > 0: 20 %; authorities 0 < 5: 0.
        assert result.support == Fraction(30, 100) + Fraction(20, 100)


class TestPerRegisteredMember:
    def test_low_turnout_shrinks_a_college_influence(self) -> None:
        # Consumers: 10 of 100 members vote, all yes. Workers: 5 of 10 vote, 2 yes, 3 no.
        colleges = [
            college("consumers", 50, eligible=100, yes=10, no=0),
            college("workers", 50, eligible=10, yes=2, no=3),
        ]

        proportional = tally_resolution(colleges=colleges, rules=ResolutionRules())
        per_member = tally_resolution(
            colleges=colleges, rules=ResolutionRules(method=TallyMethod.PER_REGISTERED_MEMBER)
        )

        assert proportional.support == Fraction(7, 10)
        assert proportional.adopted is True
        # Y = 1/2 * 10/100 + 1/2 * 2/10 = 3/20 and A = 1/2 * 3/10 = 3/20.
        assert per_member.support == Fraction(1, 2)
        assert per_member.adopted is False
        consumers, workers = per_member.colleges
        assert consumers.effective_weight == Fraction(1, 6)
        assert workers.effective_weight == Fraction(5, 6)
        assert consumers.contribution == Fraction(1, 6)
        assert workers.contribution == Fraction(1, 3)

    def test_full_turnout_matches_proportional(self) -> None:
        colleges = worked_example()

        per_member = tally_resolution(
            colleges=colleges, rules=ResolutionRules(method=TallyMethod.PER_REGISTERED_MEMBER)
        )

        assert per_member.support == Fraction(29, 50)
        assert [c.effective_weight for c in per_member.colleges] == [
            Fraction(3, 10),
            Fraction(3, 10),
            Fraction(1, 5),
            Fraction(1, 5),
        ]

    def test_empty_college_drops_out_and_is_recorded(self) -> None:
        colleges = [
            college("a", 50, eligible=10, yes=3, no=1),
            college("b", 50, eligible=10, yes=0, no=0),
        ]

        result = tally_resolution(
            colleges=colleges,
            rules=ResolutionRules(
                method=TallyMethod.PER_REGISTERED_MEMBER,
                empty_college_policy=EmptyCollegePolicy.COUNT_AS_ABSENT,
            ),
        )

        assert result.support == Fraction(3, 4)
        assert result.empty_colleges == ("b",)
        assert result.empty_college_policy_applied == AppliedEmptyCollegeRule.DROPPED_BY_METHOD
        assert result.colleges[1].effective_weight == 0

    def test_fail_policy_still_fails(self) -> None:
        colleges = [
            college("a", 50, eligible=10, yes=3, no=1),
            college("b", 50, eligible=10, yes=0, no=0),
        ]

        result = tally_resolution(
            colleges=colleges,
            rules=ResolutionRules(
                method=TallyMethod.PER_REGISTERED_MEMBER,
                empty_college_policy=EmptyCollegePolicy.FAIL,
            ),
        )

        assert result.outcome == ResolutionOutcome.EMPTY_COLLEGE
        assert result.empty_college_policy_applied == AppliedEmptyCollegeRule.FAIL


class TestQuorum:
    """Turnouts: a 5 / 10 (weight 1/2), b 3 / 30 (1/4), c 2 / 10 (1/4)."""

    colleges = [
        college("a", 50, eligible=10, yes=5, no=0),
        college("b", 25, eligible=30, yes=3, no=0),
        college("c", 25, eligible=10, yes=2, no=0),
    ]

    @pytest.mark.parametrize(
        ("mode", "ratio", "lowest"),
        [
            (QuorumMode.ALL_MEMBERS, Fraction(10, 50), None),
            (QuorumMode.WEIGHTED, Fraction(13, 40), None),
            (QuorumMode.PER_COLLEGE, Fraction(1, 10), "b"),
        ],
    )
    def test_ratio_per_mode(self, mode: QuorumMode, ratio: Fraction, lowest: str | None) -> None:
        result = tally_resolution(
            colleges=self.colleges, rules=ResolutionRules(quorum_mode=mode, quorum=Fraction(1, 5))
        )

        assert result.quorum_ratio == ratio
        assert result.quorum_lowest_college == lowest
        assert [c.quorum_ratio for c in result.colleges] == [
            Fraction(1, 2),
            Fraction(1, 10),
            Fraction(1, 5),
        ]

    @pytest.mark.parametrize(
        ("mode", "quorum", "reached"),
        [
            (QuorumMode.ALL_MEMBERS, Fraction(1, 5), True),
            (QuorumMode.ALL_MEMBERS, Fraction(1, 4), False),
            (QuorumMode.WEIGHTED, Fraction(1, 4), True),
            (QuorumMode.WEIGHTED, Fraction(1, 3), False),
            (QuorumMode.PER_COLLEGE, Fraction(1, 10), True),
            (QuorumMode.PER_COLLEGE, Fraction(1, 5), False),
        ],
    )
    def test_reached_or_not(self, mode: QuorumMode, quorum: Fraction, reached: bool) -> None:
        result = tally_resolution(
            colleges=self.colleges, rules=ResolutionRules(quorum_mode=mode, quorum=quorum)
        )

        # Every vote is yes, so only the quorum can stop adoption.
        assert result.support == 1
        assert result.quorum_reached is reached
        assert result.adopted is reached
        expected = ResolutionOutcome.ADOPTED if reached else ResolutionOutcome.QUORUM_NOT_REACHED
        assert result.outcome == expected

    def test_no_quorum_is_always_reached(self) -> None:
        colleges = [college("all", 100, eligible=1000, yes=1, no=0)]

        result = tally_resolution(colleges=colleges, rules=ResolutionRules(quorum=None))

        assert result.quorum_reached is True
        assert result.quorum_ratio == Fraction(1, 1000)
        assert result.adopted is True


class TestQuorumByAttendance:
    """Members taking part count for the quorum; only ballots count for the majority."""

    @staticmethod
    def attended(key: str, percent: int, *, eligible: int, yes: int, attending: int | None):
        return ResolutionCollege(
            key=key,
            name=key.title(),
            weight=Fraction(percent, 100),
            eligible=eligible,
            yes=yes,
            no=0,
            abstain=0,
            attending=attending,
        )

    @pytest.mark.parametrize(
        ("mode", "ratio", "lowest"),
        [
            (QuorumMode.ALL_MEMBERS, Fraction(20, 50), None),
            (
                QuorumMode.WEIGHTED,
                Fraction(1, 2) * Fraction(8, 10)
                + Fraction(1, 4) * Fraction(6, 30)
                + Fraction(1, 4) * Fraction(6, 10),
                None,
            ),
            (QuorumMode.PER_COLLEGE, Fraction(1, 5), "b"),
        ],
    )
    def test_ratio_per_mode_comes_from_the_attendance(
        self, mode: QuorumMode, ratio: Fraction, lowest: str | None
    ) -> None:
        colleges = [
            self.attended("a", 50, eligible=10, yes=5, attending=8),
            self.attended("b", 25, eligible=30, yes=3, attending=6),
            self.attended("c", 25, eligible=10, yes=2, attending=6),
        ]

        result = tally_resolution(
            colleges=colleges, rules=ResolutionRules(quorum_mode=mode, quorum=Fraction(1, 5))
        )

        assert result.quorum_ratio == ratio
        assert result.quorum_lowest_college == lowest
        assert result.quorum_basis == QuorumBasis.ATTENDANCE
        assert [(c.voted, c.attending) for c in result.colleges] == [(5, 8), (3, 6), (2, 6)]
        assert (result.totals.voted, result.totals.attending) == (10, 20)
        parts = result.explanation_parts()
        assert (parts.quorum_basis, parts.attending) == (QuorumBasis.ATTENDANCE, 20)

    def test_without_attendance_the_ballots_are_the_basis(self) -> None:
        result = tally_resolution(colleges=worked_example(), rules=ResolutionRules())

        assert result.quorum_basis == QuorumBasis.BALLOTS
        assert result.totals.attending == result.totals.voted == 40
        assert result.to_dict()["quorum_basis"] == "ballots"

    def test_attendance_reaches_a_quorum_the_ballots_miss(self) -> None:
        rules = ResolutionRules(quorum=Fraction(1, 2))
        silent = [self.attended("all", 100, eligible=10, yes=4, attending=None)]
        present = [self.attended("all", 100, eligible=10, yes=4, attending=6)]

        assert tally_resolution(colleges=silent, rules=rules).outcome == (
            ResolutionOutcome.QUORUM_NOT_REACHED
        )
        result = tally_resolution(colleges=present, rules=rules)
        assert (result.outcome, result.quorum_ratio) == (ResolutionOutcome.ADOPTED, Fraction(3, 5))

    @pytest.mark.parametrize("attending", [3, 11, -1])
    def test_attendance_below_the_ballots_or_above_the_roll_is_refused(
        self, attending: int
    ) -> None:
        colleges = [self.attended("all", 100, eligible=10, yes=4, attending=attending)]

        with pytest.raises(TallyInputError, match="'all'"):
            tally_resolution(colleges=colleges, rules=ResolutionRules())


class TestNoVotes:
    silent = [
        college("a", 50, eligible=10, yes=0, no=0),
        college("b", 50, eligible=10, yes=0, no=0),
    ]

    @pytest.mark.parametrize("method", list(TallyMethod))
    @pytest.mark.parametrize("policy", list(EmptyCollegePolicy))
    def test_nobody_voting_is_not_adopted(
        self, method: TallyMethod, policy: EmptyCollegePolicy
    ) -> None:
        rules = ResolutionRules(method=method, empty_college_policy=policy)

        result = tally_resolution(colleges=self.silent, rules=rules)

        assert result.outcome == ResolutionOutcome.NO_VOTES_CAST
        assert result.adopted is False
        assert result.support == 0
        assert result.empty_colleges == ("a", "b")

    def test_quorum_failure_is_reported_before_missing_votes(self) -> None:
        result = tally_resolution(
            colleges=self.silent, rules=ResolutionRules(quorum=Fraction(1, 5))
        )

        assert result.outcome == ResolutionOutcome.QUORUM_NOT_REACHED

    def test_only_abstentions_means_no_votes_cast_but_quorum_reached(self) -> None:
        colleges = [college("all", 100, eligible=10, yes=0, no=0, abstain=6)]

        result = tally_resolution(colleges=colleges, rules=ResolutionRules(quorum=Fraction(1, 2)))

        assert result.quorum_reached is True
        assert result.outcome == ResolutionOutcome.NO_VOTES_CAST


class TestTotals:
    def test_totals_add_up_the_colleges(self) -> None:
        colleges = [
            college("a", 60, eligible=10, yes=3, no=2, abstain=1),
            college("b", 40, eligible=7, yes=1, no=4, abstain=2),
        ]

        result = tally_resolution(
            colleges=colleges,
            rules=ResolutionRules(majority_base=MajorityBase.PRESENT),
        )

        totals = result.totals
        assert (totals.eligible, totals.voted, totals.yes, totals.no, totals.abstain) == (
            17,
            13,
            4,
            6,
            3,
        )
        assert (totals.cast, totals.against) == (13, 9)


class TestSerialisation:
    def test_to_dict_gives_exact_and_decimal_forms(self) -> None:
        result = tally_resolution(colleges=worked_example(), rules=ResolutionRules())

        data = result.to_dict()

        assert data["support"] == "29/50"
        assert data["support_pct"] == "58.0000"
        assert data["majority"] == {"value": "1/2", "value_pct": "50.0000", "strict": True}
        assert data["outcome"] == "adopted"
        colleges = data["colleges"]
        assert isinstance(colleges, list)
        first = colleges[0]
        assert isinstance(first, dict)
        assert first["contribution"] == "9/50"
        assert first["contribution_pct"] == "18.0000"
        assert first["weight"] == "3/10"

    def test_to_dict_is_json_without_floats(self) -> None:
        colleges = [*worked_example()[:3], college("authorities", 20, eligible=3, yes=0, no=0)]
        result = tally_resolution(colleges=colleges, rules=ResolutionRules(quorum=Fraction(1, 3)))

        # Decoded JSON turns any decimal number into a float, so none may appear.
        data: Any = json.loads(json.dumps(result.to_dict()))

        def walk(value: object) -> None:
            assert not isinstance(value, float)
            if isinstance(value, dict):
                for item in value.values():
                    walk(item)
            elif isinstance(value, list):
                for item in value:
                    walk(item)

        walk(data)
        assert Fraction(data["support"]) == result.support
        empty = data["colleges"][3]
        assert empty["share"] is None
        assert empty["share_pct"] is None
        assert data["quorum_required_pct"] == "33.3333"

    def test_explanation_parts_are_structured(self) -> None:
        result = tally_resolution(
            colleges=worked_example(),
            rules=ResolutionRules(quorum=Fraction(1, 5), majority=EXTRAORDINARY_MAJORITY),
        )

        parts = result.explanation_parts()

        assert parts.outcome == ResolutionOutcome.REJECTED
        assert parts.support == Fraction(29, 50)
        assert parts.majority_value == Fraction(2, 3)
        assert parts.majority_strict is False
        assert parts.is_extraordinary_majority is True
        assert parts.quorum_ratio == 1
        assert parts.quorum_required == Fraction(1, 5)
        assert parts.eligible == 40
        assert parts.method == TallyMethod.PROPORTIONAL
        assert parts.majority_base == MajorityBase.VOTES_CAST
        assert parts.empty_college_policy_applied == AppliedEmptyCollegeRule.NONE
        assert parts.to_dict()["support_pct"] == "58.0000"


class TestExplainEn:
    def test_adopted_sentence(self) -> None:
        # 31 of 100 members vote; one abstention in the workers leaves their share at 60 %.
        colleges = [
            college("workers", 30, eligible=25, yes=3, no=2, abstain=1),
            college("users", 30, eligible=25, yes=2, no=3),
            college("suppliers", 20, eligible=25, yes=9, no=1),
            college("authorities", 20, eligible=25, yes=5, no=5),
        ]
        result = tally_resolution(colleges=colleges, rules=ResolutionRules(quorum=Fraction(1, 5)))

        assert explain_en(result) == (
            "Adopted: 58 % weighted support, ordinary majority above 50 %; "
            "quorum 31 % of 100 members, above 20 %."
        )

    def test_rejected_sentence(self) -> None:
        result = tally_resolution(
            colleges=worked_example(),
            rules=ResolutionRules(majority=EXTRAORDINARY_MAJORITY),
        )

        assert explain_en(result) == (
            "Rejected: 58 % weighted support, extraordinary majority of at least 66.7 % "
            "not reached; turnout 100 % of 40 members, no quorum required."
        )

    def test_quorum_not_reached_sentence(self) -> None:
        colleges = [college("all", 100, eligible=40, yes=4, no=0)]

        result = tally_resolution(colleges=colleges, rules=ResolutionRules(quorum=Fraction(1, 5)))

        assert explain_en(result) == "Not adopted: quorum 10 % of 40 members, below 20 %."

    def test_single_college_speaks_of_support_not_weighted_support(self) -> None:
        colleges = [college("all", 100, eligible=3, yes=2, no=1)]

        result = tally_resolution(colleges=colleges, rules=ResolutionRules())

        assert explain_en(result).startswith("Adopted: 66.7 % support,")

    def test_support_just_above_half_is_not_printed_as_half(self) -> None:
        colleges = [college("all", 100, eligible=10001, yes=5001, no=5000)]

        result = tally_resolution(colleges=colleges, rules=ResolutionRules())

        assert result.adopted is True
        assert explain_en(result).startswith("Adopted: 50.005 % support,")


class TestFormatting:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (Fraction(58, 100), "58 %"),
            (Fraction(1, 3), "33.3 %"),
            (Fraction(2, 3), "66.7 %"),
            (Fraction(1, 2000), "0.1 %"),
            (Fraction(1, 1), "100 %"),
            (Fraction(0), "0 %"),
        ],
    )
    def test_format_percent_rounds_half_up_to_one_decimal(self, value: Fraction, text: str) -> None:
        assert format_percent(value) == text

    @pytest.mark.parametrize(
        ("value", "places", "text"),
        [
            (Fraction(1, 3), 4, "0.3333"),
            (Fraction(2, 3), 4, "0.6667"),
            (Fraction(-1, 3), 4, "-0.3333"),
            (Fraction(1, 8), 2, "0.13"),
            (Fraction(5, 2), 0, "3"),
            (Fraction(12345, 100), 1, "123.5"),
        ],
    )
    def test_decimal_str_uses_integer_rounding(
        self, value: Fraction, places: int, text: str
    ) -> None:
        assert decimal_str(value, places=places) == text

    def test_percent_str_has_four_places(self) -> None:
        assert percent_str(Fraction(29, 50)) == "58.0000"
        assert percent_str(Fraction(1, 7)) == "14.2857"


class TestValidation:
    def test_weights_must_sum_to_one(self) -> None:
        colleges = [
            college("a", 50, eligible=1, yes=1, no=0),
            college("b", 40, eligible=1, yes=1, no=0),
        ]

        with pytest.raises(TallyInputError, match="sum to 9/10"):
            tally_resolution(colleges=colleges, rules=ResolutionRules())

    def test_float_weight_is_refused(self) -> None:
        bad = ResolutionCollege(
            key="a",
            name="A",
            weight=1.0,  # type: ignore[arg-type]
            eligible=1,
            yes=1,
            no=0,
            abstain=0,
        )

        with pytest.raises(TallyInputError, match="weight"):
            tally_resolution(colleges=[bad], rules=ResolutionRules())

    def test_more_votes_than_members_is_refused(self) -> None:
        with pytest.raises(TallyInputError, match="'a'"):
            tally_resolution(
                colleges=[college("a", 100, eligible=2, yes=2, no=1)], rules=ResolutionRules()
            )

    def test_duplicate_keys_are_refused(self) -> None:
        colleges = [
            college("a", 50, eligible=1, yes=1, no=0),
            college("a", 50, eligible=1, yes=1, no=0),
        ]

        with pytest.raises(TallyInputError, match="twice"):
            tally_resolution(colleges=colleges, rules=ResolutionRules())

    def test_negative_count_is_refused(self) -> None:
        with pytest.raises(TallyInputError, match="no count"):
            tally_resolution(
                colleges=[college("a", 100, eligible=2, yes=2, no=-1)], rules=ResolutionRules()
            )

    def test_float_quorum_is_refused(self) -> None:
        with pytest.raises(TallyInputError, match="quorum"):
            ResolutionRules(quorum=0.2)  # type: ignore[arg-type]
