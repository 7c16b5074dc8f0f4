"""The words of the governance rules and the legal majorities, defined once for every app."""

from __future__ import annotations

from fractions import Fraction
from typing import NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _


class TallyMethod(models.TextChoices):
    PROPORTIONAL = "proportional", _("Proportional")
    WINNER_TAKE_ALL = "winner_take_all", _("Winner takes the college")
    PER_REGISTERED_MEMBER = "per_registered_member", _("Per registered member")


class MajorityBase(models.TextChoices):
    """What the majority is a share of, for one decision kind and one call."""

    # Votes cast: abstentions, blank and null ballots stay out of the base (SA form since
    # loi 2019-744).
    VOTES_CAST = "votes_cast", _("Votes cast (abstentions are not votes cast)")
    # Members present or represented: abstentions are added to the votes against (SARL
    # default).
    PRESENT = "present", _("Members present or represented (abstentions count as against)")
    # Every member on the roll: whoever does not vote for counts against (SARL ordinary
    # decisions on the first consultation). With colleges, every member of a college on
    # the roll is in that college's denominator.
    ALL_MEMBERS = "all_members", _("All members on the roll (not voting counts as against)")


class EmptyCollegePolicy(models.TextChoices):
    REDISTRIBUTE = "redistribute", _("Redistribute its weight")
    COUNT_AS_ABSENT = "count_as_absent", _("Count its weight as absent")
    FAIL = "fail", _("The vote fails")


class QuorumMode(models.TextChoices):
    ALL_MEMBERS = "all_members", _("Over all members")
    WEIGHTED = "weighted", _("Weighted by college")
    PER_COLLEGE = "per_college", _("Each college on its own")


class Majority(NamedTuple):
    """A majority threshold; strict means the share must be above the value, not reach it."""

    value: Fraction
    strict: bool


# More than half of the votes (ordinary decisions); at least two thirds (extraordinary).
ORDINARY_MAJORITY = Majority(Fraction(1, 2), strict=True)
EXTRAORDINARY_MAJORITY = Majority(Fraction(2, 3), strict=False)
