"""Votes, their colleges and their frozen rolls."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.constraints import reached_has_time
from core.fields import FractionField
from governance.models import DecisionKind


class VoteMethod(models.TextChoices):
    RESOLUTION = "resolution", _("Resolution (for, against, abstain)")
    MAJORITY_JUDGMENT = "majority_judgment", _("Majority judgment")
    APPROVAL = "approval", _("Approval")
    RANKED = "ranked", _("Ranked ballots (Schulze method)")
    CONSENT = "consent", _("Consent")


class VoteStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    # A status, not the verb: "Open" alone is also a button elsewhere.
    OPEN = "open", pgettext_lazy("vote status", "Open")
    CLOSED = "closed", pgettext_lazy("vote status", "Closed")
    CANCELLED = "cancelled", _("Cancelled")


ACTIVE_STATUSES = (VoteStatus.DRAFT, VoteStatus.OPEN)


class VoteBooth(models.TextChoices):
    """Where ballots of a vote must be cast when not through the voting API."""

    ASSEMBLY = "assembly", _("Assembly booth")


class ResolutionChoice(models.TextChoices):
    FOR = "for", _("For")
    AGAINST = "against", _("Against")
    ABSTAIN = "abstain", _("Abstain")


class ConsentChoice(models.TextChoices):
    CONSENT = "consent", _("I consent")
    STAND_ASIDE = "stand_aside", _("I stand aside")


class Vote(models.Model):
    """One vote: on a proposal, or a standalone advisory poll.

    Opening freezes the roll, the colleges with their weights, and the rules version; a
    closed vote always tallies against what was frozen, whatever changed since.
    """

    cooperative = models.ForeignKey(
        "governance.Cooperative", on_delete=models.CASCADE, related_name="votes"
    )
    proposal = models.ForeignKey(
        "deliberation.Proposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="votes",
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    method = models.CharField(_("method"), max_length=32, choices=VoteMethod.choices)
    decision_kind = models.CharField(
        _("decision kind"), max_length=16, choices=DecisionKind.choices
    )
    status = models.CharField(max_length=16, choices=VoteStatus.choices, default=VoteStatus.DRAFT)
    # Option labels for majority judgment, approval and ranked votes, in display order.
    options = models.JSONField(default=list, blank=True)
    # Grade labels for majority judgment, worst first.
    grades = models.JSONField(default=list, blank=True)
    is_secret = models.BooleanField(_("secret ballot"), default=False)
    # Live: partial results (and, on open ballots, who voted what) are shown while the vote
    # runs; otherwise only after the close.
    results_live = models.BooleanField(_("results shown live"), default=False)
    allow_change = models.BooleanField(_("ballots may be changed until the close"), default=True)
    # Which call of an assembly the vote belongs to: the quorum of that call applies.
    quorum_call = models.PositiveSmallIntegerField(default=1)
    opens_at = models.DateTimeField(_("opens at"), null=True, blank=True)
    closes_at = models.DateTimeField(_("closes at"), null=True, blank=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    rules_version = models.ForeignKey(
        "governance.RulesVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    college_config_version = models.ForeignKey(
        "governance.CollegeConfigVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Why the scheduler could not open this vote on time; it then waits for the board.
    schedule_error = models.CharField(max_length=500, blank=True)
    # Set when ballots and proxies may only come through another app's booth (an assembly
    # checks that the voter signed in to the call); blank for the voting API.
    booth = models.CharField(
        _("booth"), max_length=16, blank=True, default="", choices=VoteBooth.choices
    )
    # The key pair ballots of a secret vote are sealed to, made when it opens.
    ballot_key = models.OneToOneField(
        "voting.BallotKey", null=True, blank=True, on_delete=models.PROTECT, related_name="vote"
    )

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["proposal"],
                condition=Q(status__in=["draft", "open"]) & Q(proposal__isnull=False),
                name="vote_one_active_per_proposal",
            ),
            models.CheckConstraint(condition=Q(quorum_call__in=[1, 2]), name="vote_quorum_call"),
            models.CheckConstraint(condition=Q(booth__in=["", "assembly"]), name="vote_booth"),
            models.CheckConstraint(
                condition=Q(opens_at__isnull=True)
                | Q(closes_at__isnull=True)
                | Q(closes_at__gt=models.F("opens_at")),
                name="vote_schedule_order",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"])
                | (Q(opened_at__isnull=False) & Q(rules_version__isnull=False)),
                name="vote_opened_is_frozen",
            ),
            reached_has_time("vote_closed_has_time", state="closed", at="closed_at"),
            # Live partial results of a secret vote would reveal each voter's choice to
            # anyone comparing them with the roll, cast after cast.
            models.CheckConstraint(
                condition=~(Q(is_secret=True) & Q(results_live=True)),
                name="vote_secret_not_live",
            ),
            # Objections are reasoned and signed, so consent cannot be secret.
            models.CheckConstraint(
                condition=~(Q(is_secret=True) & Q(method="consent")),
                name="vote_consent_not_secret",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "opens_at"]),
            models.Index(fields=["status", "closes_at"]),
            models.Index(fields=["cooperative", "status"]),
        ]

    def __str__(self) -> str:
        return self.title


class VoteCollege(models.Model):
    """A college as frozen when the vote opened: its weight and its number of members."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="colleges")
    # Null for the single implicit college of a cooperative without colleges.
    college = models.ForeignKey(
        "governance.College", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    key = models.CharField(max_length=32)
    name = models.CharField(max_length=120)
    weight = FractionField()
    eligible = models.PositiveIntegerField()
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["vote", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "key"], name="vote_college_unique_key")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class RollEntry(models.Model):
    """A member on the frozen roll. For secret votes it records THAT the member voted."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="roll")
    membership = models.ForeignKey(
        "governance.Membership", on_delete=models.PROTECT, related_name="+"
    )
    member = models.ForeignKey("governance.Member", on_delete=models.PROTECT, related_name="+")
    vote_college = models.ForeignKey(VoteCollege, on_delete=models.PROTECT, related_name="roll")
    college_weight = FractionField()
    has_voted = models.BooleanField(default=False)
    voted_at = models.DateTimeField(null=True, blank=True)
    # True while the ballot that counts was cast by a proxy holder.
    voted_via_proxy = models.BooleanField(default=False)
    # Secret votes: the member's current ballot, sealed to the vote's public key
    # (voting.sealing), and its tracker (sha256 of these bytes) for checking inclusion.
    # Changing the ballot replaces both; nobody can open them before the close, and nobody
    # at all after it, when the private key is destroyed.
    sealed_ballot = models.BinaryField(null=True, blank=True, editable=False)
    tracker = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["vote", "member__name", "id"]
        verbose_name_plural = "roll entries"
        constraints = [
            models.UniqueConstraint(fields=["vote", "member"], name="roll_one_entry_per_member"),
            models.UniqueConstraint(
                fields=["vote", "membership"], name="roll_one_entry_per_membership"
            ),
            models.CheckConstraint(
                condition=Q(has_voted=False, voted_at__isnull=True, voted_via_proxy=False)
                | Q(has_voted=True, voted_at__isnull=False),
                name="roll_voted_has_time",
            ),
            models.CheckConstraint(
                condition=Q(sealed_ballot__isnull=True, tracker="")
                | (Q(sealed_ballot__isnull=False, has_voted=True) & ~Q(tracker="")),
                name="roll_sealed_ballot_has_tracker",
            ),
        ]
        indexes = [models.Index(fields=["vote", "vote_college", "has_voted"])]

    def __str__(self) -> str:
        return f"{self.member_id} on vote {self.vote_id}"
