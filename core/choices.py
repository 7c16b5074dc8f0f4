"""Choices shared by the notification tables and the kinds of notification."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailMode(models.TextChoices):
    """How a person wants one kind of notification by e-mail."""

    IMMEDIATE = "immediate", _("Immediately")
    DIGEST = "digest", _("In a daily digest")
    OFF = "off", _("Off")


class EmailStatus(models.TextChoices):
    """Where a notification's e-mail stands. Blank: none is due (off, no address)."""

    NONE = "", _("No e-mail")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
