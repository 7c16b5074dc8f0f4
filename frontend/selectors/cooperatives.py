"""Reads for the cooperative pages: one's cooperatives and roles, organisations, dashboards."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import F, Prefetch
from django.utils import formats, timezone

from deliberation import selectors as deliberation_selectors
from deliberation.models import (
    ProposalStatus,
)
from governance.models import (
    Cooperative,
    Membership,
    MembershipStatus,
    Observer,
    Person,
    Representative,
)
from governance.permissions import (
    CooperativeRole,
    Viewer,
    cooperative_roles,
    cooperatives_readable_by,
)
from voting.explain import explain
from voting.models import (
    Decision,
    VoteStatus,
)
from voting.permissions import (
    vote_visible_queryset,
)


@dataclass(frozen=True)
class CooperativeEntry:
    cooperative: Cooperative
    role: CooperativeRole


def cooperatives_with_roles(person: Viewer) -> list[CooperativeEntry]:
    """Every cooperative the person may read, with their role, in a fixed number of queries.

    The roles come from the same grants as `cooperative_role` (the board's term
    included), read once for all the cooperatives.
    """
    cooperatives = list(cooperatives_readable_by(person).order_by("name"))
    if not cooperatives:
        return []

    roles = cooperative_roles(person)
    return [CooperativeEntry(c, roles.get(c.pk, CooperativeRole())) for c in cooperatives]


@dataclass
class Representation:
    """A person acting for an organisation in one cooperative, or observing it for one."""

    cooperative: Cooperative
    organisation: str
    organisation_type: str = ""
    organisation_type_label: str = ""
    membership: Membership | None = None
    is_observer: bool = False
    open_items: list[OpenItem] = field(default_factory=list)


def representations_of(person: Person) -> list[Representation]:
    """The organisations a person represents (with their open membership) and observes for."""
    open_memberships = Membership.objects.filter(
        status__in=[MembershipStatus.ACTIVE, MembershipStatus.APPLICANT]
    ).select_related("college", "category")
    representatives = (
        Representative.objects.filter(person=person, revoked_at__isnull=True)
        .select_related("member", "member__cooperative")
        .prefetch_related(
            Prefetch("member__memberships", queryset=open_memberships, to_attr="open_memberships")
        )
        .order_by("member__cooperative__name", "member__name")
    )
    rows: list[Representation] = []
    for rep in representatives:
        member = rep.member
        memberships = member.open_memberships  # type: ignore[attr-defined]
        rows.append(
            Representation(
                cooperative=member.cooperative,
                organisation=member.name,
                organisation_type=member.organisation_type,
                organisation_type_label=member.get_organisation_type_display(),
                membership=memberships[0] if memberships else None,
            )
        )
    observers = (
        Observer.objects.filter(person=person, revoked_at__isnull=True)
        .select_related("cooperative")
        .order_by("cooperative__name")
    )
    rows.extend(
        Representation(cooperative=o.cooperative, organisation=o.organisation, is_observer=True)
        for o in observers
    )
    open_items: dict[int, list[OpenItem]] = {}
    for row in rows:
        if row.cooperative.pk not in open_items:
            open_items[row.cooperative.pk] = open_to(person, row.cooperative)
        row.open_items = open_items[row.cooperative.pk]
    return rows


@dataclass(frozen=True)
class OpenItem:
    title: str
    url: str
    note: str = ""


def open_to(person: Viewer, cooperative: Cooperative) -> list[OpenItem]:
    """Open votes and proposals in debate that the person may see in one cooperative."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    items = [
        OpenItem(
            vote.title,
            reverse("frontend:vote", kwargs={"pk": vote.pk}),
            _("vote open")
            if vote.closes_at is None
            else _("vote open until %(date)s")
            % {
                "date": formats.date_format(
                    timezone.localtime(vote.closes_at), "SHORT_DATETIME_FORMAT"
                )
            },
        )
        for vote in vote_visible_queryset(person, cooperative)
        .filter(status=VoteStatus.OPEN)
        .order_by("closes_at", "id")[:20]
    ]
    items += [
        OpenItem(
            proposal.title, reverse("frontend:proposal", kwargs={"pk": proposal.pk}), _("in debate")
        )
        for proposal in deliberation_selectors.proposal_list(
            person, cooperative, status=ProposalStatus.IN_DELIBERATION
        )[:20]
    ]
    return items


def cooperative_dashboard(
    person: Viewer, cooperative: Cooperative, role: CooperativeRole
) -> dict[str, Any]:
    """A cooperative's home: proposals in debate, votes by closing time, recent decisions."""
    from frontend.selectors.agenda import mark_votes

    votes = mark_votes(
        person,
        cooperative,
        vote_visible_queryset(person, cooperative).filter(status=VoteStatus.OPEN),
    )
    decisions: list[Any] = []
    if role.is_board or role.is_member:
        decisions = list(
            Decision.objects.filter(
                cooperative=cooperative, vote__in=vote_visible_queryset(person, cooperative)
            )
            .select_related("vote", "proposal")
            .order_by("-decided_at", "-id")[:10]
        )
        for decision in decisions:
            decision.explained = explain(  # type: ignore[attr-defined]
                decision.result["explanation_parts"]
            )
    return {
        "open_proposals": list(
            deliberation_selectors.proposal_list(
                person, cooperative, status=ProposalStatus.IN_DELIBERATION
            )[:10]
        ),
        "open_votes": list(
            votes.select_related("proposal").order_by(F("closes_at").asc(nulls_last=True), "id")[
                :10
            ]
        ),
        "decisions": decisions,
    }
