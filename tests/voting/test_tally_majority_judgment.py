"""Majority judgment: published example, gauge tie-break, iterated tie-break and weighting."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voting.tally import (
    MJCollege,
    MJOptionResult,
    MJResult,
    TallyInputError,
    tally_majority_judgment,
)

TENNESSEE_GRADES = ("Poor", "Fair", "Good", "Excellent")
GRADES_0_3 = ("0", "1", "2", "3")
CITIES = ("Memphis", "Nashville", "Chattanooga", "Knoxville")
# Share of voters living in each city, and their preference order (nearest city first).
TENNESSEE_BLOCS = (
    (42, ("Memphis", "Nashville", "Chattanooga", "Knoxville")),
    (26, ("Nashville", "Chattanooga", "Knoxville", "Memphis")),
    (15, ("Chattanooga", "Knoxville", "Nashville", "Memphis")),
    (17, ("Knoxville", "Chattanooga", "Nashville", "Memphis")),
)


def bloc_ballot(order: Sequence[str]) -> dict[str, int]:
    """Each voter gives Excellent, Good, Fair and Poor down their preference order."""
    best = len(TENNESSEE_GRADES) - 1
    return {city: best - position for position, city in enumerate(order)}


def one_college(ballots: Sequence[Mapping[str, int]], eligible: int | None = None) -> MJCollege:
    return MJCollege(
        key="all",
        name="All members",
        weight=Fraction(1),
        eligible=len(ballots) if eligible is None else eligible,
        ballots=ballots,
    )


def option(result: MJResult, name: str) -> MJOptionResult:
    return next(item for item in result.options if item.option == name)


class TestTennesseeCapital:
    """Wikipedia, "Majority judgment", example "Voting on the location of Tennessee's capital".

    https://en.wikipedia.org/wiki/Majority_judgment (revision with the four grades Excellent,
    Good, Fair, Poor, each voter grading the cities in order of distance; the same example is
    kept on electowiki, "Majority Judgment"). Sorted grades: Memphis 42 % Excellent and 58 %
    Poor; Nashville 26 % Excellent, 42 % Good, 32 % Fair; Chattanooga 15 % Excellent, 43 %
    Good, 42 % Fair; Knoxville 17 % Excellent, 15 % Good, 26 % Fair, 42 % Poor. Nashville and
    Chattanooga share the median Good; Chattanooga's 42 % below is the largest gauge share,
    so Nashville wins.
    """

    ballots = [bloc_ballot(order) for share, order in TENNESSEE_BLOCS for _ in range(share)]

    def test_majority_grades_and_gauges(self) -> None:
        result = tally_majority_judgment(
            options=CITIES, grades=TENNESSEE_GRADES, colleges=[one_college(self.ballots)]
        )

        summary = {
            item.option: (item.majority_grade_label, item.p, item.q) for item in result.options
        }
        assert summary == {
            "Memphis": ("Poor", Fraction(42, 100), Fraction(0)),
            "Nashville": ("Good", Fraction(26, 100), Fraction(32, 100)),
            "Chattanooga": ("Good", Fraction(15, 100), Fraction(42, 100)),
            "Knoxville": ("Fair", Fraction(32, 100), Fraction(42, 100)),
        }
        assert option(result, "Nashville").counts == (0, 32, 42, 26)
        assert option(result, "Knoxville").distribution == (
            Fraction(42, 100),
            Fraction(26, 100),
            Fraction(15, 100),
            Fraction(17, 100),
        )

    def test_nashville_wins_and_ranking_follows(self) -> None:
        result = tally_majority_judgment(
            options=CITIES, grades=TENNESSEE_GRADES, colleges=[one_college(self.ballots)]
        )

        assert result.winner == "Nashville"
        assert result.ranking == (("Nashville",), ("Chattanooga",), ("Knoxville",), ("Memphis",))
        assert [item.rank for item in result.options] == [4, 1, 2, 3]
        assert result.voters == 100

    def test_same_result_with_one_weighted_college_per_city(self) -> None:
        # Colleges weighted 42/26/15/17 with very different head counts must give each city's
        # voters exactly their bloc's weight.
        heads = (3, 1, 4, 2)
        colleges = [
            MJCollege(
                key=order[0].lower(),
                name=order[0],
                weight=Fraction(share, 100),
                eligible=count,
                ballots=[bloc_ballot(order)] * count,
            )
            for (share, order), count in zip(TENNESSEE_BLOCS, heads, strict=True)
        ]

        weighted = tally_majority_judgment(
            options=CITIES, grades=TENNESSEE_GRADES, colleges=colleges
        )
        plain = tally_majority_judgment(
            options=CITIES, grades=TENNESSEE_GRADES, colleges=[one_college(self.ballots)]
        )

        assert weighted.winner == "Nashville"
        assert weighted.ranking == plain.ranking
        for city in CITIES:
            assert option(weighted, city).distribution == option(plain, city).distribution
            assert option(weighted, city).p == option(plain, city).p
            assert option(weighted, city).q == option(plain, city).q
        assert weighted.judge_weights["memphis"] == Fraction(42, 100) / 3


class TestTieBreaks:
    grades = ("reject", "poor", "fair", "good", "excellent")

    def tally(self, profiles: Mapping[str, Sequence[int]]) -> MJResult:
        """Build ballots so that option x receives grades profiles[x][i] from judge i."""
        judges = len(next(iter(profiles.values())))
        ballots = [{name: grades[i] for name, grades in profiles.items()} for i in range(judges)]
        return tally_majority_judgment(
            options=list(profiles), grades=self.grades, colleges=[one_college(ballots)]
        )

    def test_larger_p_wins_and_larger_q_loses_on_equal_medians(self) -> None:
        # All three have the median "good" (3). C: p = 2/5 is the largest share, so C is first;
        # B: q = 2/5 is the largest share against A, so B is last although p_B = p_A.
        result = self.tally(
            {
                "A": [3, 3, 3, 3, 4],
                "B": [0, 0, 3, 3, 4],
                "C": [1, 3, 3, 4, 4],
            }
        )

        assert {item.majority_grade for item in result.options} == {3}
        assert result.ranking == (("C",), ("A",), ("B",))
        assert result.winner == "C"

    def test_gauge_ignores_the_mean(self) -> None:
        # B's grades average higher, but its q = 2/5 outweighs every other share.
        result = self.tally({"A": [2, 2, 2, 2, 2], "B": [0, 0, 2, 4, 4]})

        assert result.ranking == (("A",), ("B",))

    def test_iterated_removal_breaks_what_the_gauge_cannot(self) -> None:
        # Medians both 2; p_A = q_A = q_B = 1/3 is the largest share, speaking both ways.
        # Removing one median grade at a time: A = (2, 1, 3) beats B = (2, 1, 2).
        result = self.tally({"A": [1, 2, 3], "B": [1, 2, 2]})

        assert result.ranking == (("A",), ("B",))
        assert result.winner == "A"

    def test_identical_profiles_tie_perfectly(self) -> None:
        result = self.tally({"A": [1, 2, 4], "B": [4, 1, 2], "C": [0, 0, 0]})

        assert result.ranking == (("A", "B"), ("C",))
        assert result.winner is None
        assert [item.rank for item in result.options] == [1, 1, 3]

    def test_lower_median_on_even_number_of_judges(self) -> None:
        result = self.tally({"A": [1, 1, 3, 3]})

        assert result.options[0].majority_grade == 1
        assert result.options[0].p == Fraction(1, 2)
        assert result.options[0].q == 0


class TestMissingGrades:
    def test_missing_grade_counts_as_the_worst(self) -> None:
        grades = ("reject", "fair", "good", "excellent")
        ballots = [{"A": 3, "B": 2}, {"B": 2}, {}]

        result = tally_majority_judgment(
            options=["A", "B"], grades=grades, colleges=[one_college(ballots)]
        )

        assert option(result, "A").counts == (2, 0, 0, 1)
        assert option(result, "A").majority_grade_label == "reject"
        assert option(result, "B").counts == (1, 0, 2, 0)
        assert result.winner == "B"


class TestWeighting:
    grades = ("bad", "good")

    def test_each_judge_weighs_college_weight_over_its_voters(self) -> None:
        # One member of college X prefers A; three members of college Y prefer B. Counted
        # per head B wins; with equal college weights each side holds exactly half.
        x = MJCollege(
            key="x", name="X", weight=Fraction(1, 2), eligible=1, ballots=[{"A": 1, "B": 0}]
        )
        y = MJCollege(
            key="y", name="Y", weight=Fraction(1, 2), eligible=5, ballots=[{"A": 0, "B": 1}] * 3
        )

        weighted = tally_majority_judgment(options=["A", "B"], grades=self.grades, colleges=[x, y])
        per_head = tally_majority_judgment(
            options=["A", "B"],
            grades=self.grades,
            colleges=[one_college([*x.ballots, *y.ballots])],
        )

        assert option(weighted, "A").distribution == (Fraction(1, 2), Fraction(1, 2))
        assert weighted.winner is None
        assert weighted.ranking == (("A", "B"),)
        assert per_head.winner == "B"
        assert weighted.judge_weights == {"x": Fraction(1, 2), "y": Fraction(1, 6)}

    def test_college_without_ballots_is_dropped_and_weights_renormalised(self) -> None:
        x = MJCollege(
            key="x", name="X", weight=Fraction(3, 10), eligible=2, ballots=[{"A": 1}, {"B": 1}]
        )
        y = MJCollege(key="y", name="Y", weight=Fraction(7, 10), eligible=4, ballots=[])

        result = tally_majority_judgment(options=["A", "B"], grades=self.grades, colleges=[x, y])

        assert result.colleges_counted == ("x",)
        assert result.colleges_dropped == ("y",)
        assert result.judge_weights == {"x": Fraction(1, 2)}
        assert option(result, "A").distribution == (Fraction(1, 2), Fraction(1, 2))

    def test_no_ballots_at_all_has_no_winner(self) -> None:
        result = tally_majority_judgment(
            options=["A", "B"], grades=self.grades, colleges=[one_college([], eligible=3)]
        )

        assert result.winner is None
        assert result.voters == 0
        assert all(item.majority_grade is None for item in result.options)
        assert result.ranking == (("A", "B"),)


class TestValidation:
    def test_unknown_option_is_refused(self) -> None:
        with pytest.raises(TallyInputError, match="'Z'"):
            tally_majority_judgment(
                options=["A"], grades=("bad", "good"), colleges=[one_college([{"Z": 1}])]
            )

    def test_grade_off_the_scale_is_refused(self) -> None:
        with pytest.raises(TallyInputError, match="off the scale"):
            tally_majority_judgment(
                options=["A"], grades=("bad", "good"), colleges=[one_college([{"A": 2}])]
            )

    def test_more_ballots_than_members_is_refused(self) -> None:
        with pytest.raises(TallyInputError, match="ballots"):
            tally_majority_judgment(
                options=["A"],
                grades=("bad", "good"),
                colleges=[one_college([{"A": 1}, {"A": 0}], eligible=1)],
            )


def majority_value(grades: Sequence[int]) -> list[int]:
    """Balinski and Laraki's majority value: successive lower medians, removing each in turn."""
    remaining = sorted(grades)
    value = []
    while remaining:
        value.append(remaining.pop((len(remaining) - 1) // 2))
    return value


@settings(max_examples=200, deadline=None)
@given(
    profiles=st.integers(min_value=1, max_value=9).flatmap(
        lambda judges: st.lists(
            st.lists(st.integers(min_value=0, max_value=4), min_size=judges, max_size=judges),
            min_size=2,
            max_size=4,
        )
    )
)
def test_ranking_matches_the_classic_majority_value_order(profiles: list[list[int]]) -> None:
    """Gauge first, then removal of median grades, must order exactly as the majority value."""
    names = [f"o{index}" for index in range(len(profiles))]
    judges = len(profiles[0])
    ballots = [
        {name: profile[i] for name, profile in zip(names, profiles, strict=True)}
        for i in range(judges)
    ]

    result = tally_majority_judgment(
        options=names, grades=("a", "b", "c", "d", "e"), colleges=[one_college(ballots)]
    )

    ranks = {item.option: item.rank for item in result.options}
    for first, first_grades in zip(names, profiles, strict=True):
        for second, second_grades in zip(names, profiles, strict=True):
            first_value, second_value = majority_value(first_grades), majority_value(second_grades)
            if first_value > second_value:
                assert ranks[first] < ranks[second]
            elif first_value == second_value:
                assert ranks[first] == ranks[second]


@settings(max_examples=100, deadline=None)
@given(
    heads=st.lists(st.integers(min_value=1, max_value=3), min_size=3, max_size=3),
    grades=st.lists(
        st.tuples(st.integers(min_value=0, max_value=3), st.integers(min_value=0, max_value=3)),
        min_size=9,
        max_size=9,
    ),
)
def test_weighted_judges_equal_replicated_unweighted_judges(
    heads: list[int], grades: list[tuple[int, int]]
) -> None:
    """Colleges of 20, 30 and 50 % rank like one electorate with judges copied in proportion."""
    percents = (20, 30, 50)
    ballots = [
        [{"A": a, "B": b} for a, b in grades[3 * index : 3 * index + count]]
        for index, count in enumerate(heads)
    ]
    colleges = [
        MJCollege(
            key=f"c{index}",
            name=f"College {index}",
            weight=Fraction(percent, 100),
            eligible=3,
            ballots=college_ballots,
        )
        for index, (percent, college_ballots) in enumerate(zip(percents, ballots, strict=True))
    ]
    # A judge of college c weighs percent_c / heads_c; scaling by the product of the head
    # counts turns every weight into a whole number of copies.
    product = heads[0] * heads[1] * heads[2]
    replicated = [
        ballot
        for percent, count, college_ballots in zip(percents, heads, ballots, strict=True)
        for ballot in college_ballots * (percent * product // count)
    ]

    weighted = tally_majority_judgment(options=["A", "B"], grades=GRADES_0_3, colleges=colleges)
    plain = tally_majority_judgment(
        options=["A", "B"], grades=GRADES_0_3, colleges=[one_college(replicated)]
    )

    assert weighted.ranking == plain.ranking
    assert [o.distribution for o in weighted.options] == [o.distribution for o in plain.options]
    assert [o.majority_grade for o in weighted.options] == [o.majority_grade for o in plain.options]
