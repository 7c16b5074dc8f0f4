"""Written proxies for one vote."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from voting.models.votes import (
    Vote,
)


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
