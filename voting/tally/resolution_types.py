"""What a resolution's tally reads (one college's counts) and what it returns."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

from voting.tally.types import (
    EXTRAORDINARY_MAJORITY,
    ORDINARY_MAJORITY,
    AppliedEmptyCollegeRule,
    CollegeInput,
    EmptyCollegePolicy,
    JSONValue,
    MajorityBase,
    QuorumMode,
    TallyMethod,
    Threshold,
    to_jsonable,
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
