"""Proposals, their versions and amendments, comments, reactions and the room event log."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from governance.models import Cooperative, DecisionKind

# Replies nest up to this depth (0 is a top-level comment): five levels in all.
MAX_COMMENT_DEPTH = 4


class ProposalVisibility(models.TextChoices):
    MEMBERS = "members", _("Members")
    MEMBERS_AND_OBSERVERS = "members_and_observers", _("Members and observers")
    BOARD = "board", _("Board only")


class ProposalStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_DELIBERATION = "in_deliberation", _("In deliberation")
    VOTING = "voting", _("Voting")
    ADOPTED = "adopted", _("Adopted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


CLOSED_STATUSES = (ProposalStatus.ADOPTED, ProposalStatus.REJECTED, ProposalStatus.WITHDRAWN)
# Comments and reactions are taken while the debate is open and while the vote runs.
DISCUSSABLE_STATUSES = (ProposalStatus.IN_DELIBERATION, ProposalStatus.VOTING)


class Proposal(models.Model):
    """A text put to the cooperative: debated in its room, amended, then voted on."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), help_text=_("Clean HTML (see deliberation.sanitize)."))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="proposals"
    )
    decision_kind = models.CharField(
        _("decision kind"),
        max_length=16,
        choices=DecisionKind.choices,
        default=DecisionKind.ORDINARY,
    )
    visibility = models.CharField(
        _("visibility"),
        max_length=32,
        choices=ProposalVisibility.choices,
        default=ProposalVisibility.MEMBERS,
    )
    deliberation_opens_at = models.DateTimeField(_("deliberation opens at"), null=True, blank=True)
    deliberation_closes_at = models.DateTimeField(
        _("deliberation closes at"), null=True, blank=True
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ProposalStatus.choices, default=ProposalStatus.DRAFT
    )
    current_version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [("moderate_proposal", "Moderate the comments of this proposal")]
        indexes = [models.Index(fields=["cooperative", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(deliberation_closes_at__isnull=True)
                | Q(deliberation_opens_at__isnull=True)
                | Q(deliberation_closes_at__gt=models.F("deliberation_opens_at")),
                name="proposal_window_ordered",
            ),
            models.CheckConstraint(
                condition=Q(current_version__gte=1), name="proposal_version_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProposalUserPermission(UserObjectPermissionBase):
    """Guardian's direct foreign-key table for per-proposal grants (moderators)."""

    content_object = models.ForeignKey(Proposal, on_delete=models.CASCADE)


class ProposalGroupPermission(GroupObjectPermissionBase):
    content_object = models.ForeignKey(Proposal, on_delete=models.CASCADE)


class ProposalVersion(models.Model):
    """One immutable state of the proposal text; accepted amendments make new ones."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    body = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    amendment = models.OneToOneField(
        "Amendment", null=True, blank=True, on_delete=models.PROTECT, related_name="version"
    )

    class Meta:
        ordering = ["proposal", "number"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "number"], name="proposal_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="proposal_version_number"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id} v{self.number}"


class AmendmentStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    LAPSED = "lapsed", _("Lapsed (the vote opened before a decision)")


class Amendment(models.Model):
    """A proposed new text for a proposal, written against one version of it."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="amendments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="amendments"
    )
    base_version = models.PositiveIntegerField()
    title = models.CharField(max_length=200, help_text=_("The title the text would take."))
    body = models.TextField(help_text=_("The whole text as amended, clean HTML."))
    reason = models.TextField(blank=True, max_length=2000)
    status = models.CharField(
        max_length=16, choices=AmendmentStatus.choices, default=AmendmentStatus.PROPOSED
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_note = models.TextField(blank=True, max_length=2000)

    class Meta:
        ordering = ["proposal", "id"]
        indexes = [models.Index(fields=["proposal", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="proposed", decided_at__isnull=True)
                | (~Q(status="proposed") & Q(decided_at__isnull=False)),
                name="amendment_decided_shape",
            )
        ]

    def __str__(self) -> str:
        return f"Amendment {self.pk} to {self.proposal_id}"


class Stance(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    NEUTRAL = "neutral", _("Neutral")


class Comment(models.Model):
    """A message in a proposal's thread. Deleting leaves a tombstone to keep the shape."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="replies"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    body = models.TextField(blank=True, help_text=_("Clean HTML; empty once deleted."))
    stance = models.CharField(max_length=8, choices=Stance.choices, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    hidden_at = models.DateTimeField(null=True, blank=True)
    hidden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hidden_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["proposal", "id"]
        indexes = [models.Index(fields=["proposal", "id"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(depth__lte=MAX_COMMENT_DEPTH), name="comment_depth_bounded"
            ),
            models.CheckConstraint(
                condition=(Q(parent__isnull=True) & Q(depth=0))
                | (Q(parent__isnull=False) & Q(depth__gt=0)),
                name="comment_depth_matches_parent",
            ),
            models.CheckConstraint(
                condition=Q(hidden_at__isnull=True, hidden_by__isnull=True, hidden_reason="")
                | (Q(hidden_at__isnull=False) & ~Q(hidden_reason="")),
                name="comment_hidden_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(deleted_at__isnull=True) | Q(body=""),
                name="comment_tombstone_empty",
            ),
        ]

    def __str__(self) -> str:
        return f"Comment {self.pk} on {self.proposal_id}"

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_hidden(self) -> bool:
        return self.hidden_at is not None


class CommentRevision(models.Model):
    """A past state of a comment, kept when its author edits it."""

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    body = models.TextField()
    stance = models.CharField(max_length=8, choices=Stance.choices, blank=True)
    written_at = models.DateTimeField(help_text=_("When this text was first shown."))
    replaced_at = models.DateTimeField()

    class Meta:
        ordering = ["comment", "number"]
        constraints = [
            models.UniqueConstraint(fields=["comment", "number"], name="comment_revision_unique")
        ]

    def __str__(self) -> str:
        return f"Comment {self.comment_id} r{self.number}"


class ReactionKind(models.TextChoices):
    AGREE = "agree", _("Agree")
    THANKS = "thanks", _("Thanks")
    QUESTION = "question", _("Question")
    CONCERN = "concern", _("Concern")
    CELEBRATE = "celebrate", _("Celebrate")


class Reaction(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reactions")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="reactions"
    )
    kind = models.CharField(max_length=16, choices=ReactionKind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["comment", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "person", "kind"], name="reaction_one_per_kind"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.person_id} on {self.comment_id}"


class RoomCounter(models.Model):
    """The last sequence number given in a proposal's room; its row is the lock writers take.

    It also keeps the number of the proposal's comments not deleted (hidden ones count),
    moved by the comment services in the transaction that posts or deletes one: lists
    of proposals read it instead of counting every comment of every proposal listed.
    """

    proposal = models.OneToOneField(
        Proposal, primary_key=True, on_delete=models.CASCADE, related_name="room_counter"
    )
    last_seq = models.PositiveBigIntegerField(default=0)
    comment_count = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"Room {self.proposal_id} at {self.last_seq}"


class RoomEvent(models.Model):
    """A live event of a proposal's room, stored before it is broadcast.

    Clients that missed events (a dropped connection, a channel layer that shed load)
    replay them from here by sequence number. Bodies of comments are not stored: the
    replay reads them from the comment itself, so hidden or deleted text never returns.
    """

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="room_events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["proposal", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["proposal", "seq"], name="room_event_unique_seq"),
            models.CheckConstraint(condition=Q(seq__gte=1), name="room_event_seq_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.proposal_id}#{self.seq} {self.type}"


class ProposalRead(models.Model):
    """When a person last opened a proposal: the to-do list names the proposals in debate
    they have not read since their text last changed."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    read_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "proposal"], name="proposal_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} read {self.proposal_id} v{self.version}"
