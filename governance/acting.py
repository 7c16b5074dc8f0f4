"""Who a person acts for in a cooperative: themself, and the legal persons they represent."""

from __future__ import annotations

from functools import cache
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.db.models.expressions import RawSQL

from governance.models import Member, Membership, MembershipStatus, Person, Representative


@cache
def acting_members_sql(cooperative: str = "%s") -> str:
    """The ids of the members a person acts for in one cooperative, as one SELECT: the
    member that is the person (a natural person), and the legal persons whose designation
    of the person as representative is not revoked. The one statement of the rule: the
    ORM filters below and the hand-written statements of the casting path embed it.
    Parameters: `acting_members_params`. A statement that reads the cooperative in a
    column of its own passes that column as `cooperative` (an SQL expression, never a
    value), and `acting_person_params` then.

    Two branches, each read through an index on the person, rather than a join of every
    member of the cooperative to its representatives: a cast looks up one voter, whatever
    the size of the cooperative."""
    members = Member._meta.db_table
    representatives = Representative._meta.db_table
    return (
        f"SELECT am.id FROM {members} am WHERE am.cooperative_id = {cooperative}"
        " AND am.person_id = %s"
        f" UNION ALL SELECT ad.member_id FROM {representatives} ad"
        f" JOIN {members} adm ON adm.id = ad.member_id"
        f" WHERE ad.person_id = %s AND ad.revoked_at IS NULL AND adm.cooperative_id = {cooperative}"
    )


def acting_members_params(cooperative_id: int, person: Person | AnonymousUser) -> list[Any]:
    person_id = getattr(person, "pk", None)
    return [cooperative_id, person_id, person_id, cooperative_id]


def acting_person_params(person: Person | AnonymousUser) -> list[Any]:
    """The parameters of `acting_members_sql` given the cooperative as a column."""
    person_id = getattr(person, "pk", None)
    return [person_id, person_id]


@cache
def active_acting_members_sql(cooperative: str = "%s") -> str:
    """`acting_members_sql` narrowed to the members whose membership is active, as one
    SELECT of their ids. Parameters: `active_acting_members_params`, or with the
    cooperative as a column (`cooperative`), `active_acting_person_params`."""
    memberships = Membership._meta.db_table
    return (
        f"SELECT ac.id FROM ({acting_members_sql(cooperative)}) ac WHERE EXISTS (SELECT 1 FROM"
        f" {memberships} ms WHERE ms.member_id = ac.id AND ms.cooperative_id = {cooperative}"
        " AND ms.status = %s)"
    )


def active_acting_members_params(cooperative_id: int, person: Person | AnonymousUser) -> list[Any]:
    return [*acting_members_params(cooperative_id, person), cooperative_id, MembershipStatus.ACTIVE]


def active_acting_person_params(person: Person | AnonymousUser) -> list[Any]:
    return [*acting_person_params(person), MembershipStatus.ACTIVE]


def acting_members_filter(
    cooperative_id: int, person: Person | AnonymousUser, field: str = "member_id"
) -> Q:
    """A filter on `field` (a member's id) for the members the person acts for."""
    subquery = RawSQL(acting_members_sql(), acting_members_params(cooperative_id, person))
    return Q(**{f"{field}__in": subquery})


def person_acting_for(member: Member, preferred: Any = None) -> Any:
    """The same rule from the member's side: a person who may act for the member now, the
    preferred one if still entitled, else the natural person, else the first representative
    whose designation stands; None when nobody may."""
    if member.person_id:
        return member.person
    people = [
        r.person
        for r in member.representatives.filter(revoked_at__isnull=True)
        .select_related("person")
        .order_by("designated_at", "id")
    ]
    if preferred is not None and any(p.pk == preferred.pk for p in people):
        return preferred
    return people[0] if people else None


def people_acting_for_active_members(cooperative_id: int) -> Q:
    """The same rule from the cooperative's side: a filter on people for those who act for
    at least one of its members whose membership is active (the member that is the
    person, or a legal member whose designation of the person stands)."""
    active = Membership.objects.filter(
        cooperative_id=cooperative_id, status=MembershipStatus.ACTIVE
    ).values("member_id")
    own = Member.objects.filter(cooperative_id=cooperative_id, pk__in=active).values("person_id")
    represented = Representative.objects.filter(
        member_id__in=active, revoked_at__isnull=True
    ).values("person_id")
    return Q(pk__in=own) | Q(pk__in=represented)


def acting_members_anywhere(person: Person) -> Any:
    """The same rule across every cooperative: the members a person acts for, wherever
    they are (a person's to-do list and calendar span their cooperatives)."""
    own = Member.objects.filter(person=person).values("pk")
    represented = Representative.objects.filter(person=person, revoked_at__isnull=True).values(
        "member_id"
    )
    return Member.objects.filter(Q(pk__in=own) | Q(pk__in=represented))
