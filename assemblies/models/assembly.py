"""Assemblies and what they are made of: calls, agenda, elections, resolutions, minutes."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.constraints import reached_has_time
from core.fields import FractionField


class AssemblyKind(models.TextChoices):
    ORDINARY = "ordinary", _("Ordinary general assembly")
    EXTRAORDINARY = "extraordinary", _("Extraordinary general assembly")


class AssemblyStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONVENED = "convened", _("Convened")
    IN_SESSION = "in_session", _("In session")
    # The first call lacked its quorum; the second call is not convened yet.
    ADJOURNED = "adjourned", _("Adjourned to a second call")
    CLOSED = "closed", pgettext_lazy("assembly status", "Closed")
    CANCELLED = "cancelled", _("Cancelled")


# While proxies and postal votes may still be given, changed or revoked.
BEFORE_MEETING_STATUSES = (AssemblyStatus.CONVENED, AssemblyStatus.ADJOURNED)


def _bureau_member() -> models.ForeignKey[Any, Any]:
    """A seat of the meeting's bureau: a person, none until the meeting opens."""
    return models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )


class Assembly(models.Model):
    """One general assembly, ordinary or extraordinary, held on a first or second call."""

    cooperative = models.ForeignKey(
        "governance.Cooperative", on_delete=models.CASCADE, related_name="assemblies"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=AssemblyKind.choices)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(
        max_length=16, choices=AssemblyStatus.choices, default=AssemblyStatus.DRAFT
    )
    remote_allowed = models.BooleanField(_("members may attend remotely"), default=True)
    # Open resolutions show their running result to the attendees as ballots come in.
    results_live = models.BooleanField(_("results shown live"), default=False)
    postal_allowed = models.BooleanField(_("members may vote by post"), default=True)
    # The call under way or next: 1, or 2 after a first call without quorum.
    current_call = models.PositiveSmallIntegerField(default=1)
    # The rules version in force when the assembly was convened; it sets notice, quorum
    # and proxy rules for the assembly. Each resolution vote freezes its own at opening.
    rules_version = models.ForeignKey(
        "governance.RulesVersion",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    chair = _bureau_member()
    secretary = _bureau_member()
    # The bureau of the meeting: the chair, two scrutineers and the secretary, recorded at
    # the opening; they sign the minutes.
    scrutineer_1 = _bureau_member()
    scrutineer_2 = _bureau_member()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The last sequence number of the assembly's live room; the row is the writers' lock.
    last_seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "assemblies"
        indexes = [models.Index(fields=["cooperative", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["ordinary", "extraordinary"]), name="assembly_kind_binding"
            ),
            models.CheckConstraint(
                condition=Q(current_call__in=[1, 2]), name="assembly_call_one_or_two"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "cancelled"]) | Q(rules_version__isnull=False),
                name="assembly_convened_has_rules",
            ),
            reached_has_time("assembly_closed_has_time", state="closed", at="closed_at"),
            models.CheckConstraint(
                condition=Q(scrutineer_1__isnull=True)
                | Q(scrutineer_2__isnull=True)
                | ~Q(scrutineer_1=models.F("scrutineer_2")),
                name="assembly_two_distinct_scrutineers",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class CallStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CONVENED = "convened", _("Convened")
    QUORUM_REACHED = "quorum_reached", _("Held: quorum reached")
    QUORUM_NOT_REACHED = "quorum_not_reached", _("Quorum not reached")
    CANCELLED = "cancelled", _("Cancelled")


class AssemblyCall(models.Model):
    """A first or second call (convocation) of an assembly, with its attendance snapshot."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="calls")
    number = models.PositiveSmallIntegerField()
    scheduled_at = models.DateTimeField(_("date and time"))
    place = models.CharField(_("place"), max_length=300, blank=True)
    remote_url = models.URLField(_("remote link"), max_length=500, blank=True)
    status = models.CharField(
        max_length=24, choices=CallStatus.choices, default=CallStatus.SCHEDULED
    )
    convened_at = models.DateTimeField(null=True, blank=True)
    convened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    notice_days_required = models.PositiveSmallIntegerField(null=True, blank=True)
    # When the quorum was established or found missing, and the figures at that moment.
    quorum_checked_at = models.DateTimeField(null=True, blank=True)
    quorum_mode = models.CharField(max_length=32, blank=True)
    quorum_required = FractionField(null=True, blank=True)
    quorum_ratio = FractionField(null=True, blank=True)
    quorum_reached = models.BooleanField(null=True, blank=True)
    attendance = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["assembly", "number"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "number"], name="assembly_call_unique"),
            models.CheckConstraint(condition=Q(number__in=[1, 2]), name="assembly_call_number"),
            models.CheckConstraint(
                condition=Q(status__in=["scheduled", "cancelled"]) | Q(convened_at__isnull=False),
                name="assembly_call_convened_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.assembly} call {self.number}"


class ItemKind(models.TextChoices):
    RESOLUTION = "resolution", _("Resolution")
    ELECTION = "election", _("Board election")
    INFORMATION = "information", _("Information (no vote)")


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    OPEN = "open", _("Open for voting")
    CLOSED = "closed", _("Voted")
    NOT_TAKEN = "not_taken", _("Not taken")


class AgendaItem(models.Model):
    """One point of the agenda: a resolution, a board election, or information only."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=16, choices=ItemKind.choices)
    title = models.CharField(_("title"), max_length=200)
    text = models.TextField(_("text"), blank=True, help_text=_("Clean HTML."))
    is_secret = models.BooleanField(null=True, blank=True)
    proposal = models.ForeignKey(
        "deliberation.Proposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(max_length=16, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    opened_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assembly", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "position"], name="agenda_item_unique_position"
            ),
            # The chair opens the resolutions one at a time.
            models.UniqueConstraint(
                fields=["assembly"], condition=Q(status="open"), name="agenda_one_open_item"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.position}. {self.title}"


class Election(models.Model):
    """The board seats an election item fills, and for how long."""

    item = models.OneToOneField(AgendaItem, on_delete=models.CASCADE, related_name="election")
    seats = models.PositiveSmallIntegerField()
    role = models.CharField(max_length=16, default="director")
    term_years = models.PositiveSmallIntegerField()
    declared_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(seats__gte=1), name="election_has_seats"),
            # Board members serve at most six years (C. com. L225-18).
            models.CheckConstraint(
                condition=Q(term_years__gte=1) & Q(term_years__lte=6), name="election_term_bounds"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.seats} seats"


class ReservedSeat(models.Model):
    """Seats of an election kept for candidates of one college."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="reserved")
    college = models.ForeignKey("governance.College", on_delete=models.PROTECT, related_name="+")
    seats = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["election", "college"], name="reserved_seat_unique"),
            models.CheckConstraint(condition=Q(seats__gte=1), name="reserved_seat_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.seats} for college {self.college_id}"


class Candidate(models.Model):
    """A person standing for the board, for a member (themself or a legal person)."""

    election = models.ForeignKey(Election, on_delete=models.CASCADE, related_name="candidates")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    member = models.ForeignKey("governance.Member", on_delete=models.PROTECT, related_name="+")
    college = models.ForeignKey(
        "governance.College", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    statement = models.TextField(blank=True)
    created_at = models.DateTimeField()
    elected = models.BooleanField(null=True, blank=True)
    board_role = models.ForeignKey(
        "governance.BoardRole",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["election", "id"]
        constraints = [
            models.UniqueConstraint(fields=["election", "person"], name="candidate_unique_person")
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.election_id})"


class Resolution(models.Model):
    """Something the assembly votes on: an agenda resolution, or one election candidate.

    Its vote (method `resolution`, the assembly's decision kind) is created and opened by
    the chair in session, with the quorum of the call under way.
    """

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="resolutions")
    candidate = models.OneToOneField(
        Candidate, null=True, blank=True, on_delete=models.CASCADE, related_name="resolution"
    )
    title = models.CharField(max_length=200)
    # Proposed or approved by the board: a proxy without a named holder votes for it, and
    # against the others (C. com. L225-106).
    board_backed = models.BooleanField(default=True)
    vote = models.OneToOneField(
        "voting.Vote", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # The key postal ballots on a secret resolution are sealed to until its vote opens.
    postal_key = models.OneToOneField(
        "voting.BallotKey", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Attendance when the vote opened, and what became of proxies and postal ballots.
    attendance = models.JSONField(default=dict, blank=True)
    carried = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["item", "id"]

    def __str__(self) -> str:
        return self.title


class AssemblyDocument(models.Model):
    """A document sent with the convocation (accounts, reports, draft resolutions)."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(max_length=200)
    url = models.URLField(max_length=500)
    sha256 = models.CharField(max_length=64, blank=True)
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["assembly", "id"]

    def __str__(self) -> str:
        return self.title


class AssemblyEvent(models.Model):
    """A live event of an assembly's room, stored before broadcast so clients can replay."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="events")
    seq = models.PositiveBigIntegerField()
    type = models.CharField(max_length=64)
    data = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["assembly", "seq"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "seq"], name="assembly_event_unique_seq")
        ]

    def __str__(self) -> str:
        return f"{self.assembly_id}#{self.seq} {self.type}"


class Minutes(models.Model):
    """The minutes (procès-verbal) as generated at the close, stored byte for byte."""

    assembly = models.OneToOneField(Assembly, on_delete=models.PROTECT, related_name="minutes")
    html = models.TextField()
    pdf = models.BinaryField()
    html_sha256 = models.CharField(max_length=64)
    pdf_sha256 = models.CharField(max_length=64)
    generated_at = models.DateTimeField()
    # Hash of the audit entry that records the two digests above.
    audit_hash = models.CharField(max_length=64)
    # Once every member of the bureau signed: the PDF with their signatures, its digest
    # and the audit entry recording it.
    signed_pdf = models.BinaryField(null=True, blank=True)
    signed_pdf_sha256 = models.CharField(max_length=64, blank=True)
    signed_audit_hash = models.CharField(max_length=64, blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "minutes"

    def __str__(self) -> str:
        return f"minutes of {self.assembly_id}"


class BureauRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    SCRUTINEER_1 = "scrutineer_1", _("Scrutineer")
    SCRUTINEER_2 = "scrutineer_2", _("Scrutineer")
    SECRETARY = "secretary", _("Secretary of the meeting")


class MinutesSignature(models.Model):
    """One member of the bureau signed the minutes, in one role, at one time."""

    minutes = models.ForeignKey(Minutes, on_delete=models.PROTECT, related_name="signatures")
    role = models.CharField(max_length=16, choices=BureauRole.choices)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()
    # Hash of the audit entry that records the signature and the digest signed.
    audit_hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["minutes", "signed_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["minutes", "role"], name="minutes_signature_one_per_role"
            ),
            models.CheckConstraint(
                condition=Q(role__in=["chair", "scrutineer_1", "scrutineer_2", "secretary"]),
                name="minutes_signature_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.role} signed {self.minutes_id}"
