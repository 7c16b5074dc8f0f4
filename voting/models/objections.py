"""Objections raised against a vote, and how they were decided."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from voting.models.votes import (
    Vote,
)


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
