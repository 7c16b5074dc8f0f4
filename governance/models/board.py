"""The board's seats and the observers."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from governance.models.cooperatives import Cooperative


class BoardRoleKind(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-chair")
    SECRETARY = "secretary", _("Secretary")
    TREASURER = "treasurer", _("Treasurer")
    DIRECTOR = "director", _("Director")


class BoardRoleQuerySet(models.QuerySet["BoardRole"]):
    def sitting(self, on: dt.date | None = None) -> BoardRoleQuerySet:
        """Seats that give board rights on `on` (today by default): not revoked, and the
        term not over. `term_ends_on` is the last day of the term, so the rights end the
        day after it without anyone acting. The one definition of who sits on a board;
        `governance.permissions.grants_sql` says the same in SQL."""
        day = on or timezone.localdate()
        return self.filter(revoked_at__isnull=True, term_ends_on__gte=day)

    def expired(self, on: dt.date | None = None) -> BoardRoleQuerySet:
        """Seats still held (not revoked) whose term ended before `on` (today by default)."""
        day = on or timezone.localdate()
        return self.filter(revoked_at__isnull=True, term_ends_on__lt=day)


class BoardRole(models.Model):
    cooperative = models.ForeignKey(
        Cooperative, on_delete=models.CASCADE, related_name="board_roles"
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="board_roles"
    )
    role = models.CharField(max_length=16, choices=BoardRoleKind.choices)
    started_on = models.DateField()
    term_ends_on = models.DateField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = BoardRoleQuerySet.as_manager()

    class Meta:
        ordering = ["cooperative", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "person"],
                condition=Q(revoked_at__isnull=True),
                name="board_role_one_active",
            ),
            models.CheckConstraint(
                condition=Q(term_ends_on__gt=models.F("started_on")), name="board_term_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person}: {self.role}"


class Observer(models.Model):
    """Someone who reads and comments on what is opened to observers, and never votes."""

    cooperative = models.ForeignKey(Cooperative, on_delete=models.CASCADE, related_name="observers")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="observer_of"
    )
    organisation = models.CharField(max_length=200, blank=True)
    invited_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["cooperative", "organisation"]
        constraints = [
            models.UniqueConstraint(
                fields=["cooperative", "person"],
                condition=Q(revoked_at__isnull=True),
                name="observer_one_active",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.organisation})"
