"""Reads of the governance model: current configurations, rolls, histories."""

from __future__ import annotations

from fractions import Fraction

from django.contrib.auth.models import AnonymousUser
from django.db.models import Prefetch, QuerySet
from django.db.models.expressions import RawSQL

from core.models import AuditEntry
from governance.acting import (
    acting_members_filter,
    active_acting_members_params,
    active_acting_members_sql,
)
from governance.models import (
    BoardRole,
    Category,
    College,
    CollegeConfigVersion,
    CollegeWeight,
    Cooperative,
    DecisionRules,
    Member,
    Membership,
    MembershipStatus,
    Observer,
    Person,
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
    """The memberships of a cooperative in the order of their members' names. The members
    are the cooperative's: said in the filter, it lets the database walk the cooperative's
    index of member names (`member_by_name`) and stop at the page, instead of sorting
    every membership for every page."""
    queryset = Membership.objects.filter(
        cooperative=cooperative, member__cooperative=cooperative
    ).select_related("member", "member__person", "category", "college")
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("member__name", "member_id")


def membership_list_by_status(
    cooperative: Cooperative, *, status: str | None = None
) -> QuerySet[Membership]:
    """The memberships of a cooperative (of one status, when given) in (status, id) order:
    the order of the `membership_by_status` index, so that a page is cut from the index
    of the membership table alone, with no sort over the member join, at any size. Within
    a status, memberships come in the order they were filed."""
    queryset = Membership.objects.filter(cooperative=cooperative).select_related(
        "member", "member__person", "category", "college"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("status", "id")


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
        .order_by("name", "id")
    )


def members_acting_person(
    cooperative: Cooperative, person: Person | AnonymousUser, *, active: bool = False
) -> list[Member]:
    """The members a person may act for: themself, and legal persons they represent
    (governance.acting states the rule); with `active`, only those with an active
    membership (the ones with a vote today)."""
    return list(members_acting_queryset(cooperative, person, active=active).order_by("name", "pk"))


def members_acting_queryset(
    cooperative: Cooperative, person: Person | AnonymousUser, *, active: bool = False
) -> QuerySet[Member]:
    """members_acting_person as a queryset, for a caller that reads more in the same
    statement (the booth reads who of them signed in)."""
    if active:
        ids = RawSQL(
            active_acting_members_sql(), active_acting_members_params(cooperative.pk, person)
        )
        return Member.objects.filter(pk__in=ids)
    return Member.objects.filter(acting_members_filter(cooperative.pk, person, "pk"))


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


# Lookups of the API: one record of a cooperative by id, or None when it is not there.


def cooperative_by_slug(slug: str) -> Cooperative | None:
    return Cooperative.objects.filter(slug=slug).first()


def person_by_username_or_id(username_or_id: str) -> Person | None:
    """An active person named by their username, or by their id when given digits."""
    text = str(username_or_id)
    lookup = {"pk": text} if text.isdigit() else {"username": text}
    return Person.objects.filter(is_active=True, **lookup).first()


def category_list(cooperative: Cooperative) -> QuerySet[Category]:
    return Category.objects.filter(cooperative=cooperative).order_by("name")


def category_get(cooperative: Cooperative, pk: int) -> Category | None:
    return Category.objects.filter(cooperative=cooperative, pk=pk).first()


def college_get(cooperative: Cooperative, pk: int) -> College | None:
    return College.objects.filter(cooperative=cooperative, pk=pk).first()


def member_get(cooperative: Cooperative, pk: int) -> Member | None:
    return Member.objects.filter(cooperative=cooperative, pk=pk).first()


def representative_list(member: Member) -> QuerySet[Representative]:
    return member.representatives.select_related("person").order_by("id")


def representative_get(cooperative: Cooperative, member_id: int, pk: int) -> Representative | None:
    return (
        Representative.objects.select_related("member__cooperative", "person")
        # member__pk rather than member_id: an id past the column's range then finds
        # nothing instead of failing in the database driver.
        .filter(member__cooperative=cooperative, member__pk=member_id, pk=pk)
        .first()
    )


def board_role_get(cooperative: Cooperative, pk: int) -> BoardRole | None:
    return BoardRole.objects.select_related("person").filter(cooperative=cooperative, pk=pk).first()


def observer_get(cooperative: Cooperative, pk: int) -> Observer | None:
    return (
        Observer.objects.select_related("person", "cooperative")
        .filter(cooperative=cooperative, pk=pk)
        .first()
    )


def rules_version_get(pk: int) -> RulesVersion:
    return RulesVersion.objects.prefetch_related("kinds").get(pk=pk)


def audit_entry_list(cooperative: Cooperative) -> QuerySet[AuditEntry]:
    """The cooperative's own audit entries, newest first."""
    return (
        AuditEntry.objects.filter(cooperative_id=cooperative.pk)
        .select_related("actor")
        .order_by("-id")
    )


def audit_entry_is_own(cooperative: Cooperative, entry_id: int | None) -> bool:
    """Whether the entry is about the cooperative's own acts (not another's)."""
    return AuditEntry.objects.filter(pk=entry_id or 0, cooperative_id=cooperative.pk).exists()
