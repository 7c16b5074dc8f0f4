"""What a closed vote decided."""

from __future__ import annotations

from django.db import models

from voting.models.votes import (
    Vote,
)


class Decision(models.Model):
    """What a closed vote decided, stored once at the close and never changed."""

    cooperative = models.ForeignKey(
        "governance.Cooperative", on_delete=models.PROTECT, related_name="decisions"
    )
    vote = models.OneToOneField(Vote, on_delete=models.PROTECT, related_name="decision")
    proposal = models.ForeignKey(
        "deliberation.Proposal",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
    )
    outcome = models.CharField(max_length=32)
    adopted = models.BooleanField()
    # The full result per college, as the tally engine's to_dict() gives it.
    result = models.JSONField()
    # The plain-language explanation as recorded, in English; readers get it translated.
    explanation = models.TextField()
    rules_version = models.PositiveIntegerField()
    college_config_version = models.PositiveIntegerField(null=True, blank=True)
    # Hash of the audit entry appended by the close, in the same transaction.
    audit_hash = models.CharField(max_length=64)
    # The decision's place in the reconciliation feed: the position (id) of the audit entry
    # the close appended. Positions are handed out under the audit chain's head lock, held
    # until the close commits, so they follow commit order, which the id does not (the id
    # is taken before the lock). Empty only inside the closing transaction.
    feed_position = models.BigIntegerField(null=True, blank=True, unique=True)
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["id"]
        indexes = [
            models.Index(fields=["cooperative", "id"]),
            models.Index(fields=["cooperative", "feed_position"], name="decision_feed"),
        ]

    def __str__(self) -> str:
        return f"decision {self.pk}: {self.outcome}"
