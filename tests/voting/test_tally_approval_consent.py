"""Weighted approval voting and sociocratic consent."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from fractions import Fraction

import pytest

from voting.tally import (
    ApprovalCollege,
    ConsentOutcome,
    Objection,
    ObjectionState,
    TallyInputError,
    tally_approval,
    tally_consent,
)


def approval_college(
    key: str, weight: Fraction, ballots: Sequence[Collection[str]], eligible: int = 10
) -> ApprovalCollege:
    return ApprovalCollege(
        key=key, name=key.upper(), weight=weight, eligible=eligible, ballots=ballots
    )


class TestApproval:
    def test_scores_weight_each_college_share_of_approvals(self) -> None:
        # Z casts nothing, so X and Y are scaled from 50 % and 30 % to 5/8 and 3/8.
        colleges = [
            approval_college("x", Fraction(1, 2), [{"A"}, {"A", "B"}]),
            approval_college("y", Fraction(3, 10), [{"B"}]),
            approval_college("z", Fraction(1, 5), []),
        ]

        result = tally_approval(options=["A", "B", "C"], colleges=colleges)

        assert result.scores == {
            "A": Fraction(5, 8),
            "B": Fraction(5, 8) * Fraction(1, 2) + Fraction(3, 8),
            "C": Fraction(0),
        }
        assert result.winners == ("B",)
        assert result.ranking == (("B",), ("A",), ("C",))
        assert result.colleges_dropped == ("z",)
        assert [c.effective_weight for c in result.colleges] == [
            Fraction(5, 8),
            Fraction(3, 8),
            Fraction(0),
        ]

    def test_raw_counts_per_college_are_kept(self) -> None:
        colleges = [
            approval_college("x", Fraction(1, 2), [{"A"}, {"A", "B"}]),
            approval_college("y", Fraction(1, 2), [{"B"}, set()]),
        ]

        result = tally_approval(options=["A", "B"], colleges=colleges)

        assert [dict(c.approvals) for c in result.colleges] == [
            {"A": 2, "B": 1},
            {"A": 0, "B": 1},
        ]
        assert [c.voters for c in result.colleges] == [2, 2]
        assert result.voters == 4

    def test_per_head_majority_can_lose_to_the_weighted_score(self) -> None:
        # Three of four voters approve only B, yet college X weighs as much as Y.
        colleges = [
            approval_college("x", Fraction(1, 2), [{"A"}]),
            approval_college("y", Fraction(1, 2), [{"B"}, {"B"}, {"B"}]),
        ]

        result = tally_approval(options=["A", "B"], colleges=colleges)

        assert result.scores == {"A": Fraction(1, 2), "B": Fraction(1, 2)}
        assert result.winners == ("A", "B")

    def test_nobody_approving_has_no_winner(self) -> None:
        result = tally_approval(
            options=["A", "B"], colleges=[approval_college("x", Fraction(1), [set(), set()])]
        )

        assert result.winners == ()
        assert result.ranking == (("A", "B"),)

    def test_unknown_option_is_refused(self) -> None:
        with pytest.raises(TallyInputError, match="'Z'"):
            tally_approval(options=["A"], colleges=[approval_college("x", Fraction(1), [{"Z"}])])

    def test_approving_twice_is_refused(self) -> None:
        with pytest.raises(TallyInputError, match="twice"):
            tally_approval(
                options=["A"], colleges=[approval_college("x", Fraction(1), [["A", "A"]])]
            )

    def test_to_dict_carries_exact_scores(self) -> None:
        result = tally_approval(
            options=["A"], colleges=[approval_college("x", Fraction(1), [{"A"}, set(), set()])]
        )

        data = result.to_dict()

        assert data["scores"] == {"A": "1/3"}
        assert data["scores_pct"] == {"A": "33.3333"}


class TestConsent:
    def test_no_objection_is_consent(self) -> None:
        result = tally_consent(objections=[])

        assert result.adopted is True
        assert result.outcome == ConsentOutcome.ADOPTED
        assert result.standing_objections == ()

    @pytest.mark.parametrize(
        ("state", "blocks"),
        [
            (ObjectionState.RAISED, True),
            (ObjectionState.UPHELD, True),
            (ObjectionState.RESOLVED, False),
            (ObjectionState.WITHDRAWN, False),
        ],
    )
    def test_paramount_objection_blocks_while_raised_or_upheld(
        self, state: ObjectionState, blocks: bool
    ) -> None:
        result = tally_consent(objections=[Objection(id=7, state=state, is_paramount=True)])

        assert result.adopted is not blocks
        assert result.outcome == (ConsentOutcome.BLOCKED if blocks else ConsentOutcome.ADOPTED)
        assert result.standing_objections == ((7,) if blocks else ())

    @pytest.mark.parametrize("state", [ObjectionState.RAISED, ObjectionState.UPHELD])
    def test_non_paramount_objection_never_blocks(self, state: ObjectionState) -> None:
        result = tally_consent(objections=[Objection(id="c1", state=state, is_paramount=False)])

        assert result.adopted is True
        assert result.open_concerns == ("c1",)
        assert result.standing_objections == ()

    def test_lists_every_standing_objection_in_order(self) -> None:
        objections = [
            Objection(id=3, state=ObjectionState.UPHELD, is_paramount=True),
            Objection(id=1, state=ObjectionState.RESOLVED, is_paramount=True),
            Objection(id=2, state=ObjectionState.RAISED, is_paramount=True),
            Objection(id=4, state=ObjectionState.RAISED, is_paramount=False),
        ]

        result = tally_consent(objections=objections)

        assert result.outcome == ConsentOutcome.BLOCKED
        assert result.standing_objections == (3, 2)
        assert result.open_concerns == (4,)
        assert result.to_dict()["standing_objections"] == [3, 2]

    def test_duplicate_ids_are_refused(self) -> None:
        objections = [
            Objection(id=1, state=ObjectionState.RAISED, is_paramount=True),
            Objection(id=1, state=ObjectionState.RESOLVED, is_paramount=True),
        ]

        with pytest.raises(TallyInputError, match="repeat"):
            tally_consent(objections=objections)
