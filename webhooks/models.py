"""Webhook endpoints of a cooperative, the messages owed to them and every delivery attempt."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.constraints import reached_has_time
from core.models import OutboxEvent
from governance.models import Cooperative


class DisabledReason(models.TextChoices):
    BOARD = "board", _("Disabled by the board")
    GONE = "gone", _("The receiver answered 410 Gone")
    FAILING = "failing", _("Every delivery failed for 5 days")


class Endpoint(models.Model):
    """A URL of the operational platform that receives the cooperative's events.

    ``event_types`` filters what it receives (empty: every type). During a secret rotation
    the previous secret stays valid until ``previous_secret_expires_at`` and every delivery
    carries both signatures.
    """

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.CharField(_("URL"), max_length=2000)
    description = models.CharField(_("description"), max_length=300, blank=True)
    event_types = models.JSONField(_("event types"), default=list, blank=True)
    is_enabled = models.BooleanField(_("enabled"), default=True)
    disabled_reason = models.CharField(
        max_length=16, choices=DisabledReason.choices, blank=True, default=""
    )
    disabled_at = models.DateTimeField(null=True, blank=True)
    secret = models.CharField(max_length=100)
    previous_secret = models.CharField(max_length=100, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    failing_since = models.DateTimeField(
        null=True, blank=True, help_text="First failed attempt since the last success."
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["cooperative", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(is_enabled=True) & Q(disabled_reason=""))
                | (Q(is_enabled=False) & ~Q(disabled_reason="")),
                name="webhook_endpoint_disabled_has_reason",
            ),
            models.CheckConstraint(
                condition=(Q(previous_secret="") & Q(previous_secret_expires_at__isnull=True))
                | (~Q(previous_secret="") & Q(previous_secret_expires_at__isnull=False)),
                name="webhook_endpoint_previous_secret_expires",
            ),
        ]

    def __str__(self) -> str:
        return self.url


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    DELIVERING = "delivering", _("Delivering")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")


# Messages a worker may claim once ``next_attempt_at`` has passed: pending ones, and those
# whose delivering worker let its lease expire (``next_attempt_at`` then holds the lease end).
CLAIMABLE_STATUSES = (MessageStatus.PENDING, MessageStatus.DELIVERING)


class Message(models.Model):
    """One outbox event owed to one endpoint. ``msg_id`` is the stable ``webhook-id``.

    ``attempts`` counts every attempt ever started (it numbers the log); ``round_attempts``
    counts those since the message was created or last replayed, and drives the retry
    schedule. While a worker delivers, ``locked_until`` is the end of its lease and
    ``lease_token`` identifies the claim.
    """

    msg_id = models.CharField(max_length=64, unique=True)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="messages")
    event = models.ForeignKey(OutboxEvent, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        max_length=16, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    round_attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    locked_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True, default="")
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True, default="")
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"], name="webhook_message_one_per_endpoint_event"
            ),
            reached_has_time(
                "webhook_message_delivered_has_time", state="delivered", at="delivered_at"
            ),
            models.CheckConstraint(
                condition=~Q(status="delivering")
                | (Q(locked_until__isnull=False) & Q(next_attempt_at__isnull=False)),
                name="webhook_message_delivering_has_lease",
            ),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
                name="webhook_message_pending_is_scheduled",
            ),
        ]
        indexes = [
            # In the claim's order (webhooks.claiming.claim_due), so a claim walks it.
            models.Index(
                fields=["next_attempt_at", "id"],
                condition=Q(status__in=["pending", "delivering"]),
                name="webhook_message_due",
            ),
            models.Index(
                fields=["endpoint", "status", "created_at"], name="webhook_message_by_status"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.msg_id} ({self.status})"


class Attempt(models.Model):
    """One HTTP attempt of a message: when, the answer (or the network error) and how long."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attempt_log")
    number = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    duration_ms = models.PositiveIntegerField(default=0)
    response_excerpt = models.TextField(blank=True, default="")
    error = models.CharField(max_length=500, blank=True, default="")

    class Meta:
        ordering = ["message", "number"]
        constraints = [
            models.UniqueConstraint(fields=["message", "number"], name="webhook_attempt_unique")
        ]

    def __str__(self) -> str:
        return f"{self.message_id} #{self.number}: {self.status_code or self.error}"
