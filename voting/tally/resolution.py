"""Weighted tally of an assembly resolution (for / against / abstain) across colleges."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from voting.tally.types import (
    EXTRAORDINARY_MAJORITY,
    ORDINARY_MAJORITY,
    ZERO,
    AppliedEmptyCollegeRule,
    CollegeInput,
    EmptyCollegePolicy,
    JSONValue,
    MajorityBase,
    QuorumCollege,
    QuorumMode,
    ResolutionRules,
    TallyInputError,
    TallyMethod,
    Threshold,
    require_count,
    to_jsonable,
    validate_colleges,
)


@dataclass(frozen=True, kw_only=True, slots=True)
class ResolutionCollege(CollegeInput):
    yes: int
    no: int
    # Abstentions include blank and null ballots: all three are treated alike by the law.
    abstain: int
    # Members counted as taking part (present, remote, represented, postal) when the quorum
    # is established by attendance; None means the ballots establish it.
    attending: int | None = None

    @property
    def voted(self) -> int:
        return self.yes + self.no + self.abstain

    @property
    def taking_part(self) -> int:
        """The count the quorum ratio is computed from."""
        return self.voted if self.attending is None else self.attending


class QuorumBasis(StrEnum):
    # The quorum counts the members who take part in the assembly, voting or not.
    ATTENDANCE = "attendance"
    # The quorum counts the ballots of the vote itself.
    BALLOTS = "ballots"


class ResolutionOutcome(StrEnum):
    ADOPTED = "adopted"
    REJECTED = "rejected"
    QUORUM_NOT_REACHED = "quorum_not_reached"
    EMPTY_COLLEGE = "empty_college"
    NO_VOTES_CAST = "no_votes_cast"


@dataclass(frozen=True, kw_only=True, slots=True)
class CollegeResult:
    key: str
    name: str
    eligible: int
    voted: int
    # Members taking part for the quorum: attendance when given, otherwise the ballots.
    attending: int
    yes: int
    no: int
    abstain: int
    # Size of the base: yes + no, plus abstentions when they count against, or every
    # member on the roll when the base is all members.
    cast: int
    # Votes against in the base: no, plus abstentions when they count against, plus the
    # members who did not vote when the base is all members.
    against: int
    is_empty: bool
    # yes / cast inside the college, None when nothing was cast.
    share: Fraction | None
    weight: Fraction
    effective_weight: Fraction
    contribution: Fraction
    against_contribution: Fraction
    quorum_ratio: Fraction


@dataclass(frozen=True, kw_only=True, slots=True)
class ResolutionTotals:
    eligible: int
    voted: int
    attending: int
    yes: int
    no: int
    abstain: int
    cast: int
    against: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ResolutionExplanation:
    """Facts a caller needs to word the result in any language."""

    outcome: ResolutionOutcome
    adopted: bool
    # None when no support was decided (a college without votes failed the resolution).
    support: Fraction | None
    against: Fraction | None
    # The figure computed when no support was decided, shown for information only.
    informative_support: Fraction | None
    majority_value: Fraction
    majority_strict: bool
    is_ordinary_majority: bool
    is_extraordinary_majority: bool
    method: TallyMethod
    one_member_one_vote: bool
    majority_base: MajorityBase
    empty_college_policy_applied: AppliedEmptyCollegeRule
    empty_colleges: tuple[str, ...]
    empty_college_names: tuple[str, ...]
    quorum_mode: QuorumMode
    quorum_basis: QuorumBasis
    quorum_ratio: Fraction
    quorum_required: Fraction | None
    quorum_reached: bool
    quorum_lowest_college_name: str | None
    eligible: int
    voted: int
    attending: int
    college_count: int

    def to_dict(self) -> dict[str, JSONValue]:
        return to_jsonable(self)


@dataclass(frozen=True, kw_only=True, slots=True)
class ResolutionResult:
    outcome: ResolutionOutcome
    adopted: bool
    # The support the decision rests on; None when the `fail` rule for a college without
    # votes applied, because then no support was decided.
    support: Fraction | None
    against: Fraction | None
    # Set only when `support` is None: what the support would have been with the statutory
    # weights, for information; it decides nothing.
    informative_support: Fraction | None
    informative_against: Fraction | None
    majority: Threshold
    # The method the rules name; it only says how colleges are combined.
    method: TallyMethod
    # True without colleges (one group on the roll): the count is one member, one vote and
    # neither the method nor the empty-college policy applies.
    one_member_one_vote: bool
    majority_base: MajorityBase
    empty_college_policy: EmptyCollegePolicy
    empty_college_policy_applied: AppliedEmptyCollegeRule
    empty_colleges: tuple[str, ...]
    quorum_mode: QuorumMode
    quorum_basis: QuorumBasis
    quorum_ratio: Fraction
    quorum_required: Fraction | None
    quorum_reached: bool
    # Only set in per_college mode: the college whose turnout is the quorum ratio.
    quorum_lowest_college: str | None
    totals: ResolutionTotals
    colleges: tuple[CollegeResult, ...]

    def to_dict(self) -> dict[str, JSONValue]:
        return to_jsonable(self)

    def explanation_parts(self) -> ResolutionExplanation:
        names = {college.key: college.name for college in self.colleges}
        return ResolutionExplanation(
            outcome=self.outcome,
            adopted=self.adopted,
            support=self.support,
            against=self.against,
            informative_support=self.informative_support,
            majority_value=self.majority.value,
            majority_strict=self.majority.strict,
            is_ordinary_majority=self.majority == ORDINARY_MAJORITY,
            is_extraordinary_majority=self.majority == EXTRAORDINARY_MAJORITY,
            method=self.method,
            one_member_one_vote=self.one_member_one_vote,
            majority_base=self.majority_base,
            empty_college_policy_applied=self.empty_college_policy_applied,
            empty_colleges=self.empty_colleges,
            empty_college_names=tuple(names[key] for key in self.empty_colleges),
            quorum_mode=self.quorum_mode,
            quorum_basis=self.quorum_basis,
            quorum_ratio=self.quorum_ratio,
            quorum_required=self.quorum_required,
            quorum_reached=self.quorum_reached,
            quorum_lowest_college_name=(
                names[self.quorum_lowest_college] if self.quorum_lowest_college else None
            ),
            eligible=self.totals.eligible,
            voted=self.totals.voted,
            attending=self.totals.attending,
            college_count=len(self.colleges),
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


def college_turnout(eligible: int, taking_part: int) -> Fraction:
    return Fraction(taking_part, eligible) if eligible else ZERO


def quorum_ratio(
    colleges: Sequence[QuorumCollege], taking_part: Mapping[str, int], mode: QuorumMode
) -> tuple[Fraction, str | None]:
    """The attendance the quorum is measured by, in the rules' mode, and in per-college
    mode the college whose turnout it is. Participation counts every ballot, abstentions
    included, whatever the base of the count, or every member taking part when the
    attendance is given. The one computation of it: every method's tally and the
    assemblies' attendance read it."""
    if mode == QuorumMode.ALL_MEMBERS:
        eligible = sum(college.eligible for college in colleges)
        part = sum(taking_part[college.key] for college in colleges)
        return (Fraction(part, eligible) if eligible else ZERO), None
    turnouts = [(college_turnout(c.eligible, taking_part[c.key]), c.key) for c in colleges]
    if mode == QuorumMode.WEIGHTED:
        weighted = (Fraction(c.weight) * t for c, (t, _key) in zip(colleges, turnouts, strict=True))
        return sum(weighted, ZERO), None
    # Ties go to the smallest key so that the reported college does not depend on input order.
    ratio, key = min(turnouts)
    return ratio, key


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
