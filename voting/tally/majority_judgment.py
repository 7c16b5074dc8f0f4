"""Majority judgment (Balinski and Laraki) with college-weighted judges, in exact arithmetic."""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from voting.tally.types import (
    ZERO,
    CollegeInput,
    JSONValue,
    TallyInputError,
    to_jsonable,
    validate_colleges,
    weighted_voter_unit,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class MJCollege(CollegeInput):
    # Each ballot maps an option to a grade index, 0 being the worst; a missing option gets 0.
    ballots: Sequence[Mapping[str, int]]


@dataclass(frozen=True, kw_only=True, slots=True)
class MJOptionResult:
    option: str
    # None only when nobody voted at all.
    majority_grade: int | None
    majority_grade_label: str | None
    # Weighted share of judges strictly above (p) and strictly below (q) the majority grade.
    p: Fraction
    q: Fraction
    # Weighted share of judges per grade, worst grade first; sums to 1 when anyone voted.
    distribution: tuple[Fraction, ...]
    # Raw ballots per grade, worst grade first, before any college weighting.
    counts: tuple[int, ...]
    # Competition rank: tied options share a rank and the next rank skips accordingly.
    rank: int


@dataclass(frozen=True, kw_only=True, slots=True)
class MJResult:
    grades: tuple[str, ...]
    options: tuple[MJOptionResult, ...]
    # Groups of tied options, best group first.
    ranking: tuple[tuple[str, ...], ...]
    # None when the best group holds more than one option or when nobody voted.
    winner: str | None
    voters: int
    colleges_counted: tuple[str, ...]
    colleges_dropped: tuple[str, ...]
    # Weight of one judge in each counted college, after renormalising the weights.
    judge_weights: Mapping[str, Fraction]

    def to_dict(self) -> dict[str, JSONValue]:
        return to_jsonable(self)


def tally_majority_judgment(
    *, options: Sequence[str], grades: Sequence[str], colleges: Sequence[MJCollege]
) -> MJResult:
    """Rank options by majority grade, then majority gauge, then repeated median removal.

    Grades are ordered worst to best. Colleges without ballots are dropped and the remaining
    weights renormalised; each judge of college c then weighs w_c / voters_c.
    """
    _validate(options=options, grades=grades, colleges=colleges)
    counted = [college for college in colleges if college.ballots]
    dropped = tuple(college.key for college in colleges if not college.ballots)
    raw = {option: [0] * len(grades) for option in options}
    for college in colleges:
        for ballot in college.ballots:
            for option in options:
                raw[option][ballot.get(option, 0)] += 1

    if not counted:
        return _empty_result(options=options, grades=grades, dropped=dropped, raw=raw)

    voting_weight = sum((Fraction(college.weight) for college in counted), ZERO)
    judge_weights = {
        college.key: Fraction(college.weight) / voting_weight / len(college.ballots)
        for college in counted
    }
    # Expressing every judge as a whole number of equal "units" turns the weighted profile into
    # an unweighted one, so the classic procedure applies unchanged and coincides with it
    # exactly when all judges weigh the same.
    unit = weighted_voter_unit(list(judge_weights.values()))
    units = {option: [0] * len(grades) for option in options}
    for college in counted:
        multiplicity = int(judge_weights[college.key] / unit)
        for ballot in college.ballots:
            for option in options:
                units[option][ballot.get(option, 0)] += multiplicity

    def compare(first: str, second: str) -> int:
        return _compare(units[first], units[second])

    ordered = sorted(options, key=functools.cmp_to_key(compare), reverse=True)
    ranking: list[list[str]] = []
    for option in ordered:
        if ranking and compare(ranking[-1][0], option) == 0:
            ranking[-1].append(option)
        else:
            ranking.append([option])
    ranks = _competition_ranks(ranking)

    results = []
    for option in options:
        profile = units[option]
        total = sum(profile)
        median = _lower_median(profile, total)
        results.append(
            MJOptionResult(
                option=option,
                majority_grade=median,
                majority_grade_label=grades[median],
                p=Fraction(sum(profile[median + 1 :]), total),
                q=Fraction(sum(profile[:median]), total),
                distribution=tuple(Fraction(count, total) for count in profile),
                counts=tuple(raw[option]),
                rank=ranks[option],
            )
        )
    return MJResult(
        grades=tuple(grades),
        options=tuple(results),
        ranking=tuple(tuple(group) for group in ranking),
        winner=ranking[0][0] if len(ranking[0]) == 1 else None,
        voters=sum(len(college.ballots) for college in counted),
        colleges_counted=tuple(college.key for college in counted),
        colleges_dropped=dropped,
        judge_weights=judge_weights,
    )


def _validate(
    *, options: Sequence[str], grades: Sequence[str], colleges: Sequence[MJCollege]
) -> None:
    validate_colleges(colleges)
    if not options:
        raise TallyInputError("at least one option is required")
    if len(set(options)) != len(options):
        raise TallyInputError("options repeat")
    if not grades or len(set(grades)) != len(grades):
        raise TallyInputError("grades must be a non-empty list without repeats")
    known = set(options)
    for college in colleges:
        if len(college.ballots) > college.eligible:
            raise TallyInputError(
                f"college {college.key!r} has {len(college.ballots)} ballots for "
                f"{college.eligible} members on the roll"
            )
        for ballot in college.ballots:
            for option, grade in ballot.items():
                if option not in known:
                    raise TallyInputError(f"ballot in {college.key!r} grades unknown {option!r}")
                if isinstance(grade, bool) or not isinstance(grade, int):
                    raise TallyInputError(f"grade of {option!r} must be an int index")
                if not 0 <= grade < len(grades):
                    raise TallyInputError(f"grade {grade} of {option!r} is off the scale")


def _empty_result(
    *,
    options: Sequence[str],
    grades: Sequence[str],
    dropped: tuple[str, ...],
    raw: Mapping[str, list[int]],
) -> MJResult:
    return MJResult(
        grades=tuple(grades),
        options=tuple(
            MJOptionResult(
                option=option,
                majority_grade=None,
                majority_grade_label=None,
                p=ZERO,
                q=ZERO,
                distribution=tuple(ZERO for _ in grades),
                counts=tuple(raw[option]),
                rank=1,
            )
            for option in options
        ),
        ranking=(tuple(options),),
        winner=None,
        voters=0,
        colleges_counted=(),
        colleges_dropped=dropped,
        judge_weights={},
    )


def _lower_median(profile: Sequence[int], total: int) -> int:
    """The grade at which the cumulative count from the worst first reaches half of the total."""
    cumulative = 0
    for grade, count in enumerate(profile):
        cumulative += count
        if 2 * cumulative >= total:
            return grade
    raise AssertionError("a non-empty profile always has a median")


def _gauge(a_above: int, a_below: int, b_above: int, b_below: int) -> int:
    """Majority gauge: the largest of the four shares decides, p for its option, q against it.

    Returns 0 when the largest share speaks both ways (or for both options), which sends the
    comparison on to the removal of median grades.
    """
    largest = max(a_above, a_below, b_above, b_below)
    a_ahead = largest in (a_above, b_below)
    b_ahead = largest in (b_above, a_below)
    if a_ahead and not b_ahead:
        return 1
    if b_ahead and not a_ahead:
        return -1
    return 0


def _compare(first: Sequence[int], second: Sequence[int]) -> int:
    """Positive when the first profile ranks above the second, 0 on a perfect tie.

    Both profiles hold the same total, since every judge grades every option.
    """
    a, b = list(first), list(second)
    while True:
        total = sum(a)
        if total == 0:
            return 0
        median = _lower_median(a, total)
        other = _lower_median(b, total)
        if median != other:
            return 1 if median > other else -1
        a_above, a_below = sum(a[median + 1 :]), sum(a[:median])
        b_above, b_below = sum(b[median + 1 :]), sum(b[:median])
        decided = _gauge(a_above, a_below, b_above, b_below)
        if decided:
            return decided
        # Removing one median grade at a time leaves both medians and the gauge unchanged until
        # a median moves, so jump straight to the first removal that moves one. A median moves
        # up after total - 2 * above + 1 removals and down after total - 2 * below removals.
        steps = min(
            total - 2 * a_above + 1,
            total - 2 * a_below,
            total - 2 * b_above + 1,
            total - 2 * b_below,
        )
        a[median] -= steps
        b[median] -= steps


def _competition_ranks(ranking: Sequence[Sequence[str]]) -> dict[str, int]:
    ranks: dict[str, int] = {}
    position = 1
    for group in ranking:
        for option in group:
            ranks[option] = position
        position += len(group)
    return ranks
