"""Who may see, run, cast on and read what of a vote: predicates and loaders, in one place."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from core.errors import Forbidden, NotFound
from deliberation.models import Proposal
from deliberation.permissions import can_view_proposal_as, proposal_visible_queryset
from governance.errors import BoardOnly
from governance.models import Cooperative
from governance.permissions import (
    CooperativeRole,
    Viewer,
    cooperative_role,
    reads_role_from_grants,
    role_from_mask,
    role_sql,
)
from voting.models import Decision, Vote, VoteStatus
from voting.rows import attach_related, fetch_instances, own_columns, related_columns


def can_view_vote(person: Viewer, vote: Vote, role: CooperativeRole) -> bool:
    """A vote on a proposal is seen by whoever sees the proposal; a standalone poll by the
    board and the members. Drafts are the board's."""
    if not role.can_read:
        return False
    if vote.status == VoteStatus.DRAFT and not role.is_board:
        return False
    if vote.proposal_id is not None:
        assert vote.proposal is not None
        return can_view_proposal_as(person, vote.proposal, role)
    return role.is_board or role.is_member


def can_manage_vote(role: CooperativeRole) -> bool:
    """Creating, opening, closing and cancelling votes is the board's."""
    return role.is_board


def can_read_roll(role: CooperativeRole) -> bool:
    """The roll names members and says who voted: the board and the members read it;
    observers see turnout figures only."""
    return role.is_board or role.is_member


def can_see_results(vote: Vote) -> bool:
    """Results are for everyone who sees the vote: after the close, or live when set so."""
    return vote.status == VoteStatus.CLOSED or (
        vote.status == VoteStatus.OPEN and vote.results_live
    )


def can_see_open_ballots(vote: Vote, role: CooperativeRole) -> bool:
    """Who voted what, on an open ballot, is for the members and the board, when results
    are."""
    return not vote.is_secret and (role.is_board or role.is_member) and can_see_results(vote)


def can_see_box(vote: Vote) -> bool:
    """The box of a secret vote is published at the close, never before."""
    return vote.is_secret and vote.status == VoteStatus.CLOSED


def can_decide_objection(role: CooperativeRole) -> bool:
    """The board, facilitating the consent round, records an objection resolved or upheld."""
    return role.is_board


def can_read_decisions(role: CooperativeRole) -> bool:
    """Decisions are read by the board and the members, including API clients such as the
    operational platform acting with a board or member token."""
    return role.is_board or role.is_member


def access_vote(
    person: Viewer, vote_id: int, *, manage: bool = False
) -> tuple[Vote, CooperativeRole]:
    """Load a vote the person may see (the same 404 for missing and not visible); with
    `manage`, also require the board (403, since the person knows it exists)."""
    vote = (
        Vote.objects.select_related(
            "cooperative",
            "proposal",
            "proposal__cooperative",
            "rules_version",
            "college_config_version",
        )
        .filter(pk=vote_id)
        .first()
    )
    if vote is None:
        raise NotFound()
    role = cooperative_role(person, vote.cooperative)
    if not can_view_vote(person, vote, role):
        raise NotFound()
    if manage and not can_manage_vote(role):
        raise BoardOnly()
    return vote, role


def access_vote_for_casting(person: Viewer, vote_id: int) -> tuple[Vote, CooperativeRole]:
    """access_vote for the path every ballot takes, in one statement: the vote row with its
    proposal, locked in share mode as ballot_cast locks it (pass it on with `locked=True`),
    and the person's role in its cooperative, embedded as governance states it
    (`governance.permissions.role_sql`: the guardian grants, the person's own and those
    of their groups, with the board's term), read back with the board's two-factor rule
    by `role_from_mask`, as `cooperative_role` reads it. The same 404 for missing and not
    visible. Runs inside a transaction.
    """
    from_grants = reads_role_from_grants(person)
    role_column, params = role_sql(person, "v.cooperative_id") if from_grants else ("NULL", [])
    share = " FOR SHARE OF v" if connection.vendor == "postgresql" else ""
    sql = (
        f"SELECT {own_columns(Vote, 'v')}, {related_columns(Proposal, 'p', _PROPOSAL_FIELDS)},"
        f" {role_column} AS role__mask, c.board_requires_mfa AS role__mfa"
        f" FROM {Vote._meta.db_table} v"
        f" JOIN {Cooperative._meta.db_table} c ON c.id = v.cooperative_id"
        f" LEFT JOIN {Proposal._meta.db_table} p ON p.id = v.proposal_id"
        f" WHERE v.id = %s{share}"
    )
    rows = fetch_instances(Vote, sql, [*params, vote_id])
    if not rows:
        raise NotFound()
    vote = rows[0]
    mask = vote.__dict__.pop("role__mask")
    # What the role needs of the cooperative, read in the same statement.
    cooperative = Cooperative(
        pk=vote.cooperative_id, board_requires_mfa=bool(vote.__dict__.pop("role__mfa"))
    )
    attach_related(vote, "proposal", Proposal, "p", _PROPOSAL_FIELDS)
    role = role_from_mask(person, cooperative, mask)
    if not can_view_vote(person, vote, role):
        raise NotFound()
    return vote, role


# What the visibility check and the proposal's room need; the rest loads on access.
_PROPOSAL_FIELDS = (
    "id",
    "cooperative",
    "title",
    "author",
    "decision_kind",
    "visibility",
    "status",
    "current_version",
)


def vote_visible_queryset(person: Viewer, cooperative: Cooperative) -> QuerySet[Vote]:
    """The votes of a cooperative a person may see."""
    role = cooperative_role(person, cooperative)
    votes = Vote.objects.filter(cooperative=cooperative)
    if not role.can_read:
        return votes.none()
    if not role.is_board:
        votes = votes.exclude(status=VoteStatus.DRAFT)
    proposals = proposal_visible_queryset(person, cooperative).values("pk")
    if role.is_board or role.is_member:
        return votes.filter(proposal__isnull=True) | votes.filter(proposal__in=proposals)
    return votes.filter(proposal__in=proposals)


def access_published_box(person: Viewer, vote_id: int) -> tuple[Vote, CooperativeRole]:
    """Load a vote whose secret box (and counted trackers) the person may read: the vote as
    access_vote loads it, then 403 `box_not_published` until a secret vote has closed."""
    vote, role = access_vote(person, vote_id)
    if not can_see_box(vote):
        raise Forbidden(
            code="box_not_published",
            message=_("The box of a secret vote is published at the close."),
        )
    return vote, role


def access_decision(person: Viewer, cooperative: Cooperative, decision_id: int) -> Decision:
    """Load a decision the person may read: the board any, a member those of the votes
    they may see; the same 404 otherwise."""
    role = cooperative_role(person, cooperative)
    if not can_read_decisions(role):
        raise NotFound()
    decisions = Decision.objects.filter(cooperative=cooperative, pk=decision_id)
    if not role.is_board:
        decisions = decisions.filter(vote__in=vote_visible_queryset(person, cooperative))
    decision = decisions.select_related("vote", "proposal", "cooperative").first()
    if decision is None:
        raise NotFound()
    return decision
