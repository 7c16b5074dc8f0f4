"""Reads of the deliberation app, scoped to the viewer: lists, versions, diffs, replays."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import BooleanField, Count, F, Prefetch, Q, QuerySet, Value
from django.db.models.expressions import Case, When
from django.db.models.functions import Coalesce

from core.errors import InvalidInput, NotFound
from core.models import Notification
from deliberation import events
from deliberation.models import (
    Amendment,
    Comment,
    CommentRevision,
    Proposal,
    ProposalUserPermission,
    ProposalVersion,
    Reaction,
    ReactionKind,
    RoomEvent,
)
from deliberation.permissions import (
    PERM_MODERATE,
    can_moderate_proposal,
    can_view_proposal_as,
    proposal_visible_queryset,
)
from deliberation.room import LOG
from deliberation.textdiff import DiffOp, diff_to_html, text_diff, unified_diff
from governance.models import Cooperative, Person
from governance.permissions import (
    Viewer,
    reads_role_from_grants,
    role_from_mask,
    role_sql,
)

# A replay longer than this asks the client to reload the page state instead.
MAX_REPLAY = 1000


def _with_comment_count(queryset: QuerySet[Proposal]) -> QuerySet[Proposal]:
    """Annotate `comment_count` from the counter row the comment services keep, so a
    list costs the same however long its debates are (0 for a proposal without a row)."""
    return queryset.select_related("room_counter").annotate(
        comment_count=Coalesce(F("room_counter__comment_count"), 0)
    )


def proposal_list(
    person: Viewer, cooperative: Cooperative, *, status: str | None = None
) -> QuerySet[Proposal]:
    queryset = _with_comment_count(
        proposal_visible_queryset(person, cooperative).select_related("author", "cooperative")
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-id")


def proposal_detail(proposal: Proposal) -> Proposal:
    """A proposal reloaded with what its API answer shows."""
    return _with_comment_count(Proposal.objects.select_related("author", "cooperative")).get(
        pk=proposal.pk
    )


def proposal_versions(proposal: Proposal) -> QuerySet[ProposalVersion]:
    return (
        ProposalVersion.objects.filter(proposal=proposal)
        .select_related("created_by")
        .order_by("number")
    )


def proposal_version_get(proposal: Proposal, number: int) -> ProposalVersion:
    version = None
    if 0 < number < 2**31:
        version = proposal_versions(proposal).filter(number=number).first()
    if version is None:
        raise NotFound(code="version_not_found", message="No such version of this proposal.")
    return version


@dataclass(frozen=True)
class TextDifference:
    from_version: int
    to_version: int
    title_changed: bool
    old_title: str
    new_title: str
    ops: list[DiffOp]
    html: str
    unified: str


def text_difference(
    old_title: str, old_body: str, new_title: str, new_body: str, *, old: int, new: int
) -> TextDifference:
    ops = text_diff(old_body, new_body)
    return TextDifference(
        from_version=old,
        to_version=new,
        title_changed=old_title != new_title,
        old_title=old_title,
        new_title=new_title,
        ops=ops,
        html=diff_to_html(ops),
        unified=unified_diff(old_body, new_body, old_label=f"v{old}", new_label=f"v{new}"),
    )


def version_difference(proposal: Proposal, number: int, against: int | None) -> TextDifference:
    """What changed from version `against` (by default the one before) to version `number`."""
    new = proposal_version_get(proposal, number)
    base = number - 1 if against is None else against
    if base < 1:
        raise InvalidInput(
            code="no_earlier_version", message="Version 1 has no earlier version to compare with."
        )
    old = proposal_version_get(proposal, base)
    return text_difference(old.title, old.body, new.title, new.body, old=old.number, new=new.number)


def amendment_difference(amendment: Amendment) -> TextDifference:
    base = ProposalVersion.objects.filter(
        proposal_id=amendment.proposal_id, number=amendment.base_version
    ).first()
    old_title, old_body = (base.title, base.body) if base else ("", "")
    return text_difference(
        old_title,
        old_body,
        amendment.title,
        amendment.body,
        old=amendment.base_version,
        new=amendment.base_version + 1,
    )


def amendment_content(amendment: Amendment) -> dict[str, Any]:
    """Live content of `amendment.proposed`: what the proposal page shows of an amendment
    besides its state, so that every open page draws it from the frame. Its place in the
    list, its reason, and the changes to the text as escaped HTML (textdiff.diff_to_html).
    Everyone who reads the proposal reads its amendments: nothing here is per person."""
    difference = amendment_difference(amendment)
    number = Amendment.objects.filter(
        proposal_id=amendment.proposal_id, pk__lte=amendment.pk
    ).count()
    return {
        "number": number,
        "reason": amendment.reason,
        "title_changed": difference.title_changed,
        "old_title": difference.old_title,
        "new_title": difference.new_title,
        "diff": difference.html,
    }


def amendment_list(proposal: Proposal, *, status: str | None = None) -> QuerySet[Amendment]:
    queryset = Amendment.objects.filter(proposal=proposal).select_related(
        "author", "decided_by", "version"
    )
    if status:
        queryset = queryset.filter(status=status)
    return queryset.order_by("id")


def comment_list(person: Viewer, proposal: Proposal, *, is_moderator: bool) -> QuerySet[Comment]:
    """Every comment of a proposal in posting order, tombstones included, each annotated
    with whether the viewer may read its text; replies carry their parent's id."""
    if is_moderator:
        can_see = Q(deleted_at__isnull=True)
    else:
        can_see = Q(deleted_at__isnull=True) & (Q(hidden_at__isnull=True) | Q(author_id=person.pk))
    return (
        Comment.objects.filter(proposal=proposal)
        .select_related("author", "hidden_by")
        .prefetch_related(
            Prefetch(
                "reactions", queryset=Reaction.objects.only("id", "comment_id", "person_id", "kind")
            )
        )
        .annotate(
            viewer_sees_content=Case(
                When(can_see, then=Value(True)), default=Value(False), output_field=BooleanField()
            ),
            viewer_is_moderator=Value(is_moderator, output_field=BooleanField()),
        )
        .order_by("id")
    )


def comment_get(person: Viewer, comment: Comment) -> Comment:
    """One comment, annotated like comment_list's rows."""
    is_moderator = can_moderate_proposal(person, comment.proposal)
    return comment_list(person, comment.proposal, is_moderator=is_moderator).get(pk=comment.pk)


def comment_revisions(comment: Comment) -> QuerySet[CommentRevision]:
    return CommentRevision.objects.filter(comment=comment).order_by("number")


def reaction_counts(comment: Comment) -> dict[str, int]:
    rows = Reaction.objects.filter(comment=comment).values("kind").annotate(n=Count("id"))
    counts = {kind: 0 for kind in ReactionKind.values}
    counts.update({row["kind"]: row["n"] for row in rows})
    return counts


def reaction_summary(reactions: list[Reaction], viewer_id: int) -> dict[str, Any]:
    """Counts per kind and the viewer's own kinds, from prefetched rows."""
    counter = Counter(r.kind for r in reactions)
    return {
        "counts": {kind: counter.get(kind, 0) for kind in ReactionKind.values},
        "mine": sorted({r.kind for r in reactions if r.person_id == viewer_id}),
    }


def proposal_moderator_ids(proposal: Proposal) -> set[int]:
    return set(
        ProposalUserPermission.objects.filter(
            content_object=proposal, permission__codename=PERM_MODERATE
        ).values_list("user_id", flat=True)
    )


def proposal_moderators(proposal: Proposal) -> QuerySet[Any]:
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            pk__in=ProposalUserPermission.objects.filter(
                content_object=proposal, permission__codename=PERM_MODERATE
            ).values("user_id")
        )
        .order_by("username")
    )


def notification_list(person: Person, *, unread_only: bool = False) -> QuerySet[Notification]:
    queryset = Notification.objects.filter(person=person)
    if unread_only:
        queryset = queryset.filter(read_at__isnull=True)
    return queryset.order_by("-id")


# The room: access for the WebSocket consumer, and replays of the event log.


@dataclass(frozen=True)
class RoomAccess:
    proposal_id: int
    cooperative_id: int
    person_id: int
    person_name: str
    can_moderate: bool
    last_seq: int


def _room_row(person: Viewer, proposal_id: int, *, from_grants: bool) -> tuple[Any, ...] | None:
    """The proposal's fields the room needs, its room's last number, whether the person
    holds the moderator grant on it, their role on its cooperative (governance's
    role_sql, the expression the casting path embeds) and whether the cooperative requires
    its board's two-factor authentication: one statement."""
    from django.contrib.auth.models import Permission
    from django.db import connection

    from deliberation.models import RoomCounter

    quote = connection.ops.quote_name
    grants_table = ProposalUserPermission._meta.db_table
    target = ProposalUserPermission._meta.get_field("content_object").column
    role_column, role_params = role_sql(person, "p.cooperative_id") if from_grants else ("NULL", [])
    sql = (
        "SELECT p.id, p.cooperative_id, p.author_id, p.status, p.visibility,"
        f" COALESCE(rc.{quote('last_seq')}, 0),"
        f" EXISTS(SELECT 1 FROM {quote(grants_table)} pu"
        f" JOIN {quote(Permission._meta.db_table)} ap ON ap.id = pu.permission_id"
        f" WHERE pu.user_id = %s AND pu.{quote(target)} = p.id AND ap.codename = %s),"
        f" {role_column}, c.{quote('board_requires_mfa')}"
        f" FROM {quote(Proposal._meta.db_table)} p"
        f" JOIN {quote(Cooperative._meta.db_table)} c ON c.id = p.cooperative_id"
        f" LEFT JOIN {quote(RoomCounter._meta.db_table)} rc ON rc.proposal_id = p.id"
        " WHERE p.id = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [person.pk, PERM_MODERATE, *role_params, proposal_id])
        row: tuple[Any, ...] | None = cursor.fetchone()
    return row


def room_access(person: Viewer, proposal_id: int) -> RoomAccess | None:
    """What a person may do in a proposal's room, or None when they may not enter.

    One statement reads the proposal, the room's last number, the moderator grant and the
    person's role (governance.permissions.role_sql, read back by role_from_mask as the
    casting path does), so that a WebSocket handshake costs one read besides
    authentication.
    """
    if not getattr(person, "is_authenticated", False) or not person.is_active:
        return None
    if not 0 < proposal_id < 2**63:
        return None
    from_grants = reads_role_from_grants(person)
    row = _room_row(person, proposal_id, from_grants=from_grants)
    if row is None:
        return None
    pk, cooperative_id, author_id, status, visibility, last_seq, moderator, mask, mfa = row
    proposal = Proposal(
        pk=pk,
        cooperative_id=cooperative_id,
        author_id=author_id,
        status=status,
        visibility=visibility,
    )
    cooperative = Cooperative(pk=cooperative_id, board_requires_mfa=bool(mfa))
    role = role_from_mask(person, cooperative, mask)
    if not can_view_proposal_as(person, proposal, role):
        return None
    return RoomAccess(
        proposal_id=pk,
        cooperative_id=cooperative_id,
        person_id=person.pk,
        person_name=str(person),
        can_moderate=can_moderate_proposal(person, proposal, role, granted=bool(moderator)),
        last_seq=int(last_seq),
    )


_CONTENT_EVENTS = (events.COMMENT_CREATED, events.COMMENT_EDITED, events.COMMENT_UNHIDDEN)


def room_events_since(
    proposal_id: int, after: int, *, until: int | None = None, limit: int = MAX_REPLAY
) -> list[dict[str, Any]]:
    """Stored events numbered above `after` (and up to `until`), in order, as client frames.

    The text of comment events is read from the comments as they are now: a comment
    hidden or deleted since is replayed without its text.
    """
    queryset = RoomEvent.objects.filter(proposal_id=proposal_id, seq__gt=after)
    if until is not None:
        queryset = queryset.filter(seq__lte=until)
    rows = list(queryset.order_by("seq")[:limit])
    comment_ids = {r.data.get("comment_id") for r in rows if r.type in _CONTENT_EVENTS}
    bodies: dict[int, str] = {}
    if comment_ids:
        bodies = dict(
            Comment.objects.filter(
                pk__in=comment_ids, deleted_at__isnull=True, hidden_at__isnull=True
            ).values_list("pk", "body")
        )
    amendments = _replayed_amendments(rows)
    texts = _replayed_texts(proposal_id, rows)
    frames = []
    for row in rows:
        content = None
        if row.type in _CONTENT_EVENTS:
            content = {"body": bodies.get(row.data.get("comment_id"))}
        elif row.type == events.AMENDMENT_PROPOSED:
            content = amendments.get(row.data.get("amendment_id"))
        elif row.type == events.PROPOSAL_UPDATED and row.data.get("text_changed"):
            content = texts.get(row.data.get("current_version"))
        frames.append(LOG.frame(row, content=content))
    return frames


def _replayed_amendments(rows: list[RoomEvent]) -> dict[int, dict[str, Any]]:
    """The live content of the replayed `amendment.proposed` events, read again."""
    ids = {r.data.get("amendment_id") for r in rows if r.type == events.AMENDMENT_PROPOSED}
    if not ids:
        return {}
    return {
        amendment.pk: amendment_content(amendment)
        for amendment in Amendment.objects.filter(pk__in=ids).select_related("author")
    }


def _replayed_texts(proposal_id: int, rows: list[RoomEvent]) -> dict[int, dict[str, Any]]:
    """The text each replayed `proposal.updated` changed to, read from its version."""
    numbers = {
        r.data.get("current_version")
        for r in rows
        if r.type == events.PROPOSAL_UPDATED and r.data.get("text_changed")
    }
    if not numbers:
        return {}
    versions = ProposalVersion.objects.filter(proposal_id=proposal_id, number__in=numbers)
    return {v.number: events.proposal_text_content(v.title, v.body) for v in versions}
