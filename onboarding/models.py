"""Invitations by e-mail and applications for membership: how people come in."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.models import Cooperative, Member, Membership


class InvitationKind(models.TextChoices):
    MEMBER = "member", _("Associate")
    REPRESENTATIVE = "representative", _("Representative")
    OBSERVER = "observer", _("Observer")


class InvitationState(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    EXPIRED = "expired", _("Expired")
    REVOKED = "revoked", _("Revoked")


class Invitation(models.Model):
    """A one-time link, sent by e-mail, for a person the board brought in to choose a
    password. Only the link's SHA-256 digest is stored; resending replaces it."""

    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="invitations"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invitations"
    )
    email = models.EmailField(_("e-mail"))
    kind = models.CharField(max_length=16, choices=InvitationKind.choices)
    member = models.ForeignKey(
        Member, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    token_digest = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    send_count = models.PositiveSmallIntegerField(default=0)
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cooperative", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(accepted_at__isnull=True) | Q(revoked_at__isnull=True),
                name="invitation_accepted_or_revoked",
            ),
            # One open invitation per person and cooperative: resending reuses it.
            models.UniqueConstraint(
                fields=["cooperative", "person"],
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_person",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.kind})"

    def state(self, now: dt.datetime | None = None) -> str:
        """Pending, accepted, expired or revoked, at `now` (the present by default)."""
        if self.revoked_at is not None:
            return InvitationState.REVOKED
        if self.accepted_at is not None:
            return InvitationState.ACCEPTED
        if self.expires_at <= (now or timezone.now()):
            return InvitationState.EXPIRED
        return InvitationState.PENDING


class ApplicationOutcome(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class Application(models.Model):
    """A candidate's application filed from the cooperative's public page; the
    membership it opened (status applicant) is what the board decides on."""

    membership = models.OneToOneField(
        Membership, on_delete=models.PROTECT, related_name="application"
    )
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="applications"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications"
    )
    message = models.TextField(_("message"), blank=True, max_length=2000)
    filed_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(
        max_length=16, choices=ApplicationOutcome.choices, default=ApplicationOutcome.PENDING
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["cooperative", "-filed_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="pending", decided_at__isnull=True)
                | (~Q(outcome="pending") & Q(decided_at__isnull=False)),
                name="application_decided_has_date",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.cooperative} ({self.outcome})"
