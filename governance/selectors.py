"""Reads of the governance model: current configurations, rolls, histories."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.db.models import Prefetch, QuerySet

from governance.acting import acting_members_filter
from governance.models import (
    BoardRole,
    College,
    CollegeConfigVersion,
    CollegeWeight,
    Cooperative,
    DecisionRules,
    Member,
    Membership,
    MembershipStatus,
    Observer,
    Representative,
    RulesVersion,
)


def college_config_current(cooperative: Cooperative) -> CollegeConfigVersion | None:
    return (
        CollegeConfigVersion.objects.filter(cooperative=cooperative)
        .prefetch_related(
            Prefetch("weights", queryset=CollegeWeight.objects.select_related("college"))
        )
        .order_by("-number")
        .first()
    )


def college_config_versions(cooperative: Cooperative) -> QuerySet[CollegeConfigVersion]:
    return (
        CollegeConfigVersion.objects.filter(cooperative=cooperative)
        .select_related("created_by")
        .prefetch_related(
            Prefetch("weights", queryset=CollegeWeight.objects.select_related("college"))
        )
        .order_by("-number")
    )


def college_weights(version: CollegeConfigVersion | None) -> dict[int, Fraction]:
    """College id -> exact share of the result (weights in percent become fractions of 1)."""
    if version is None:
        return {}
    return {w.college_id: Fraction(w.weight) / 100 for w in version.weights.all()}


def rules_current(cooperative: Cooperative) -> RulesVersion:
    version = (
        RulesVersion.objects.filter(cooperative=cooperative)
        .prefetch_related("kinds")
        .order_by("-number")
        .first()
    )
    assert version is not None, "every cooperative is created with a first rules version"
    return version


def rules_versions(cooperative: Cooperative) -> QuerySet[RulesVersion]:
    return (
        RulesVersion.objects.filter(cooperative=cooperative)
        .select_related("created_by")
        .prefetch_related("kinds")
        .order_by("-number")
    )


def decision_rules(version: RulesVersion, decision_kind: str) -> DecisionRules:
    for rules in version.kinds.all():
        if rules.decision_kind == decision_kind:
            return rules
    raise LookupError(decision_kind)


def membership_list(cooperative: Cooperative, *, status: str | None = None) -> QuerySet[Membership]:
    queryset = Membership.objects.filter(cooperative=cooperative).select_related(
        "member", "member__person", "category", "college"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("member__name", "id")


def active_roll(cooperative: Cooperative) -> QuerySet[Membership]:
    """Active memberships with their college: what a vote freezes when it opens."""
    return membership_list(cooperative, status=MembershipStatus.ACTIVE)


def member_list(cooperative: Cooperative) -> QuerySet[Member]:
    return (
        Member.objects.filter(cooperative=cooperative)
        .select_related("person")
        .prefetch_related(
            Prefetch(
                "representatives",
                queryset=Representative.objects.filter(revoked_at__isnull=True).select_related(
                    "person"
                ),
                to_attr="active_representatives",
            )
        )
        .order_by("name")
    )


def members_acting_person(
    cooperative: Cooperative, person: Any, *, active: bool = False
) -> list[Member]:
    """The members a person may act for: themself, and legal persons they represent
    (governance.acting states the rule); with `active`, only those with an active
    membership (the ones with a vote today)."""
    members = Member.objects.filter(acting_members_filter(cooperative.pk, person, "pk"))
    if active:
        members = members.filter(
            pk__in=Membership.objects.filter(
                cooperative=cooperative, status=MembershipStatus.ACTIVE
            ).values("member_id")
        )
    return list(members.order_by("name", "pk"))


def board_role_list(cooperative: Cooperative, *, include_past: bool = False) -> QuerySet[BoardRole]:
    """The seats of the board: those sitting today, or with `include_past` every one."""
    seats = BoardRole.objects.all() if include_past else BoardRole.objects.sitting()
    queryset = seats.filter(cooperative=cooperative).select_related("person")
    return queryset.order_by("role", "person__username")


def observer_list(cooperative: Cooperative, *, include_past: bool = False) -> QuerySet[Observer]:
    queryset = Observer.objects.filter(cooperative=cooperative).select_related("person")
    if not include_past:
        queryset = queryset.filter(revoked_at__isnull=True)
    return queryset.order_by("organisation", "person__username")


def college_list(cooperative: Cooperative) -> QuerySet[College]:
    return College.objects.filter(cooperative=cooperative, is_active=True).order_by("position")
