"""Weighted approval voting across colleges, in exact arithmetic."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
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


@dataclass(frozen=True, kw_only=True, slots=True)
class ApprovalCollege(CollegeInput):
    # Each ballot is the collection of options the voter approves; an empty ballot approves none.
    ballots: Sequence[Collection[str]]


@dataclass(frozen=True, kw_only=True, slots=True)
class ApprovalCollegeResult:
    key: str
    name: str
    eligible: int
    voters: int
    weight: Fraction
    # Weight after renormalising over the colleges that voted; 0 for a college without ballots.
    effective_weight: Fraction
    approvals: Mapping[str, int]


@dataclass(frozen=True, kw_only=True, slots=True)
class ApprovalResult:
    options: tuple[str, ...]
    # score(x) = sum over colleges of effective weight * approvals of x / voters of the college.
    scores: Mapping[str, Fraction]
    # Groups of options with equal scores, best group first.
    ranking: tuple[tuple[str, ...], ...]
    # Options with the highest score, empty when nobody approved anything.
    winners: tuple[str, ...]
    voters: int
    colleges: tuple[ApprovalCollegeResult, ...]
    colleges_dropped: tuple[str, ...]

    def to_dict(self) -> dict[str, JSONValue]:
        return to_jsonable(self)


def tally_approval(
    *, options: Sequence[str], colleges: Sequence[ApprovalCollege]
) -> ApprovalResult:
    """Score each option by its weighted share of approving voters and rank by score."""
    _validate(options=options, colleges=colleges)
    voting_weight = sum((Fraction(c.weight) for c in colleges if c.ballots), ZERO)
    scores = dict.fromkeys(options, ZERO)
    college_results = []
    for college in colleges:
        approvals = dict.fromkeys(options, 0)
        for ballot in college.ballots:
            for option in ballot:
                approvals[option] += 1
        effective = Fraction(college.weight) / voting_weight if college.ballots else ZERO
        for option in options:
            if college.ballots:
                scores[option] += effective * Fraction(approvals[option], len(college.ballots))
        college_results.append(
            ApprovalCollegeResult(
                key=college.key,
                name=college.name,
                eligible=college.eligible,
                voters=len(college.ballots),
                weight=Fraction(college.weight),
                effective_weight=effective,
                approvals=approvals,
            )
        )

    distinct = sorted(set(scores.values()), reverse=True)
    ranking = tuple(
        tuple(option for option in options if scores[option] == score) for score in distinct
    )
    return ApprovalResult(
        options=tuple(options),
        scores=scores,
        ranking=ranking,
        winners=ranking[0] if distinct[0] > 0 else (),
        voters=sum(len(college.ballots) for college in colleges),
        colleges=tuple(college_results),
        colleges_dropped=tuple(college.key for college in colleges if not college.ballots),
    )


def _validate(*, options: Sequence[str], colleges: Sequence[ApprovalCollege]) -> None:
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
            if isinstance(ballot, str):
                raise TallyInputError("an approval ballot is a collection of options")
            listed = list(ballot)
            if len(set(listed)) != len(listed):
                raise TallyInputError(f"ballot in {college.key!r} approves an option twice")
            unknown = set(listed) - known
            if unknown:
                raise TallyInputError(
                    f"ballot in {college.key!r} approves unknown {sorted(unknown)!r}"
                )
