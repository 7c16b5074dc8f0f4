"""Taking part in an assembly: convocations sent, proxies, postal votes and attendance."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from assemblies.models.assembly import Assembly, AssemblyCall, Resolution
from core.constraints import reached_has_time


class ConvocationChannel(models.TextChoices):
    EMAIL = "email", _("Email")
    IN_APP = "in_app", _("In-app notification")


class ConvocationStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    NO_ADDRESS = "no_address", _("No address")


class Convocation(models.Model):
    """Proof that one member was convened to one call: to whom, when, by which channel."""

    call = models.ForeignKey(AssemblyCall, on_delete=models.CASCADE, related_name="convocations")
    member = models.ForeignKey("governance.Member", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    channel = models.CharField(max_length=16, choices=ConvocationChannel.choices)
    address = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=16, choices=ConvocationStatus.choices)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["call", "member__name", "channel", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "person", "member", "channel"], name="convocation_unique"
            ),
            reached_has_time("convocation_sent_has_time", state="sent", at="sent_at"),
        ]
        # The queued and failed emails of a call, for sending and resending.
        indexes = [models.Index(fields=["call", "status", "channel"], name="convocation_by_state")]

    def __str__(self) -> str:
        return f"{self.channel} to {self.person_id} for {self.call_id}"


class ConvocationCount(models.Model):
    """How many convocations of a call are in one (channel, status): the convocations
    page's figures, read in a few rows at any roll size. Moved in the transaction of
    every write that creates a convocation or changes its status
    (assemblies.services.convocation), so it always agrees with the rows."""

    call = models.ForeignKey(AssemblyCall, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=16, choices=ConvocationChannel.choices)
    status = models.CharField(max_length=16, choices=ConvocationStatus.choices)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["call", "channel", "status"], name="convocation_count_unique"
            ),
            models.CheckConstraint(condition=Q(count__gte=0), name="convocation_count_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.channel} {self.status} for {self.call_id}"


class AssemblyProxy(models.Model):
    """A written proxy for a whole assembly; without a holder, it goes to the chair."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="proxies")
    principal = models.ForeignKey("governance.Member", on_delete=models.PROTECT, related_name="+")
    holder = models.ForeignKey(
        "governance.Member", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    given_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    on_paper = models.BooleanField(default=False)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assembly", "id"]
        verbose_name_plural = "assembly proxies"
        constraints = [
            models.UniqueConstraint(
                fields=["assembly", "principal"],
                condition=Q(revoked_at__isnull=True),
                name="assembly_proxy_one_live",
            ),
            models.CheckConstraint(
                condition=~Q(principal=models.F("holder")), name="assembly_proxy_not_to_self"
            ),
        ]

    def __str__(self) -> str:
        return f"proxy {self.principal_id} -> {self.holder_id} ({self.assembly_id})"


class PostalVote(models.Model):
    """A postal (remote, before the meeting) ballot on one resolution.

    It is cast into the resolution's vote when the chair opens it. On a secret resolution
    the choice is never stored in the clear: it is sealed to the resolution's postal key
    (voting.sealing) when received, opened only to be cast (and sealed again) into the vote,
    then erased here with the key destroyed.
    """

    resolution = models.ForeignKey(
        Resolution, on_delete=models.CASCADE, related_name="postal_votes"
    )
    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="postal_votes")
    member = models.ForeignKey("governance.Member", on_delete=models.PROTECT, related_name="+")
    choice = models.CharField(max_length=16, blank=True)
    sealed_choice = models.BinaryField(null=True, blank=True, editable=False)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    on_paper = models.BooleanField(default=False)
    received_at = models.DateTimeField()
    counted_at = models.DateTimeField(null=True, blank=True)
    is_sealed = models.BooleanField(default=False)
    count_error = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["resolution", "id"]
        constraints = [
            models.UniqueConstraint(fields=["resolution", "member"], name="postal_vote_unique"),
            models.CheckConstraint(
                condition=Q(is_sealed=False) | Q(choice=""), name="postal_vote_sealed_empty"
            ),
            models.CheckConstraint(
                condition=Q(sealed_choice__isnull=True) | Q(choice=""),
                name="postal_vote_sealed_choice_not_clear",
            ),
        ]
        indexes = [models.Index(fields=["assembly", "member"])]

    def __str__(self) -> str:
        return f"postal {self.member_id} on {self.resolution_id}"


class AttendanceMode(models.TextChoices):
    PRESENT = "present", _("Present")
    REMOTE = "remote", _("Remote")


class Attendance(models.Model):
    """A member signed in to one call, in the room or remotely; leaving ends the row."""

    call = models.ForeignKey(AssemblyCall, on_delete=models.CASCADE, related_name="attendances")
    member = models.ForeignKey("governance.Member", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=16, choices=AttendanceMode.choices)
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    checked_in_at = models.DateTimeField()
    checked_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["call", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["call", "member"],
                condition=Q(checked_out_at__isnull=True),
                name="attendance_one_open_per_member",
            ),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_out_at__gte=models.F("checked_in_at")),
                name="attendance_out_after_in",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.mode} at {self.call_id}"


class IntentMode(models.TextChoices):
    PRESENT = "present", _("In the room")
    REMOTE = "remote", _("Remotely")
    ABSENT = "absent", _("Not attending")


class AttendanceIntent(models.Model):
    """What a member said, before the meeting, of how they will take part; it helps the
    desk prepare and never counts for the quorum (only signing in on the day does)."""

    assembly = models.ForeignKey(Assembly, on_delete=models.CASCADE, related_name="intents")
    member = models.ForeignKey("governance.Member", on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(max_length=16, choices=IntentMode.choices)
    declared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    declared_at = models.DateTimeField()

    class Meta:
        ordering = ["assembly", "id"]
        constraints = [
            models.UniqueConstraint(fields=["assembly", "member"], name="attendance_intent_unique"),
            models.CheckConstraint(
                condition=Q(mode__in=["present", "remote", "absent"]),
                name="attendance_intent_mode",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member_id} {self.mode} at {self.assembly_id}"


class CallAttendanceCount(models.Model):
    """How many members with a vote take part in a call under way in one way (`part`: the
    attendance modes, "postal", "represented", or "" for absent), per college of the roll
    (`college_key`, as `assemblies.selectors.roll_colleges` keys them): the live quorum
    read in a handful of rows at any roll size. A call convened gets a row for every
    college and part, zeros included; every write that changes how members take part moves
    them in its own transaction (assemblies.services.attendance_counts), and the acts that
    bind count the roll again and compare."""

    call = models.ForeignKey(AssemblyCall, on_delete=models.CASCADE, related_name="+")
    college_key = models.CharField(max_length=32)
    part = models.CharField(max_length=16, blank=True)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["call", "college_key", "part"], name="call_attendance_count_unique"
            ),
            models.CheckConstraint(
                condition=Q(count__gte=0), name="call_attendance_count_positive"
            ),
            models.CheckConstraint(
                condition=Q(part__in=["", "present", "remote", "postal", "represented"]),
                name="call_attendance_count_part",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.count} {self.part or 'absent'} in {self.college_key} at {self.call_id}"
