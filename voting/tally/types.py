"""Shared enums, dataclasses and exact formatting helpers of the tally engine (percentages
round as core.percent says)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum, StrEnum
from fractions import Fraction
from typing import Any, Protocol

from core.percent import percent_str as percent_str
from governance import vocabulary
from governance.vocabulary import EmptyCollegePolicy as EmptyCollegePolicy
from governance.vocabulary import MajorityBase as MajorityBase
from governance.vocabulary import QuorumMode as QuorumMode
from governance.vocabulary import TallyMethod as TallyMethod

type JSONValue = str | int | bool | list[JSONValue] | dict[str, JSONValue] | None

ZERO = Fraction(0)
ONE = Fraction(1)


class TallyInputError(ValueError):
    """The ballots or rules handed to a tally are inconsistent; the message names the culprit."""


def _require_fraction(value: object, *, what: str) -> None:
    # A float would smuggle binary rounding into the tally, so only exact numbers pass.
    if isinstance(value, bool) or not isinstance(value, Fraction | int):
        raise TallyInputError(f"{what} must be a Fraction or an int, got {type(value).__name__}")


def require_count(value: object, *, what: str) -> None:
    """Refuse anything but a non-negative int as a ballot or roll count."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TallyInputError(f"{what} must be a non-negative int, got {value!r}")


class AppliedEmptyCollegeRule(StrEnum):
    """What the tally actually did about colleges without votes cast."""

    NONE = "none"
    REDISTRIBUTE = "redistribute"
    COUNT_AS_ABSENT = "count_as_absent"
    FAIL = "fail"
    # Under per_registered_member a college without votes adds nothing to either side, so it
    # drops out of the base without any statutory rule being needed.
    DROPPED_BY_METHOD = "dropped_by_method"


@dataclass(frozen=True, kw_only=True, slots=True)
class Threshold:
    """A majority threshold; strict means the share must be above the value, not just reach it."""

    value: Fraction
    strict: bool

    def __post_init__(self) -> None:
        _require_fraction(self.value, what="threshold value")
        if not ZERO <= self.value <= ONE:
            raise TallyInputError(f"threshold value {self.value} is not between 0 and 1")

    def is_met(self, x: Fraction) -> bool:
        return x > self.value if self.strict else x >= self.value


ORDINARY_MAJORITY = Threshold(**vocabulary.ORDINARY_MAJORITY._asdict())
EXTRAORDINARY_MAJORITY = Threshold(**vocabulary.EXTRAORDINARY_MAJORITY._asdict())


class QuorumCollege(Protocol):
    """What the quorum reads of a college: its key, weight and members on the roll."""

    @property
    def key(self) -> str: ...
    @property
    def weight(self) -> Fraction: ...
    @property
    def eligible(self) -> int: ...


@dataclass(frozen=True, kw_only=True, slots=True)
class CollegeInput:
    """One voting college as frozen on the roll; method modules add the ballots."""

    key: str
    name: str
    # Statutory share of all votes; a cooperative without colleges passes one college of weight 1.
    weight: Fraction
    # Members on the frozen roll in this college.
    eligible: int


@dataclass(frozen=True, kw_only=True, slots=True)
class ResolutionRules:
    method: TallyMethod = TallyMethod.PROPORTIONAL
    majority_base: MajorityBase = MajorityBase.VOTES_CAST
    empty_college_policy: EmptyCollegePolicy = EmptyCollegePolicy.REDISTRIBUTE
    quorum_mode: QuorumMode = QuorumMode.ALL_MEMBERS
    # None means the assembly may decide whatever the attendance.
    quorum: Fraction | None = None
    majority: Threshold = ORDINARY_MAJORITY

    def __post_init__(self) -> None:
        if self.quorum is not None:
            _require_fraction(self.quorum, what="quorum")
            if not ZERO <= self.quorum <= ONE:
                raise TallyInputError(f"quorum {self.quorum} is not between 0 and 1")


def validate_colleges(colleges: Sequence[CollegeInput]) -> None:
    """Refuse college lists whose keys repeat, whose weights are not exact or do not sum to 1."""
    if not colleges:
        raise TallyInputError("at least one college is required")
    seen: set[str] = set()
    for college in colleges:
        if college.key in seen:
            raise TallyInputError(f"college key {college.key!r} appears twice")
        seen.add(college.key)
        _require_fraction(college.weight, what=f"weight of college {college.key!r}")
        if not ZERO < college.weight <= ONE:
            raise TallyInputError(
                f"weight of college {college.key!r} is {college.weight}, not in (0, 1]"
            )
        require_count(college.eligible, what=f"eligible count of college {college.key!r}")
    total = sum((Fraction(college.weight) for college in colleges), ZERO)
    if total != ONE:
        raise TallyInputError(f"college weights sum to {total}, not 1")


def weighted_voter_unit(weights: Sequence[Fraction]) -> Fraction:
    """Greatest common divisor of positive fractions, so that every weight is a whole multiple."""
    denominator = math.lcm(*(weight.denominator for weight in weights))
    numerator = math.gcd(*(w.numerator * (denominator // w.denominator) for w in weights))
    return Fraction(numerator, denominator)


def fraction_str(value: Fraction) -> str:
    """Exact "n/d" form, with the denominator always written so that parsers see one shape."""
    value = Fraction(value)
    return f"{value.numerator}/{value.denominator}"


def to_jsonable(obj: object) -> dict[str, JSONValue]:
    """Turn a result dataclass into JSON-safe data, giving each Fraction a parallel _pct key."""
    if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
        raise TypeError(f"expected a dataclass instance, got {type(obj).__name__}")
    out: dict[str, JSONValue] = {}
    for field in dataclasses.fields(obj):
        plain, pct = _encode(getattr(obj, field.name))
        out[field.name] = plain
        # A Fraction field that happens to be None keeps its twin key, so the shape is stable.
        if pct is not None or (plain is None and "Fraction" in str(field.type)):
            out[f"{field.name}_pct"] = pct
    return out


def _encode(value: Any) -> tuple[JSONValue, JSONValue]:
    """Return the plain encoding and, when the value holds fractions, their percent twin."""
    if isinstance(value, Fraction):
        return fraction_str(value), percent_str(value)
    if isinstance(value, Enum):
        return value.value, None
    if value is None or isinstance(value, bool | int | str):
        return value, None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(value), None
    if isinstance(value, Mapping):
        plain_map: dict[str, JSONValue] = {}
        pct_map: dict[str, JSONValue] = {}
        for key, item in value.items():
            plain, pct = _encode(item)
            plain_map[str(key)] = plain
            if pct is not None:
                pct_map[str(key)] = pct
        return plain_map, (pct_map or None)
    if isinstance(value, Sequence):
        plain_list: list[JSONValue] = []
        pct_list: list[JSONValue] = []
        has_pct = False
        for item in value:
            plain, pct = _encode(item)
            plain_list.append(plain)
            pct_list.append(pct)
            has_pct = has_pct or pct is not None
        return plain_list, (pct_list if has_pct else None)
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")
