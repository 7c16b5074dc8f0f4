"""Plumbing tables: the hash-chained audit log and the transactional outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from core.choices import EmailMode, EmailStatus


class AuditHead(models.Model):
    """A single row locked while appending, so concurrent writers chain one after another;
    it holds the hash and the id of the chain's last entry."""

    last_hash = models.CharField(max_length=64, default="0" * 64)
    last_entry_id = models.BigIntegerField(null=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="audit_head_single")]

    def __str__(self) -> str:
        return f"audit head at #{self.last_entry_id}"


class AuditEntry(models.Model):
    """One governance act. Append-only: each row holds the hash of the one before, and its
    own hash is keyed, so only a holder of the audit key can write a row that verifies."""

    # The entry's position in the chain, handed out under the head lock (never by the
    # database), so that the hash covering it is computed before the row is written.
    id = models.BigIntegerField(primary_key=True)
    created_at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cooperative_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    verb = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    # HMAC-SHA-256 under the key named by key_id; plain SHA-256 for the entries written
    # before the log was keyed (key_id empty), which only the chain's start may hold.
    hash = models.CharField(max_length=64, unique=True)
    key_id = models.CharField(max_length=32, blank=True, default="")

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.pk} {self.verb} {self.target_type}:{self.target_id}"


class OutboxEvent(models.Model):
    """An integration event stored in the same transaction as the change that caused it.

    The webhook dispatcher fans each row out to the cooperative's endpoints; the row is
    never deleted, so the history of what was announced stays readable.
    """

    cooperative_id = models.BigIntegerField(db_index=True)
    type = models.CharField(max_length=64)
    payload_version = models.PositiveSmallIntegerField(default=1)
    data = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        indexes = [
            # The events still to fan out, in the order the dispatcher takes them
            # (webhooks.claiming.dispatch_pending): its cost follows the batch, not history.
            models.Index(
                fields=["id"],
                condition=models.Q(dispatched_at__isnull=True),
                name="outbox_event_undispatched",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class Notification(models.Model):
    """A notice for one person, stored as a kind and parameters and rendered in the reader's
    language when read (core.notices); `message` is the text of rows written before kinds
    carried their parameters.

    The e-mail columns make the row its own outbox entry: written in the transaction that
    caused it, sent after the commit by `core.mailer`, at most once (claimed with
    ``SELECT ... FOR UPDATE SKIP LOCKED`` and marked sending before the SMTP exchange).
    """

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    cooperative_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=64)
    message = models.CharField(max_length=500, blank=True)
    data = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set for a notice that must reach a person once at most (a reminder): the pair
    # (person, once_key) is unique, so a second run of the job inserts nothing.
    once_key = models.CharField(max_length=80, blank=True, default="")
    email_mode = models.CharField(max_length=16, choices=EmailMode.choices, blank=True, default="")
    email_status = models.CharField(
        max_length=16, choices=EmailStatus.choices, blank=True, default=""
    )
    email_attempts = models.PositiveSmallIntegerField(default=0)
    email_next_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["person", "read_at"]),
            models.Index(
                fields=["email_mode", "email_next_at"],
                condition=models.Q(email_status__in=["queued", "sending"]),
                name="notification_email_due",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "once_key"],
                condition=~models.Q(once_key=""),
                name="notification_once_per_person",
            ),
            models.CheckConstraint(
                condition=models.Q(email_status="") | ~models.Q(email_mode=""),
                name="notification_email_has_mode",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.person_id}"

    @property
    def text(self) -> str:
        """The notice in the active language (the reader's)."""
        from core.notices import render_text

        return render_text(self.kind, self.data, self.message)


class NotificationPreference(models.Model):
    """A person's choice for one kind of notification by e-mail; a kind without a row
    follows its default (core.notices.KINDS)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=64)
    mode = models.CharField(max_length=16, choices=EmailMode.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "kind"], name="notification_preference_once")
        ]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind}: {self.mode}"


class NoticeJob(models.Model):
    """A notice sent once to a set of people (the 24-hour reminder of a vote): the unique key
    is taken in the transaction that writes the notifications, so two schedulers cannot
    both send it."""

    key = models.CharField(max_length=80, unique=True)
    created_at = models.DateTimeField()
    recipients = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return self.key
