"""Votes, frozen rolls, ballots (open and secret), proxies, objections and decisions."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

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
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False),
                name="vote_closed_has_time",
            ),
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


class Ballot(models.Model):
    """An open ballot. Changes keep history: the superseded rows stay, one row is current."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    roll_entry = models.ForeignKey(RollEntry, on_delete=models.PROTECT, related_name="ballots")
    # Copied from the roll entry so that a tally is one GROUP BY over this table.
    vote_college = models.ForeignKey(VoteCollege, on_delete=models.PROTECT, related_name="+")
    choice = models.JSONField()
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    proxy = models.ForeignKey(
        "voting.Proxy", null=True, blank=True, on_delete=models.PROTECT, related_name="ballots"
    )
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # One ballot per roll entry, held by the database: the last one counts.
            models.UniqueConstraint(
                fields=["roll_entry"],
                condition=Q(is_current=True),
                name="ballot_one_current_per_roll_entry",
            ),
            models.CheckConstraint(
                condition=Q(is_current=True, superseded_at__isnull=True)
                | Q(is_current=False, superseded_at__isnull=False),
                name="ballot_current_not_superseded",
            ),
        ]
        indexes = [models.Index(fields=["vote", "is_current"])]

    def __str__(self) -> str:
        return f"ballot {self.pk} on vote {self.vote_id}"


class SecretBallot(models.Model):
    """A ballot in the box of a closed secret vote, with no link to who cast it.

    Written only by the close (voting.services.box), all rows of a vote in one statement
    of one transaction and in an order drawn by a cryptographic RNG: no foreign key, member,
    tracker or timestamp, and neither the transaction id, the physical order nor the random
    key can match a row to the roll entry it was sealed on. The college is kept, needed for
    the weighting.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="box")
    vote_college = models.ForeignKey(VoteCollege, on_delete=models.PROTECT, related_name="+")
    choice = models.JSONField()

    class Meta:
        ordering = ["vote", "id"]

    def __str__(self) -> str:
        return f"box entry {self.pk}"


class CountedTracker(models.Model):
    """A tracker whose sealed ballot was opened into the box at the close.

    Published, sorted, apart from the box: a voter finds their tracker here; nothing links
    it to a row of the box.
    """

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="counted_trackers")
    tracker = models.CharField(max_length=64)

    class Meta:
        ordering = ["vote", "tracker"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "tracker"], name="counted_tracker_unique")
        ]

    def __str__(self) -> str:
        return self.tracker


class UnlinkedSealedBallot(models.Model):
    """A ballot of a secret vote that was open when ballots began to be sealed on the roll.

    Its box entry had no voter, so it was sealed where it stood, keeping the hash of its
    receipt as tracker; it is opened into the box with the others at the close.
    """

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="+")
    vote_college = models.ForeignKey(VoteCollege, on_delete=models.PROTECT, related_name="+")
    sealed = models.BinaryField()
    tracker = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["vote", "tracker"]

    def __str__(self) -> str:
        return f"unlinked sealed ballot {self.tracker[:12]}"


class BallotKey(models.Model):
    """The X25519 key pair the ballots of one secret vote (or of one assembly resolution's
    postal ballots) are sealed to.

    The public half is stored as is. The private half is never stored in the clear: it
    exists only inside its wraps (KeyWrap), each saying how it may be unwrapped; deleting
    the wraps destroys it.
    """

    # Random, so that a key id is never reused (the public half is cached by id).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    public_key = models.BinaryField(max_length=32)
    created_at = models.DateTimeField()
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"ballot key {self.pk}"


class WrapMethod(models.TextChoices):
    # Sealed (XSalsa20-Poly1305) under a key derived from BALLOT_SEAL_KEY; `holder` names
    # the fingerprint of that key. Scrutineers' shares will be another method.
    ENVIRONMENT = "environment", _("Sealed under the server's BALLOT_SEAL_KEY")


class KeyWrap(models.Model):
    """One way to recover a ballot key's private half: the method, who holds what opens it,
    and the wrapped bytes. More methods (scrutineers' key shares released at the close) add
    rows here; the ballots, sealed to the public key, never change."""

    ballot_key = models.ForeignKey(BallotKey, on_delete=models.CASCADE, related_name="wraps")
    method = models.CharField(max_length=32, choices=WrapMethod.choices)
    holder = models.CharField(max_length=120)
    wrapped = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["ballot_key", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot_key", "method", "holder"], name="key_wrap_unique_holder"
            ),
            models.CheckConstraint(
                condition=Q(method__in=["environment"]), name="key_wrap_known_method"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} wrap of ballot key {self.ballot_key_id}"


class Proxy(models.Model):
    """A written proxy for one vote: the holder casts in the principal's college."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="proxies")
    principal = models.ForeignKey(
        "governance.Member", on_delete=models.PROTECT, related_name="proxies_given"
    )
    holder = models.ForeignKey(
        "governance.Member", on_delete=models.PROTECT, related_name="proxies_held"
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["vote", "id"]
        verbose_name_plural = "proxies"
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "principal"],
                condition=Q(revoked_at__isnull=True),
                name="proxy_one_live_per_principal",
            ),
            models.CheckConstraint(
                condition=~Q(principal=models.F("holder")), name="proxy_not_to_self"
            ),
            models.CheckConstraint(
                condition=Q(revoked_at__isnull=True) | Q(used_at__isnull=True),
                name="proxy_revoked_unused",
            ),
        ]

    def __str__(self) -> str:
        return f"proxy {self.principal_id} -> {self.holder_id} on vote {self.vote_id}"


class ObjectionState(models.TextChoices):
    RAISED = "raised", _("Raised")
    RESOLVED = "resolved", _("Resolved")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    UPHELD = "upheld", _("Upheld")


class Objection(models.Model):
    """A reasoned objection to a consent decision; a paramount one blocks while it stands."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="objections")
    member = models.ForeignKey("governance.Member", on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    is_paramount = models.BooleanField(default=True)
    state = models.CharField(
        max_length=16, choices=ObjectionState.choices, default=ObjectionState.RAISED
    )
    created_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["vote", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="raised", decided_at__isnull=True)
                | (~Q(state="raised") & Q(decided_at__isnull=False)),
                name="objection_decided_has_time",
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="objection_reasoned"),
        ]

    def __str__(self) -> str:
        return f"objection {self.pk} ({self.state})"


class Decision(models.Model):
    """What a closed vote decided, stored once at the close and never changed."""

    cooperative = models.ForeignKey(
        "governance.Cooperative", on_delete=models.PROTECT, related_name="decisions"
    )
    vote = models.OneToOneField(Vote, on_delete=models.PROTECT, related_name="decision")
    proposal = models.ForeignKey(
        "deliberation.Proposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    outcome = models.CharField(max_length=32)
    adopted = models.BooleanField()
    # The full result per college, as the tally engine's to_dict() gives it.
    result = models.JSONField()
    # The plain-language explanation as recorded, in English; readers get it translated.
    explanation = models.TextField()
    rules_version = models.PositiveIntegerField()
    college_config_version = models.PositiveIntegerField(null=True, blank=True)
    # Hash of the audit entry appended by the close, in the same transaction.
    audit_hash = models.CharField(max_length=64)
    # The decision's place in the reconciliation feed: the position (id) of the audit entry
    # the close appended. Positions are handed out under the audit chain's head lock, held
    # until the close commits, so they follow commit order, which the id does not (the id
    # is taken before the lock). Empty only inside the closing transaction.
    feed_position = models.BigIntegerField(null=True, blank=True, unique=True)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["cooperative", "id"]),
            models.Index(fields=["cooperative", "feed_position"], name="decision_feed"),
        ]

    def __str__(self) -> str:
        return f"decision {self.pk}: {self.outcome}"
