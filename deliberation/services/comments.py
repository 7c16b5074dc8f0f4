"""Writes to comments: posting, editing, deleting, reactions, mentions and moderation."""

from __future__ import annotations

from collections.abc import Iterable
from functools import reduce
from operator import or_
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Forbidden, InvalidInput
from core.notifications import notify
from deliberation import events
from deliberation.mentions import extract_mentions
from deliberation.models import (
    DISCUSSABLE_STATUSES,
    MAX_COMMENT_DEPTH,
    Comment,
    CommentRevision,
    Proposal,
    Reaction,
    ReactionKind,
    RoomCounter,
    Stance,
)
from deliberation.permissions import (
    access_comment,
    access_proposal_with_role,
    can_comment_on_proposal,
    can_moderate_proposal,
    can_view_proposal,
)
from deliberation.ratelimit import comment_rate, rate_limit_hit
from deliberation.room import room_emit
from deliberation.sanitize import COMMENT
from deliberation.services._base import (
    UNSET,
    CommentStateError,
    audit,
    clean_html,
    clean_line,
    has_text,
)
from governance.models import Person

MAX_COMMENT_CHARS = 20_000
MAX_MENTIONS = 20
HIDE_REASON_MAX = 500


def _require_open(proposal: Proposal) -> None:
    if proposal.status not in DISCUSSABLE_STATUSES:
        raise CommentStateError(
            code="proposal_not_open",
            message=_(
                "Comments are taken while the proposal is in deliberation or being "
                "voted on; it is %(status)s."
            )
            % {"status": proposal.get_status_display()},
        )


def _clean_comment_body(raw: str) -> str:
    body = clean_html(raw, profile=COMMENT)
    if not has_text(body):
        raise InvalidInput(
            code="comment_empty",
            message=_("A comment needs some text."),
            details={"body": [_("A comment needs some text.")]},
        )
    if len(body) > MAX_COMMENT_CHARS:
        raise InvalidInput(
            code="comment_too_long",
            message=_("A comment is at most %(n)d characters long.") % {"n": MAX_COMMENT_CHARS},
        )
    return body


def _check_stance(stance: str) -> str:
    if stance and stance not in Stance.values:
        raise InvalidInput(code="stance_unknown", message=_("Unknown stance."))
    return stance


def _counted_comments() -> QuerySet[Comment]:
    """The comments a proposal's comment count counts: every one not deleted, hidden
    ones included (their place in the thread stays, marked hidden)."""
    return Comment.objects.filter(deleted_at__isnull=True)


def _comment_count_move(proposal_id: int, change: int) -> None:
    """Move a proposal's comment count by `change` in the caller's transaction.

    One UPDATE adding to the stored value, so two posts at once never overwrite each
    other's count. Called just before the room event, which locks the same counter row
    until commit anyway: the lock order of the comment services stays as it was.
    """
    updated = RoomCounter.objects.filter(proposal_id=proposal_id).update(
        comment_count=F("comment_count") + change
    )
    if updated:
        return
    # Every proposal is created with its counter row and the migration that added the
    # count gave one to any proposal without it; should one still be missing, it is made
    # here with a count of the comments as they are, this change included.
    _counter, created = RoomCounter.objects.get_or_create(
        proposal_id=proposal_id,
        defaults={"comment_count": _counted_comments().filter(proposal_id=proposal_id).count()},
    )
    if not created:
        RoomCounter.objects.filter(proposal_id=proposal_id).update(
            comment_count=F("comment_count") + change
        )


def comment_counts_refresh(*, proposal_ids: Iterable[int]) -> int:
    """Count again, from the comments themselves, the comment count of these proposals;
    returns the number of proposals counted.

    For code that writes comments without the services (a loader inserting them by SQL):
    the services keep the count as they post and delete. One statement whatever the
    number of proposals.
    """
    counted = (
        _counted_comments()
        .filter(proposal_id=OuterRef("proposal_id"))
        .order_by()
        .values("proposal_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    return RoomCounter.objects.filter(proposal_id__in=list(proposal_ids)).update(
        comment_count=Coalesce(Subquery(counted), 0)
    )


def _notify_mentions(
    actor: Person, comment: Comment, proposal: Proposal, *, already: frozenset[str] = frozenset()
) -> list[Any]:
    """Notify the people newly @mentioned who may read the proposal (never the author)."""
    handles = [h for h in extract_mentions(comment.body) if h.lower() not in already]
    handles = handles[:MAX_MENTIONS]
    if not handles:
        return []
    person_model = get_user_model()
    candidates = person_model.objects.filter(
        reduce(or_, (Q(username__iexact=h) for h in handles)), is_active=True
    ).exclude(pk=actor.pk)
    people = [p for p in candidates if can_view_proposal(p, proposal)]
    if people:
        notify(
            people=people,
            kind="mention",
            cooperative_id=proposal.cooperative_id,
            data={
                "proposal_id": proposal.pk,
                "comment_id": comment.pk,
                "who": str(actor),
                "title": proposal.title,
            },
            url=f"/proposals/{proposal.pk}/#comment-{comment.pk}",
        )
    return people


@transaction.atomic
def comment_create(
    *,
    actor: Person,
    proposal: Proposal,
    body: str,
    parent: Comment | None = None,
    stance: str = "",
) -> Comment:
    """Post a comment or a reply while the proposal is open for debate.

    Counts against the person's posting limit (COMMENT_RATE_LIMIT), notifies the people
    mentioned, and emits `comment.created` with the text as live content. Locks the
    proposal row (a status change waits for the post, not the other way round).
    """
    proposal, role = access_proposal_with_role(actor, proposal.pk, lock=True)
    if not can_comment_on_proposal(actor, proposal, role):
        raise Forbidden(code="cannot_comment", message=_("You may not comment here."))
    _require_open(proposal)
    rate_limit_hit(scope="post", person_id=actor.pk, rate=comment_rate())
    stance = _check_stance(stance)
    depth = 0
    if parent is not None:
        parent = Comment.objects.filter(pk=parent.pk, proposal=proposal).first()
        if parent is None:
            raise InvalidInput(
                code="wrong_parent", message=_("The reply must answer a comment of this proposal.")
            )
        if parent.deleted_at is not None or parent.hidden_at is not None:
            raise CommentStateError(
                code="parent_unavailable",
                message=_("This comment was deleted or hidden; it takes no more replies."),
            )
        depth = parent.depth + 1
        if depth > MAX_COMMENT_DEPTH:
            raise InvalidInput(
                code="thread_too_deep",
                message=_(
                    "Replies nest at most %(n)d levels deep; answer a comment higher in the thread."
                )
                % {"n": MAX_COMMENT_DEPTH + 1},
            )
    body = _clean_comment_body(body)
    comment = Comment.objects.create(
        proposal=proposal, author=actor, parent=parent, depth=depth, body=body, stance=stance
    )
    _comment_count_move(proposal.pk, +1)
    room_emit(
        proposal=proposal,
        type=events.COMMENT_CREATED,
        data=events.comment_state(comment),
        content=events.comment_content(comment),
    )
    mentioned = _notify_mentions(actor, comment, proposal)
    if (
        parent is not None
        and parent.author_id != actor.pk
        and parent.author_id not in {p.pk for p in mentioned}
    ):
        notify(
            people=[parent.author],
            kind="comment.reply",
            cooperative_id=proposal.cooperative_id,
            data={
                "proposal_id": proposal.pk,
                "comment_id": comment.pk,
                "who": str(actor),
                "title": proposal.title,
            },
            url=f"/proposals/{proposal.pk}/#comment-{comment.pk}",
        )
    return comment


@transaction.atomic
def comment_edit(*, actor: Person, comment: Comment, body: str, stance: Any = UNSET) -> Comment:
    """The author rewrites a comment; the previous text is kept as a revision. Newly
    mentioned people are notified. Locks the comment row."""
    comment = access_comment(actor, comment.pk, lock=True)
    proposal = comment.proposal
    if comment.author_id != actor.pk:
        raise Forbidden(code="not_comment_author", message=_("Only its author may edit a comment."))
    if comment.deleted_at is not None:
        raise CommentStateError(code="comment_deleted", message=_("This comment was deleted."))
    if comment.hidden_at is not None:
        raise CommentStateError(
            code="comment_hidden", message=_("A hidden comment cannot be edited.")
        )
    _require_open(proposal)
    new_body = _clean_comment_body(body)
    new_stance = comment.stance if stance is UNSET else _check_stance(stance)
    if new_body == comment.body and new_stance == comment.stance:
        return comment
    now = timezone.now()
    number = comment.revisions.count() + 1
    CommentRevision.objects.create(
        comment=comment,
        number=number,
        body=comment.body,
        stance=comment.stance,
        written_at=comment.edited_at or comment.created_at,
        replaced_at=now,
    )
    before = frozenset(h.lower() for h in extract_mentions(comment.body))
    comment.body, comment.stance, comment.edited_at = new_body, new_stance, now
    comment.save(update_fields=["body", "stance", "edited_at"])
    room_emit(
        proposal=proposal,
        type=events.COMMENT_EDITED,
        data=events.comment_state(comment),
        content=events.comment_content(comment),
    )
    _notify_mentions(actor, comment, proposal, already=before)
    return comment


@transaction.atomic
def comment_delete(*, actor: Person, comment: Comment) -> Comment:
    """The author deletes a comment: its text, past revisions and reactions go, a
    tombstone keeps the replies in place. Audited (without the text)."""
    comment = access_comment(actor, comment.pk, lock=True)
    if comment.author_id != actor.pk:
        raise Forbidden(
            code="not_comment_author", message=_("Only its author may delete a comment.")
        )
    if comment.deleted_at is not None:
        raise CommentStateError(
            code="comment_deleted", message=_("This comment was already deleted.")
        )
    comment.revisions.all().delete()
    comment.reactions.all().delete()
    comment.body = ""
    comment.deleted_at = timezone.now()
    comment.save(update_fields=["body", "deleted_at"])
    audit(actor, "comment.deleted", comment.proposal, comment)
    _comment_count_move(comment.proposal_id, -1)
    room_emit(
        proposal=comment.proposal,
        type=events.COMMENT_DELETED,
        data={"comment_id": comment.pk, "is_deleted": True},
    )
    return comment


def _moderated(actor: Person, comment: Comment) -> Comment:
    comment = access_comment(actor, comment.pk, lock=True)
    if not can_moderate_proposal(actor, comment.proposal):
        raise Forbidden(
            code="moderators_only", message=_("Only the moderators of this proposal may do this.")
        )
    if comment.deleted_at is not None:
        raise CommentStateError(code="comment_deleted", message=_("This comment was deleted."))
    return comment


@transaction.atomic
def comment_hide(*, actor: Person, comment: Comment, reason: str) -> Comment:
    """A moderator hides a comment, giving a reason. Its author and the moderators still
    read it, marked hidden; everyone else sees the place it held. Audited; the author is
    notified."""
    comment = _moderated(actor, comment)
    if comment.hidden_at is not None:
        raise CommentStateError(
            code="comment_already_hidden", message=_("This comment is already hidden.")
        )
    reason = clean_line(reason, field="reason", max_length=HIDE_REASON_MAX)
    comment.hidden_at, comment.hidden_by, comment.hidden_reason = timezone.now(), actor, reason
    comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    proposal = comment.proposal
    audit(actor, "comment.hidden", proposal, comment, reason=reason, author_id=comment.author_id)
    room_emit(
        proposal=proposal,
        type=events.COMMENT_HIDDEN,
        data={"comment_id": comment.pk, "is_hidden": True},
    )
    if comment.author_id != actor.pk:
        notify(
            people=[comment.author],
            kind="comment_hidden",
            cooperative_id=proposal.cooperative_id,
            data={
                "proposal_id": proposal.pk,
                "comment_id": comment.pk,
                "title": proposal.title,
                "reason": reason,
            },
            url=f"/proposals/{proposal.pk}/#comment-{comment.pk}",
        )
    return comment


@transaction.atomic
def comment_unhide(*, actor: Person, comment: Comment) -> Comment:
    """A moderator shows a hidden comment again. Audited."""
    comment = _moderated(actor, comment)
    if comment.hidden_at is None:
        raise CommentStateError(code="comment_not_hidden", message=_("This comment is not hidden."))
    previous_reason = comment.hidden_reason
    comment.hidden_at, comment.hidden_by, comment.hidden_reason = None, None, ""
    comment.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    audit(actor, "comment.unhidden", comment.proposal, comment, previous_reason=previous_reason)
    room_emit(
        proposal=comment.proposal,
        type=events.COMMENT_UNHIDDEN,
        data={"comment_id": comment.pk, "is_hidden": False},
        # Shown again: the room draws it again from the frame, text included.
        content=events.comment_content(comment),
    )
    return comment


def _reactable(actor: Person, comment: Comment) -> Comment:
    comment = access_comment(actor, comment.pk)
    _require_open(comment.proposal)
    if comment.deleted_at is not None or comment.hidden_at is not None:
        raise CommentStateError(
            code="comment_unavailable", message=_("This comment was deleted or hidden.")
        )
    return comment


def _reaction_changed(actor: Person, comment: Comment, kind: str, active: bool) -> None:
    from deliberation.selectors import reaction_counts

    room_emit(
        proposal=comment.proposal,
        type=events.REACTION_CHANGED,
        data={
            "comment_id": comment.pk,
            "person_id": actor.pk,
            "kind": kind,
            "active": active,
            "counts": reaction_counts(comment),
        },
    )


@transaction.atomic
def reaction_add(*, actor: Person, comment: Comment, kind: str) -> bool:
    """React to a comment; returns False when the reaction was already there."""
    if kind not in ReactionKind.values:
        raise InvalidInput(code="reaction_unknown", message=_("Unknown reaction."))
    comment = _reactable(actor, comment)
    _reaction, created = Reaction.objects.get_or_create(comment=comment, person=actor, kind=kind)
    if created:
        _reaction_changed(actor, comment, kind, True)
    return created


@transaction.atomic
def reaction_remove(*, actor: Person, comment: Comment, kind: str) -> bool:
    """Take a reaction back; returns False when there was none."""
    if kind not in ReactionKind.values:
        raise InvalidInput(code="reaction_unknown", message=_("Unknown reaction."))
    comment = _reactable(actor, comment)
    deleted, _details = Reaction.objects.filter(comment=comment, person=actor, kind=kind).delete()
    if deleted:
        _reaction_changed(actor, comment, kind, False)
    return bool(deleted)
