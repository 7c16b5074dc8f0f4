"""Who may see and act on proposals, amendments and comments: predicates and loaders."""

from __future__ import annotations

from django.db import connection
from django.db.models import Q, QuerySet

from core.errors import NotFound
from deliberation.models import (
    Amendment,
    Comment,
    Proposal,
    ProposalStatus,
    ProposalUserPermission,
    ProposalVisibility,
)
from governance.models import Cooperative
from governance.permissions import CooperativeRole, Viewer, cooperative_role

PERM_MODERATE = "moderate_proposal"
MAX_ID = 2**63 - 1


def _require_id(value: int) -> None:
    """Ids beyond a big integer column cannot exist; refuse them before the database does."""
    if not 0 < value <= MAX_ID:
        raise NotFound()


def _visible_to(role: CooperativeRole) -> list[str]:
    """Visibilities a role may read once a proposal is out of draft."""
    visible: set[str] = set()
    if role.is_board:
        visible.update(ProposalVisibility.values)
    if role.is_member:
        visible.update([ProposalVisibility.MEMBERS, ProposalVisibility.MEMBERS_AND_OBSERVERS])
    if role.is_observer:
        visible.add(ProposalVisibility.MEMBERS_AND_OBSERVERS)
    return sorted(visible)


def can_view_proposal_as(person: Viewer, proposal: Proposal, role: CooperativeRole) -> bool:
    """Drafts are read by their author and the board; the rest by the visibility's audience."""
    if not role.can_read:
        return False
    if proposal.status == ProposalStatus.DRAFT:
        return role.is_board or proposal.author_id == person.pk
    return proposal.visibility in _visible_to(role)


def can_view_proposal_by_role(proposal: Proposal, role: CooperativeRole) -> bool:
    """Whether a role reads a proposal whatever the person: the board reads every one, the
    others a published proposal open to their audience (a draft needs its author, so it
    is not shown to a role alone)."""
    if not role.can_read:
        return False
    if role.is_board:
        return True
    return proposal.status != ProposalStatus.DRAFT and proposal.visibility in _visible_to(role)


def can_view_proposal(person: Viewer, proposal: Proposal) -> bool:
    return can_view_proposal_as(person, proposal, cooperative_role(person, proposal.cooperative))


def proposal_visible_queryset(person: Viewer, cooperative: Cooperative) -> QuerySet[Proposal]:
    """The proposals of a cooperative that a person may read."""
    role = cooperative_role(person, cooperative)
    if not role.can_read:
        return Proposal.objects.none()
    published = Q(visibility__in=_visible_to(role)) & ~Q(status=ProposalStatus.DRAFT)
    drafts = Q(status=ProposalStatus.DRAFT) & (Q() if role.is_board else Q(author_id=person.pk))
    return Proposal.objects.filter(cooperative=cooperative).filter(published | drafts)


def access_proposal_with_role(
    person: Viewer, proposal_id: int, *, lock: bool = False
) -> tuple[Proposal, CooperativeRole]:
    """Load a proposal the person may read, with the person's role in its cooperative;
    the same 404 for missing and not visible.

    With `lock`, the row is locked for the rest of the transaction (without blocking the
    foreign keys of new comments on PostgreSQL).
    """
    _require_id(proposal_id)
    queryset = Proposal.objects.select_related("cooperative", "author")
    if lock:
        queryset = queryset.select_for_update(
            no_key=connection.features.has_select_for_no_key_update, of=("self",)
        )
    proposal = queryset.filter(pk=proposal_id).first()
    if proposal is None:
        raise NotFound()
    role = cooperative_role(person, proposal.cooperative)
    if not can_view_proposal_as(person, proposal, role):
        raise NotFound()
    return proposal, role


def access_proposal(person: Viewer, proposal_id: int, *, lock: bool = False) -> Proposal:
    """Load a proposal the person may read; the same 404 for missing and not visible."""
    return access_proposal_with_role(person, proposal_id, lock=lock)[0]


def proposal_role(person: Viewer, proposal: Proposal) -> CooperativeRole:
    return cooperative_role(person, proposal.cooperative)


def can_edit_proposal(person: Viewer, proposal: Proposal, role: CooperativeRole) -> bool:
    return role.is_board or (proposal.author_id == person.pk and role.is_member)


def can_create_proposal(role: CooperativeRole) -> bool:
    """Members and the board put proposals; observers read and comment only."""
    return role.is_board or role.is_member


def can_comment_on_proposal(person: Viewer, proposal: Proposal, role: CooperativeRole) -> bool:
    """Everyone who reads a published proposal may take part in its debate."""
    return can_view_proposal_as(person, proposal, role)


def can_propose_amendment(person: Viewer, proposal: Proposal, role: CooperativeRole) -> bool:
    return can_view_proposal_as(person, proposal, role) and (role.is_board or role.is_member)


def can_decide_amendment(person: Viewer, amendment: Amendment, role: CooperativeRole) -> bool:
    """The proposal's author (while still a member) or the board accepts or rejects."""
    proposal = amendment.proposal
    return role.is_board or (proposal.author_id == person.pk and role.is_member)


def can_moderate_proposal(
    person: Viewer,
    proposal: Proposal,
    role: CooperativeRole | None = None,
    *,
    granted: bool | None = None,
) -> bool:
    """Board members, and people granted `moderate_proposal` on this one proposal (grants
    go to people, never to groups; see services.proposal_moderator_grant). `granted`, when
    the caller already read whether the grant exists, spares reading it again."""
    role = role if role is not None else proposal_role(person, proposal)
    if not can_view_proposal_as(person, proposal, role):
        return False
    if role.is_board:
        return True
    if granted is not None:
        return granted
    return ProposalUserPermission.objects.filter(
        user_id=person.pk, content_object=proposal, permission__codename=PERM_MODERATE
    ).exists()


def access_comment(person: Viewer, comment_id: int, *, lock: bool = False) -> Comment:
    """Load a comment of a proposal the person may read (404 otherwise)."""
    _require_id(comment_id)
    queryset = Comment.objects.select_related("proposal", "proposal__cooperative", "author")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    comment = queryset.filter(pk=comment_id).first()
    if comment is None or not can_view_proposal(person, comment.proposal):
        raise NotFound()
    return comment


def access_amendment(person: Viewer, amendment_id: int, *, lock: bool = False) -> Amendment:
    _require_id(amendment_id)
    queryset = Amendment.objects.select_related(
        "proposal", "proposal__cooperative", "author", "decided_by"
    )
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    amendment = queryset.filter(pk=amendment_id).first()
    if amendment is None or not can_view_proposal(person, amendment.proposal):
        raise NotFound()
    return amendment
