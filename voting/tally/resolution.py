"""Weighted tally of an assembly resolution (for / against / abstain) across colleges.

Its inputs and results are in voting.tally.resolution_types, the quorum in voting.tally.quorum."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from voting.tally.quorum import college_turnout, quorum_ratio
from voting.tally.resolution_types import (
    CollegeResult,
    QuorumBasis,
    ResolutionCollege,
    ResolutionOutcome,
    ResolutionResult,
    ResolutionTotals,
)
from voting.tally.types import (
    ZERO,
    AppliedEmptyCollegeRule,
    EmptyCollegePolicy,
    MajorityBase,
    ResolutionRules,
    TallyInputError,
    TallyMethod,
    require_count,
    validate_colleges,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class _Count:
    college: ResolutionCollege
    cast: int
    against: int

    @property
    def is_empty(self) -> bool:
        return self.cast == 0 or self.college.eligible == 0


@dataclass(frozen=True, kw_only=True, slots=True)
class _Share:
    effective_weight: Fraction
    contribution: Fraction
    against_contribution: Fraction


def tally_resolution(
    *, colleges: Sequence[ResolutionCollege], rules: ResolutionRules
) -> ResolutionResult:
    """Tally one resolution exactly; raises TallyInputError on inconsistent counts or weights.

    A single college stands for a cooperative without colleges: the assembly is then one
    member, one vote, whatever method the rules name, since a method only says how colleges
    are combined, and no empty-college policy applies.
    """
    _validate(colleges)
    counts = []
    for college in colleges:
        cast, opposed = _base(college, rules.majority_base)
        counts.append(_Count(college=college, cast=cast, against=opposed))

    one_member_one_vote = len(counts) == 1
    empty = tuple(count.college.key for count in counts if count.is_empty)
    if one_member_one_vote:
        # Yes over the base of the whole roll; every policy gives this with one college, but
        # the headcount is computed directly so that no method can bend it.
        shares = _headcount(counts[0])
    elif rules.method == TallyMethod.PER_REGISTERED_MEMBER:
        shares = _per_registered_member(counts)
    else:
        shares = _by_college(counts, rules)
    computed_support = sum((share.contribution for share in shares), ZERO)
    computed_against = sum((share.against_contribution for share in shares), ZERO)
    applied = _applied_rule(rules, has_empty=bool(empty), one_member_one_vote=one_member_one_vote)
    # Under `fail` a silent college stops the resolution, so no support is decided; when
    # every college is silent there is nothing to weigh and the support is plainly zero.
    decided = applied != AppliedEmptyCollegeRule.FAIL or len(empty) == len(counts)
    support = computed_support if decided else None
    against = computed_against if decided else None

    turnouts = [_turnout(count.college) for count in counts]
    ratio, lowest = quorum_ratio(
        colleges, {c.key: c.taking_part for c in colleges}, rules.quorum_mode
    )
    quorum_reached = rules.quorum is None or ratio >= rules.quorum

    # Attendance is checked first because without quorum the assembly cannot decide at all.
    if not quorum_reached:
        outcome = ResolutionOutcome.QUORUM_NOT_REACHED
    elif len(empty) == len(counts) or not any(count.college.voted for count in counts):
        outcome = ResolutionOutcome.NO_VOTES_CAST
    elif support is None:
        outcome = ResolutionOutcome.EMPTY_COLLEGE
    elif rules.majority.is_met(support):
        outcome = ResolutionOutcome.ADOPTED
    else:
        outcome = ResolutionOutcome.REJECTED

    return ResolutionResult(
        outcome=outcome,
        adopted=outcome == ResolutionOutcome.ADOPTED,
        support=support,
        against=against,
        informative_support=None if decided else computed_support,
        informative_against=None if decided else computed_against,
        majority=rules.majority,
        method=rules.method,
        one_member_one_vote=one_member_one_vote,
        majority_base=rules.majority_base,
        empty_college_policy=rules.empty_college_policy,
        empty_college_policy_applied=applied,
        empty_colleges=empty,
        quorum_mode=rules.quorum_mode,
        quorum_basis=(
            QuorumBasis.ATTENDANCE
            if any(count.college.attending is not None for count in counts)
            else QuorumBasis.BALLOTS
        ),
        quorum_ratio=ratio,
        quorum_required=rules.quorum,
        quorum_reached=quorum_reached,
        quorum_lowest_college=lowest,
        totals=ResolutionTotals(
            eligible=sum(count.college.eligible for count in counts),
            voted=sum(count.college.voted for count in counts),
            attending=sum(count.college.taking_part for count in counts),
            yes=sum(count.college.yes for count in counts),
            no=sum(count.college.no for count in counts),
            abstain=sum(count.college.abstain for count in counts),
            cast=sum(count.cast for count in counts),
            against=sum(count.against for count in counts),
        ),
        colleges=tuple(
            CollegeResult(
                key=count.college.key,
                name=count.college.name,
                eligible=count.college.eligible,
                voted=count.college.voted,
                attending=count.college.taking_part,
                yes=count.college.yes,
                no=count.college.no,
                abstain=count.college.abstain,
                cast=count.cast,
                against=count.against,
                is_empty=count.is_empty,
                share=None if count.is_empty else Fraction(count.college.yes, count.cast),
                weight=Fraction(count.college.weight),
                effective_weight=share.effective_weight,
                contribution=share.contribution,
                against_contribution=share.against_contribution,
                quorum_ratio=turnout,
            )
            for count, share, turnout in zip(counts, shares, turnouts, strict=True)
        ),
    )


def _validate(colleges: Sequence[ResolutionCollege]) -> None:
    validate_colleges(colleges)
    for college in colleges:
        for what in ("yes", "no", "abstain"):
            require_count(getattr(college, what), what=f"{what} count of college {college.key!r}")
        if college.voted > college.eligible:
            raise TallyInputError(
                f"college {college.key!r} has {college.voted} votes for "
                f"{college.eligible} members on the roll"
            )
        if college.attending is not None:
            require_count(college.attending, what=f"attending count of college {college.key!r}")
            # Whoever cast a ballot (in person, by post or through a proxy) took part.
            if not college.voted <= college.attending <= college.eligible:
                raise TallyInputError(
                    f"college {college.key!r} has {college.attending} members attending for "
                    f"{college.voted} votes and {college.eligible} members on the roll"
                )


def _base(college: ResolutionCollege, base: MajorityBase) -> tuple[int, int]:
    """The size of the college's base and the votes against in it, under the rules' base."""
    if base == MajorityBase.ALL_MEMBERS:
        # Whoever is on the roll and did not vote for, whether against, abstaining or absent,
        # withholds the majority.
        return college.eligible, college.eligible - college.yes
    if base == MajorityBase.PRESENT:
        opposed = college.no + college.abstain
        return college.yes + opposed, opposed
    return college.yes + college.no, college.no


def _headcount(count: _Count) -> list[_Share]:
    """One member, one vote: the share of yes in the base of the single group."""
    if count.is_empty:
        return [_Share(effective_weight=ZERO, contribution=ZERO, against_contribution=ZERO)]
    return [
        _Share(
            effective_weight=Fraction(count.college.weight),
            contribution=Fraction(count.college.yes, count.cast),
            against_contribution=Fraction(count.against, count.cast),
        )
    ]


def _by_college(counts: Sequence[_Count], rules: ResolutionRules) -> list[_Share]:
    """Proportional and winner-take-all: each college's result is scaled by its weight."""
    voting_weight = sum((Fraction(c.college.weight) for c in counts if not c.is_empty), ZERO)
    shares = []
    for count in counts:
        weight = Fraction(count.college.weight)
        if rules.empty_college_policy != EmptyCollegePolicy.REDISTRIBUTE:
            # count_as_absent keeps statutory weights; fail keeps them too, so the support
            # reported beside the failure shows what the college's silence cost.
            effective = weight
        elif count.is_empty:
            effective = ZERO
        else:
            effective = weight / voting_weight
        if count.is_empty:
            shares.append(
                _Share(effective_weight=effective, contribution=ZERO, against_contribution=ZERO)
            )
            continue
        yes, against = count.college.yes, count.against
        if rules.method == TallyMethod.PROPORTIONAL:
            pro = effective * Fraction(yes, count.cast)
            con = effective * Fraction(against, count.cast)
        elif yes > against:
            pro, con = effective, ZERO
        elif yes < against:
            pro, con = ZERO, effective
        else:
            pro = con = effective / 2
        shares.append(
            _Share(effective_weight=effective, contribution=pro, against_contribution=con)
        )
    return shares


def _per_registered_member(counts: Sequence[_Count]) -> list[_Share]:
    """Each member of college c carries w_c / eligible_c, so turnout scales the college's say."""
    yes_mass = []
    against_mass = []
    for count in counts:
        if count.is_empty:
            yes_mass.append(ZERO)
            against_mass.append(ZERO)
        else:
            member_weight = Fraction(count.college.weight) / count.college.eligible
            yes_mass.append(member_weight * count.college.yes)
            against_mass.append(member_weight * count.against)
    base = sum(yes_mass, ZERO) + sum(against_mass, ZERO)
    if base == 0:
        return [
            _Share(effective_weight=ZERO, contribution=ZERO, against_contribution=ZERO)
            for _ in counts
        ]
    return [
        _Share(
            effective_weight=(pro + con) / base,
            contribution=pro / base,
            against_contribution=con / base,
        )
        for pro, con in zip(yes_mass, against_mass, strict=True)
    ]


def _turnout(college: ResolutionCollege) -> Fraction:
    return college_turnout(college.eligible, college.taking_part)


def _applied_rule(
    rules: ResolutionRules, *, has_empty: bool, one_member_one_vote: bool
) -> AppliedEmptyCollegeRule:
    if not has_empty or one_member_one_vote:
        # Without colleges there is no college to redistribute or to fail: an empty roll
        # or a silent assembly is reported as no votes cast.
        return AppliedEmptyCollegeRule.NONE
    policy = rules.empty_college_policy
    if policy == EmptyCollegePolicy.FAIL:
        return AppliedEmptyCollegeRule.FAIL
    if rules.method == TallyMethod.PER_REGISTERED_MEMBER:
        # Redistribution and counting as absent are both moot: silent members add nothing
        # to either side of Y / (Y + A).
        return AppliedEmptyCollegeRule.DROPPED_BY_METHOD
    if policy == EmptyCollegePolicy.COUNT_AS_ABSENT:
        return AppliedEmptyCollegeRule.COUNT_AS_ABSENT
    return AppliedEmptyCollegeRule.REDISTRIBUTE
