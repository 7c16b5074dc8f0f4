"""Schulze method over ranked ballots with college-weighted voters, in exact arithmetic."""

from __future__ import annotations

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
)

# A ballot lists groups of options of equal rank, best group first; options left out rank
# together below every listed option.
type RankedBallot = Sequence[Sequence[str]]


@dataclass(frozen=True, kw_only=True, slots=True)
class RankedCollege(CollegeInput):
    ballots: Sequence[RankedBallot]


@dataclass(frozen=True, kw_only=True, slots=True)
class SchulzeResult:
    options: tuple[str, ...]
    # d[x][y]: weighted share of voters preferring x to y; each voter of college c weighs
    # w_c / voters_c after renormalising the weights of colleges that voted.
    d: Mapping[str, Mapping[str, Fraction]]
    # Unweighted number of ballots preferring x to y, for the minutes.
    raw_d: Mapping[str, Mapping[str, int]]
    # p[x][y]: strength of the strongest path from x to y (widest path over winning links).
    p: Mapping[str, Mapping[str, Fraction]]
    # Groups of tied options, best group first.
    ranking: tuple[tuple[str, ...], ...]
    # Options no other option beats; empty when nobody voted.
    winners: tuple[str, ...]
    voters: int
    colleges_counted: tuple[str, ...]
    colleges_dropped: tuple[str, ...]

    def to_dict(self) -> dict[str, JSONValue]:
        return to_jsonable(self)


def tally_schulze(*, options: Sequence[str], colleges: Sequence[RankedCollege]) -> SchulzeResult:
    """Compute pairwise preferences, strongest paths (Floyd-Warshall) and the Schulze ranking."""
    _validate(options=options, colleges=colleges)
    counted = [college for college in colleges if college.ballots]
    dropped = tuple(college.key for college in colleges if not college.ballots)
    voting_weight = sum((Fraction(college.weight) for college in counted), ZERO)

    d = {x: {y: ZERO for y in options if y != x} for x in options}
    raw_d = {x: {y: 0 for y in options if y != x} for x in options}
    for college in counted:
        college_counts = {x: {y: 0 for y in options if y != x} for x in options}
        for ballot in college.ballots:
            position = _positions(ballot, options)
            for x in options:
                for y in options:
                    if x != y and position[x] < position[y]:
                        college_counts[x][y] += 1
        voter_weight = Fraction(college.weight) / voting_weight / len(college.ballots)
        for x in options:
            for y in options:
                if x != y:
                    raw_d[x][y] += college_counts[x][y]
                    d[x][y] += voter_weight * college_counts[x][y]

    p = _strongest_paths(options, d)
    ranking = _ranking(options, p)
    return SchulzeResult(
        options=tuple(options),
        d=d,
        raw_d=raw_d,
        p=p,
        ranking=ranking,
        winners=ranking[0] if counted else (),
        voters=sum(len(college.ballots) for college in counted),
        colleges_counted=tuple(college.key for college in counted),
        colleges_dropped=dropped,
    )


def _validate(*, options: Sequence[str], colleges: Sequence[RankedCollege]) -> None:
    validate_colleges(colleges)
    if not options:
        raise TallyInputError("at least one option is required")
    if len(set(options)) != len(options):
        raise TallyInputError("options repeat")
    known = set(options)
    for college in colleges:
        if len(college.ballots) > college.eligible:
            raise TallyInputError(
                f"college {college.key!r} has {len(college.ballots)} ballots for "
                f"{college.eligible} members on the roll"
            )
        for ballot in college.ballots:
            seen: set[str] = set()
            for group in ballot:
                if isinstance(group, str):
                    raise TallyInputError("a ranked ballot is a list of groups of options")
                for option in group:
                    if option not in known:
                        raise TallyInputError(f"ballot in {college.key!r} ranks unknown {option!r}")
                    if option in seen:
                        raise TallyInputError(f"ballot in {college.key!r} ranks {option!r} twice")
                    seen.add(option)


def _positions(ballot: RankedBallot, options: Sequence[str]) -> dict[str, int]:
    groups = [group for group in ballot if group]
    position = {option: len(groups) for option in options}
    for rank, group in enumerate(groups):
        for option in group:
            position[option] = rank
    return position


def _strongest_paths(
    options: Sequence[str], d: Mapping[str, Mapping[str, Fraction]]
) -> dict[str, dict[str, Fraction]]:
    """Widest paths, a link x -> y having strength d[x][y] only when x beats y (winning votes)."""
    p = {
        x: {y: (d[x][y] if d[x][y] > d[y][x] else ZERO) for y in options if y != x} for x in options
    }
    for i in options:
        for j in options:
            if j == i:
                continue
            for k in options:
                if k in (i, j):
                    continue
                p[j][k] = max(p[j][k], min(p[j][i], p[i][k]))
    return p


def _ranking(
    options: Sequence[str], p: Mapping[str, Mapping[str, Fraction]]
) -> tuple[tuple[str, ...], ...]:
    """Peel off, layer by layer, the options that no remaining option beats.

    Schulze proves that "x beats y" (p[x][y] > p[y][x]) is transitive, so each layer is
    non-empty and the layers form a ranking with ties.
    """
    remaining = list(options)
    ranking = []
    while remaining:
        layer = tuple(
            x for x in remaining if not any(p[y][x] > p[x][y] for y in remaining if y != x)
        )
        ranking.append(layer)
        remaining = [x for x in remaining if x not in layer]
    return tuple(ranking)
