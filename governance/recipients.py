"""Who receives a member's notices: the member, or the representatives of a legal person."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet

from governance.models import Member, Representative


def people_of_members(member_ids: QuerySet[Any]) -> QuerySet[Any]:
    """The ids of the people who act for the members `member_ids` selects (a values()
    queryset of member ids): natural persons themselves and the active representatives of
    legal persons. One query, whatever the number of members."""
    own = Member.objects.filter(pk__in=member_ids, person__isnull=False).values("person_id")
    represented = Representative.objects.filter(
        member_id__in=member_ids, revoked_at__isnull=True
    ).values("person_id")
    return (
        get_user_model()
        .objects.filter(Q(pk__in=own) | Q(pk__in=represented), is_active=True)
        .values("pk")
    )


def people_of_cooperative(cooperative_id: int) -> QuerySet[Any]:
    """The people who act for the active members of a cooperative."""
    from governance.models import Membership, MembershipStatus

    members = Membership.objects.filter(
        cooperative_id=cooperative_id, status=MembershipStatus.ACTIVE
    ).values("member_id")
    return people_of_members(members)
