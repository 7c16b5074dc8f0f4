"""Reads for the proposal page: the thread, amendments and the vote panel, per viewer."""

from __future__ import annotations

from typing import Any

from deliberation import selectors as deliberation_selectors
from deliberation.models import (
    DISCUSSABLE_STATUSES,
    MAX_COMMENT_DEPTH,
    AmendmentStatus,
    Comment,
    Proposal,
    ProposalStatus,
    ReactionKind,
    Stance,
)
from deliberation.permissions import (
    can_comment_on_proposal,
    can_decide_amendment,
    can_edit_proposal,
    can_moderate_proposal,
    can_propose_amendment,
    proposal_role,
)
from frontend.text import html_to_plain
from governance.models import (
    DecisionKind,
)
from governance.permissions import (
    CooperativeRole,
)
from voting import selectors as voting_selectors
from voting.models import (
    Vote,
    VoteMethod,
    VoteStatus,
)
from voting.permissions import (
    can_manage_vote,
    can_see_results,
    can_view_vote,
)


def comment_permissions(person: Any, proposal: Proposal, role: CooperativeRole) -> dict[str, Any]:
    """What the viewer may do in the debate, from deliberation.permissions."""
    is_open = proposal.status in DISCUSSABLE_STATUSES
    return {
        "is_moderator": can_moderate_proposal(person, proposal, role),
        "can_comment": is_open and can_comment_on_proposal(person, proposal, role),
        "can_amend": proposal.status == ProposalStatus.IN_DELIBERATION
        and can_propose_amendment(person, proposal, role),
        "can_edit_proposal": can_edit_proposal(person, proposal, role),
        "max_depth": MAX_COMMENT_DEPTH,
        "is_open": is_open,
    }


def _comments(
    person: Any, proposal: Proposal, perms: dict[str, Any], only: int | None
) -> tuple[list[Comment], dict[int, Comment]]:
    queryset = deliberation_selectors.comment_list(
        person, proposal, is_moderator=perms["is_moderator"]
    )
    if only is not None:
        queryset = queryset.filter(pk=only)
    comments = list(queryset)
    by_id: dict[int, Any] = {}
    for comment in comments:
        view: Any = comment
        view.children = []
        view.summary = deliberation_selectors.reaction_summary(
            list(comment.reactions.all()), person.pk
        )
        view.is_mine = comment.author_id == person.pk
        view.can_reply = (
            perms["can_comment"]
            and comment.viewer_sees_content  # type: ignore[attr-defined]
            and comment.hidden_at is None
            and comment.depth < MAX_COMMENT_DEPTH
        )
        view.edit_text = (
            html_to_plain(comment.body) if view.is_mine and comment.deleted_at is None else ""
        )
        by_id[comment.pk] = view
    roots = []
    for comment in comments:
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        if parent is not None:
            parent.children.append(comment)
        elif comment.parent_id is None or only is not None:
            roots.append(comment)
    return roots, by_id


def _amendments(person: Any, proposal: Proposal, role: CooperativeRole) -> list[Any]:
    amendments = list(deliberation_selectors.amendment_list(proposal))
    versions = {v.number: v for v in deliberation_selectors.proposal_versions(proposal)}
    for amendment in amendments:
        view: Any = amendment
        amendment.proposal = proposal
        base = versions.get(amendment.base_version)
        view.difference = deliberation_selectors.text_difference(
            base.title if base else "",
            base.body if base else "",
            amendment.title,
            amendment.body,
            old=amendment.base_version,
            new=amendment.base_version + 1,
        )
        view.can_decide = amendment.status == AmendmentStatus.PROPOSED and can_decide_amendment(
            person, amendment, role
        )
        view.can_withdraw = (
            amendment.status == AmendmentStatus.PROPOSED and amendment.author_id == person.pk
        )
    return amendments


def proposal_vote(person: Any, proposal: Proposal, role: CooperativeRole) -> dict[str, Any]:
    """The proposal's latest vote the viewer may see, its turnout and their part in it."""
    vote = (
        Vote.objects.filter(proposal=proposal)
        .exclude(status=VoteStatus.CANCELLED)
        .select_related("rules_version", "college_config_version")
        .order_by("-id")
        .first()
    )
    if vote is not None:
        vote.proposal = proposal
        vote.cooperative = proposal.cooperative
        if not can_view_vote(person, vote, role):
            vote = None
    context: dict[str, Any] = {
        "vote": vote,
        "can_manage_vote": can_manage_vote(role),
        "vote_methods": vote_methods_for(proposal.decision_kind),
    }
    if vote is None:
        return context
    if vote.status in (VoteStatus.OPEN, VoteStatus.CLOSED):
        context["turnout"] = voting_selectors.vote_turnout(vote)
        context["my_entries"] = voting_selectors.participation(vote, person).members
    context["results_visible"] = can_see_results(vote)
    return context


def vote_methods_for(decision_kind: str) -> list[tuple[str, Any]]:
    """Binding decisions are taken by resolution; every method suits an advisory one."""
    if decision_kind == DecisionKind.ADVISORY:
        return list(VoteMethod.choices)
    return [c for c in VoteMethod.choices if c[0] == VoteMethod.RESOLUTION]


def proposal_page(
    person: Any, proposal: Proposal, *, only_comment: int | None = None
) -> dict[str, Any]:
    """Everything the proposal page shows to this viewer; with `only_comment`, one comment
    (0 for none) and the other sections."""
    role = proposal_role(person, proposal)
    perms = comment_permissions(person, proposal, role)
    roots, by_id = (
        ([], {}) if only_comment == 0 else _comments(person, proposal, perms, only_comment)
    )
    return {
        "proposal": proposal,
        "role": role,
        **perms,
        "comments": roots,
        "comments_by_id": by_id,
        "comment_count": len(by_id),
        "amendments": _amendments(person, proposal, role),
        "versions": list(deliberation_selectors.proposal_versions(proposal)),
        "stances": Stance.choices,
        "proposal_plain_text": html_to_plain(proposal.body),
        "reaction_kinds": ReactionKind.choices,
        "observer_ids": observer_ids(proposal.cooperative_id),
        "mentionable": mentionable(proposal.cooperative_id),
        **proposal_vote(person, proposal, role),
    }


def observer_ids(cooperative_id: int) -> set[int]:
    """The people observing the cooperative (who read and comment, and never vote): their
    comments carry an "observer" badge."""
    from governance.models import Observer

    return set(
        Observer.objects.filter(cooperative_id=cooperative_id, revoked_at__isnull=True).values_list(
            "person_id", flat=True
        )
    )


def mentionable(cooperative_id: int) -> dict[str, str]:
    """User name -> display name of the cooperative's people a comment may @mention."""
    from governance.models import Membership, Observer, Person, Representative

    ids = (
        set(
            Membership.objects.filter(
                cooperative_id=cooperative_id, member__person__isnull=False
            ).values_list("member__person_id", flat=True)
        )
        | set(
            Representative.objects.filter(
                member__cooperative_id=cooperative_id, revoked_at__isnull=True
            ).values_list("person_id", flat=True)
        )
        | set(
            Observer.objects.filter(
                cooperative_id=cooperative_id, revoked_at__isnull=True
            ).values_list("person_id", flat=True)
        )
    )
    return {
        username: display or username
        for username, display in Person.objects.filter(pk__in=ids).values_list(
            "username", "display_name"
        )
    }
