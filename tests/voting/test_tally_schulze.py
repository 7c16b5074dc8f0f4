"""Schulze method: the published 45-voter example, ties, unranked options and weighting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

import pytest

from voting.tally import RankedCollege, TallyInputError, tally_schulze

CANDIDATES = ("A", "B", "C", "D", "E")
# Number of voters and their strict preference order.
WIKIPEDIA_BALLOTS = (
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
)
# Rows are x, columns y, in the order A..E; None on the diagonal.
WIKIPEDIA_D = (
    (None, 20, 26, 30, 22),
    (25, None, 16, 33, 18),
    (19, 29, None, 17, 24),
    (15, 12, 28, None, 14),
    (23, 27, 21, 31, None),
)
WIKIPEDIA_P = (
    (None, 28, 28, 30, 24),
    (25, None, 28, 33, 24),
    (25, 29, None, 29, 24),
    (25, 28, 28, None, 24),
    (25, 28, 28, 31, None),
)


def one_college(ballots: Sequence[Sequence[Sequence[str]]], eligible: int = 0) -> RankedCollege:
    return RankedCollege(
        key="all",
        name="All members",
        weight=Fraction(1),
        eligible=max(eligible, len(ballots)),
        ballots=ballots,
    )


def strict(order: str) -> list[list[str]]:
    return [[candidate] for candidate in order]


def as_table(
    matrix: Mapping[str, Mapping[str, Fraction]] | Mapping[str, Mapping[str, int]], scale: int = 1
) -> tuple[tuple[Fraction | int | None, ...], ...]:
    return tuple(
        tuple(None if x == y else matrix[x][y] * scale for y in CANDIDATES) for x in CANDIDATES
    )


class TestWikipediaExample:
    """Markus Schulze's example as given on Wikipedia, "Schulze method", section "Example".

    https://en.wikipedia.org/wiki/Schulze_method : 45 voters, 5 candidates. The pairwise
    matrix d, the strongest path matrix p and the result E > A > C > B > D are quoted there.
    """

    ballots = [strict(order) for count, order in WIKIPEDIA_BALLOTS for _ in range(count)]

    def test_pairwise_preferences_match_the_published_d(self) -> None:
        result = tally_schulze(options=CANDIDATES, colleges=[one_college(self.ballots)])

        assert as_table(result.raw_d) == WIKIPEDIA_D
        assert as_table(result.d, scale=45) == WIKIPEDIA_D

    def test_strongest_paths_match_the_published_p(self) -> None:
        result = tally_schulze(options=CANDIDATES, colleges=[one_college(self.ballots)])

        assert as_table(result.p, scale=45) == WIKIPEDIA_P

    def test_e_wins_and_ranking_is_e_a_c_b_d(self) -> None:
        result = tally_schulze(options=CANDIDATES, colleges=[one_college(self.ballots)])

        assert result.winners == ("E",)
        assert result.ranking == (("E",), ("A",), ("C",), ("B",), ("D",))
        assert result.voters == 45

    def test_same_result_with_colleges_weighted_by_head_count(self) -> None:
        # Splitting the electorate in colleges weighted by their head count changes nothing.
        first = [strict(order) for count, order in WIKIPEDIA_BALLOTS[:4] for _ in range(count)]
        second = [strict(order) for count, order in WIKIPEDIA_BALLOTS[4:] for _ in range(count)]
        colleges = [
            RankedCollege(key="x", name="X", weight=Fraction(21, 45), eligible=21, ballots=first),
            RankedCollege(key="y", name="Y", weight=Fraction(24, 45), eligible=24, ballots=second),
        ]

        result = tally_schulze(options=CANDIDATES, colleges=colleges)

        assert as_table(result.p, scale=45) == WIKIPEDIA_P
        assert result.winners == ("E",)


class TestBallotShapes:
    def test_unranked_options_tie_below_every_ranked_option(self) -> None:
        result = tally_schulze(options=("A", "B", "C"), colleges=[one_college([[["A"]]])])

        assert result.raw_d["A"] == {"B": 1, "C": 1}
        assert result.raw_d["B"] == {"A": 0, "C": 0}
        assert result.raw_d["C"] == {"A": 0, "B": 0}
        assert result.ranking == (("A",), ("B", "C"))

    def test_equal_rank_groups_express_no_preference(self) -> None:
        result = tally_schulze(
            options=("A", "B", "C"), colleges=[one_college([[["A", "B"], ["C"]]])]
        )

        assert result.raw_d["A"]["B"] == 0
        assert result.raw_d["B"]["A"] == 0
        assert result.raw_d["A"]["C"] == 1
        assert result.winners == ("A", "B")

    def test_a_losing_link_has_no_strength(self) -> None:
        # Winning votes: B beats A 2 to 1, so the only path from A to B has strength 0.
        ballots = [strict("AB"), strict("BA"), strict("BA")]

        result = tally_schulze(options=("A", "B"), colleges=[one_college(ballots)])

        assert result.p == {"A": {"B": Fraction(0)}, "B": {"A": Fraction(2, 3)}}
        assert result.winners == ("B",)

    def test_condorcet_cycle_ties_everyone(self) -> None:
        ballots = [strict("ABC"), strict("BCA"), strict("CAB")]

        result = tally_schulze(options=("A", "B", "C"), colleges=[one_college(ballots)])

        assert result.winners == ("A", "B", "C")
        assert result.ranking == (("A", "B", "C"),)


class TestWeighting:
    def test_each_voter_weighs_college_weight_over_its_voters(self) -> None:
        # One X member prefers A, three Y members prefer B: per head B wins, weighted it is 1/2
        # against 1/2.
        x = RankedCollege(
            key="x", name="X", weight=Fraction(1, 2), eligible=1, ballots=[strict("AB")]
        )
        y = RankedCollege(
            key="y", name="Y", weight=Fraction(1, 2), eligible=3, ballots=[strict("BA")] * 3
        )

        weighted = tally_schulze(options=("A", "B"), colleges=[x, y])
        per_head = tally_schulze(
            options=("A", "B"), colleges=[one_college([*x.ballots, *y.ballots])]
        )

        assert weighted.d == {"A": {"B": Fraction(1, 2)}, "B": {"A": Fraction(1, 2)}}
        assert weighted.raw_d == {"A": {"B": 1}, "B": {"A": 3}}
        assert weighted.winners == ("A", "B")
        assert per_head.winners == ("B",)

    def test_college_without_ballots_is_dropped(self) -> None:
        x = RankedCollege(
            key="x", name="X", weight=Fraction(1, 4), eligible=2, ballots=[strict("AB")]
        )
        y = RankedCollege(key="y", name="Y", weight=Fraction(3, 4), eligible=5, ballots=[])

        result = tally_schulze(options=("A", "B"), colleges=[x, y])

        assert result.colleges_dropped == ("y",)
        assert result.d["A"]["B"] == 1
        assert result.winners == ("A",)

    def test_no_ballots_has_no_winner(self) -> None:
        result = tally_schulze(options=("A", "B"), colleges=[one_college([], eligible=4)])

        assert result.winners == ()
        assert result.ranking == (("A", "B"),)


class TestValidation:
    def test_option_ranked_twice_is_refused(self) -> None:
        with pytest.raises(TallyInputError, match="twice"):
            tally_schulze(options=("A", "B"), colleges=[one_college([[["A"], ["A"]]])])

    def test_unknown_option_is_refused(self) -> None:
        with pytest.raises(TallyInputError, match="'Z'"):
            tally_schulze(options=("A", "B"), colleges=[one_college([[["Z"]]])])

    def test_flat_string_ballot_is_refused(self) -> None:
        with pytest.raises(TallyInputError, match="groups"):
            tally_schulze(options=("A", "B"), colleges=[one_college([["A", "B"]])])
