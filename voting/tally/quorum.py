"""The quorum: the attendance it is measured by, college by college or overall."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from fractions import Fraction

from voting.tally.types import (
    ZERO,
    QuorumCollege,
    QuorumMode,
)


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
