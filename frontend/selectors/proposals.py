"""Reads for the proposal page: the thread, amendments and the vote panel, per viewer."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection

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
    Person,
)
from governance.permissions import (
    CooperativeRole,
    Viewer,
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


def comment_permissions(
    person: Viewer, proposal: Proposal, role: CooperativeRole
) -> dict[str, Any]:
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


THREADS_PER_PAGE = 20


def _comments(
    person: Person,
    proposal: Proposal,
    perms: dict[str, Any],
    only: int | None,
    before: int | None = None,
) -> tuple[list[Comment], dict[int, Comment], int | None]:
    """The threads the page shows: with `only`, that one comment; otherwise one page of
    threads, newest first (those started before the comment `before`, when given), each with
    all its replies in posting order. Returns the roots, every comment by id, and the root
    to continue from for the next page (None on the last one). The statements do not grow
    with the debate: the roots of the page, their replies found by one recursive query, the
    comments and their reactions."""
    queryset = deliberation_selectors.comment_list(
        person, proposal, is_moderator=perms["is_moderator"]
    )
    more_before: int | None = None
    if only is not None:
        comments = list(queryset.filter(pk=only))
    else:
        roots = Comment.objects.filter(proposal=proposal, parent__isnull=True)
        if before is not None:
            roots = roots.filter(pk__lt=before)
        root_ids = list(roots.order_by("-id").values_list("pk", flat=True)[: THREADS_PER_PAGE + 1])
        if len(root_ids) > THREADS_PER_PAGE:
            root_ids = root_ids[:THREADS_PER_PAGE]
            more_before = root_ids[-1]
        comments = list(queryset.filter(pk__in=root_ids + _reply_ids(root_ids))) if root_ids else []
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
    roots_found = []
    for comment in comments:
        parent = by_id.get(comment.parent_id) if comment.parent_id else None
        if parent is not None:
            parent.children.append(comment)
        elif comment.parent_id is None or only is not None:
            roots_found.append(comment)
    if only is None:
        roots_found.reverse()  # newest thread first; replies stay in posting order
    return roots_found, by_id, more_before


def _reply_ids(root_ids: list[int]) -> list[int]:
    """Every reply under these roots, at any depth, in one recursive query."""
    table = Comment._meta.db_table
    marks = ", ".join(["%s"] * len(root_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH RECURSIVE thread(id) AS (SELECT id FROM {table} WHERE parent_id IN ({marks})"
            f" UNION ALL SELECT c.id FROM {table} c JOIN thread t ON c.parent_id = t.id)"
            " SELECT id FROM thread",
            root_ids,
        )
        return [int(row[0]) for row in cursor.fetchall()]


def comment_threads(
    person: Person, proposal: Proposal, *, before: int | None = None
) -> dict[str, Any]:
    """One more page of threads, for the "more" link of the proposal page."""
    role = proposal_role(person, proposal)
    perms = comment_permissions(person, proposal, role)
    roots, by_id, more_before = _comments(person, proposal, perms, None, before)
    return {
        "proposal": proposal,
        "role": role,
        **perms,
        "comments": roots,
        "more_before": more_before,
        "observer_ids": observer_ids(proposal.cooperative_id),
        "mentionable": mentionable(proposal.cooperative_id, by_id.values()),
        "reaction_kinds": ReactionKind.choices,
    }


def _amendments(person: Viewer, proposal: Proposal, role: CooperativeRole) -> list[Any]:
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


def proposal_vote(person: Viewer, proposal: Proposal, role: CooperativeRole) -> dict[str, Any]:
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


# The id of the comment the live page's skeleton is rendered for: no comment has it.
SKELETON_COMMENT_ID = 987654321987


def comment_skeleton(page: dict[str, Any]) -> dict[str, Any]:
    """The comment template rendered once for this viewer, with every part a comment
    of theirs may show (reply, edit, delete, moderation as their rights allow): the live
    page fills a copy from each event's frame instead of fetching the comment."""
    from types import SimpleNamespace

    from django.utils import timezone

    skeleton = SimpleNamespace(
        pk=SKELETON_COMMENT_ID,
        parent_id=None,
        depth=0,
        author="",
        created_at=timezone.now(),
        edited_at=None,
        stance="",
        get_stance_display="",
        hidden_at=None,
        hidden_reason="",
        deleted_at=None,
        viewer_sees_content=True,
        body="",
        summary={"counts": {}, "mine": set()},
        is_mine=True,
        can_reply=page["can_comment"],
        edit_text="",
        children=[],
    )
    return {
        "comment_skeleton": skeleton,
        "stance_labels": dict(Stance.choices),
        "proposal_status_labels": dict(ProposalStatus.choices),
    }


# The number of text versions the versions link is rendered with on the live page,
# replaced there by the real count: no proposal has that many.
VERSION_SENTINEL = 987654321


def live_skeletons(person: Person, page: dict[str, Any]) -> dict[str, Any]:
    """The parts the live page draws from room frames, rendered once for this viewer with
    the page's own templates, while amendments may still come and a vote may still open:
    an amendment (with the forms the viewer's rights give on any amendment; the page keeps
    the withdraw form only on the viewer's own) and the open vote's panel (the close form
    for the board, a line for each member the viewer votes for). Frames go to everyone;
    what differs per person is decided here, on the server, when the page is read."""
    from types import SimpleNamespace

    from django.utils import timezone

    from governance.selectors import members_acting_person

    proposal: Proposal = page["proposal"]
    role: CooperativeRole = page["role"]
    context: dict[str, Any] = {
        "version_sentinel": VERSION_SENTINEL,
        "amendment_status_labels": dict(AmendmentStatus.choices),
    }
    debating = (ProposalStatus.DRAFT, ProposalStatus.IN_DELIBERATION)
    if proposal.status in debating:
        decides = can_decide_amendment(person, SimpleNamespace(proposal=proposal), role)  # type: ignore[arg-type]
        context["amendment_skeleton"] = SimpleNamespace(
            pk=SKELETON_COMMENT_ID,
            author_id="",
            author="%(author)s",
            status=AmendmentStatus.PROPOSED,
            get_status_display=AmendmentStatus.PROPOSED.label,
            base_version="%(number)s",
            reason="%(reason)s",
            difference=SimpleNamespace(
                title_changed=True, old_title="%(old)s", new_title="%(new)s", html=""
            ),
            decision_note="%(note)s",
            can_decide=decides,
            can_withdraw=True,
        )
    vote = page.get("vote")
    if proposal.status in debating and (vote is None or vote.status == VoteStatus.DRAFT):
        acting = [m.name for m in members_acting_person(proposal.cooperative, person, active=True)]
        context["vote_skeleton"] = {
            "vote": SimpleNamespace(
                pk=SKELETON_COMMENT_ID,
                title="",
                status=VoteStatus.OPEN,
                get_status_display=VoteStatus.OPEN.label,
                is_secret=True,
                get_method_display="",
                closes_at=timezone.now(),
            ),
            "turnout": {
                "voted": 0,
                "eligible": 0,
                "colleges": [{"key": "", "name": "", "eligible": 0, "voted": 0}],
            },
            "my_entries": [
                SimpleNamespace(member=SimpleNamespace(name="%(name)s"), has_voted=False)
            ],
            "labels": {"methods": dict(VoteMethod.choices), "acting": acting},
        }
    return context


def proposal_page(
    person: Person,
    proposal: Proposal,
    *,
    only_comment: int | None = None,
    before: int | None = None,
) -> dict[str, Any]:
    """Everything the proposal page shows to this viewer; with `only_comment`, one comment
    (0 for none) and the other sections. The debate comes by pages of threads, newest
    first (`before`: the threads started before that comment)."""
    role = proposal_role(person, proposal)
    perms = comment_permissions(person, proposal, role)
    roots, by_id, more_before = (
        ([], {}, None)
        if only_comment == 0
        else _comments(person, proposal, perms, only_comment, before)
    )
    return {
        "proposal": proposal,
        "role": role,
        **perms,
        "comments": roots,
        "comments_by_id": by_id,
        "more_before": more_before,
        "older_page": before is not None,
        "amendments": _amendments(person, proposal, role),
        "versions": list(deliberation_selectors.proposal_versions(proposal)),
        "stances": Stance.choices,
        "proposal_plain_text": html_to_plain(proposal.body),
        "reaction_kinds": ReactionKind.choices,
        "observer_ids": observer_ids(proposal.cooperative_id),
        "mentionable": mentionable(proposal.cooperative_id, by_id.values()),
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


def mentionable(cooperative_id: int, comments: Iterable[Comment]) -> dict[str, str]:
    """User name -> display name of the people @mentioned in `comments` who belong to the
    cooperative (members' people, representatives, observers): one query over the handles
    the comments hold, never the cooperative's whole list of people."""
    from django.db.models import Exists, OuterRef, Q

    from deliberation.mentions import extract_mentions
    from governance.models import Membership, Observer, Person, Representative

    handles = {handle for comment in comments for handle in extract_mentions(comment.body or "")}
    if not handles:
        return {}
    member = Membership.objects.filter(
        cooperative_id=cooperative_id, member__person_id=OuterRef("pk")
    )
    representative = Representative.objects.filter(
        member__cooperative_id=cooperative_id, revoked_at__isnull=True, person_id=OuterRef("pk")
    )
    observer = Observer.objects.filter(
        cooperative_id=cooperative_id, revoked_at__isnull=True, person_id=OuterRef("pk")
    )
    people = Person.objects.filter(username__in=handles).filter(
        Q(Exists(member)) | Q(Exists(representative)) | Q(Exists(observer))
    )
    return {
        username: display or username
        for username, display in people.values_list("username", "display_name")
    }
