"""Plumbing tables: the hash-chained audit log and the transactional outbox."""

from __future__ import annotations

from django.conf import settings
from django.db import models


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
    dispatched_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.type} #{self.pk}"


class Notification(models.Model):
    """An in-app notice for one person (a mention, a convocation, a disabled endpoint)."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    cooperative_id = models.BigIntegerField(null=True, blank=True)
    kind = models.CharField(max_length=64)
    message = models.CharField(max_length=500)
    data = models.JSONField(default=dict, blank=True)
    url = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        indexes = [models.Index(fields=["person", "read_at"])]

    def __str__(self) -> str:
        return f"{self.kind} for {self.person_id}"
