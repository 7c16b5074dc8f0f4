"""Reads of onboarding: invitations and applications of one cooperative, for its board."""

from __future__ import annotations

from django.db.models import QuerySet

from governance.models import Cooperative, Membership, MembershipStatus
from onboarding.models import Invitation


def invitation_list(cooperative: Cooperative) -> QuerySet[Invitation]:
    return (
        Invitation.objects.filter(cooperative=cooperative)
        .select_related("person", "member", "created_by")
        .order_by("-created_at", "-pk")
    )


def application_list(
    cooperative: Cooperative, *, status: str | None = None
) -> QuerySet[Membership]:
    """Applications (memberships filed and not yet decided, by default), with the
    candidate's message when they applied from the public page."""
    queryset = (
        Membership.objects.filter(cooperative=cooperative)
        .select_related("member", "member__person", "college", "category", "application")
        .order_by("applied_at", "pk")
    )
    return queryset.filter(status=status or MembershipStatus.APPLICANT)
