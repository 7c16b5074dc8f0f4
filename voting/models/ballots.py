"""Ballots, open and secret, and the trackers of counted secret ballots."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q

from voting.models.votes import (
    RollEntry,
    Vote,
    VoteCollege,
)


class Ballot(models.Model):
    """An open ballot. Changes keep history: the superseded rows stay, one row is current."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    roll_entry = models.ForeignKey(RollEntry, on_delete=models.PROTECT, related_name="ballots")
    # Copied from the roll entry so that a tally is one GROUP BY over this table.
    vote_college = models.ForeignKey(VoteCollege, on_delete=models.PROTECT, related_name="+")
    choice = models.JSONField()
    cast_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    proxy = models.ForeignKey(
        "voting.Proxy", null=True, blank=True, on_delete=models.PROTECT, related_name="ballots"
    )
    is_current = models.BooleanField(default=True)
    created_at = models.DateTimeField()
    superseded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            # One ballot per roll entry, held by the database: the last one counts.
            models.UniqueConstraint(
                fields=["roll_entry"],
                condition=Q(is_current=True),
                name="ballot_one_current_per_roll_entry",
            ),
            models.CheckConstraint(
                condition=Q(is_current=True, superseded_at__isnull=True)
                | Q(is_current=False, superseded_at__isnull=False),
                name="ballot_current_not_superseded",
            ),
        ]
        indexes = [models.Index(fields=["vote", "is_current"])]

    def __str__(self) -> str:
        return f"ballot {self.pk} on vote {self.vote_id}"


class SecretBallot(models.Model):
    """A ballot in the box of a closed secret vote, with no link to who cast it.

    Written only by the close (voting.services.box), all rows of a vote in one statement
    of one transaction and in an order drawn by a cryptographic RNG: no foreign key, member,
    tracker or timestamp, and neither the transaction id, the physical order nor the random
    key can match a row to the roll entry it was sealed on. The college is kept, needed for
    the weighting.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="box")
    vote_college = models.ForeignKey(VoteCollege, on_delete=models.PROTECT, related_name="+")
    choice = models.JSONField()

    class Meta:
        ordering = ["vote", "id"]

    def __str__(self) -> str:
        return f"box entry {self.pk}"


class CountedTracker(models.Model):
    """A tracker whose sealed ballot was opened into the box at the close.

    Published, sorted, apart from the box: a voter finds their tracker here; nothing links
    it to a row of the box.
    """

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="counted_trackers")
    tracker = models.CharField(max_length=64)

    class Meta:
        ordering = ["vote", "tracker"]
        constraints = [
            models.UniqueConstraint(fields=["vote", "tracker"], name="counted_tracker_unique")
        ]

    def __str__(self) -> str:
        return self.tracker


class UnlinkedSealedBallot(models.Model):
    """A ballot of a secret vote that was open when ballots began to be sealed on the roll.

    Its box entry had no voter, so it was sealed where it stood, keeping the hash of its
    receipt as tracker; it is opened into the box with the others at the close.
    """

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="+")
    vote_college = models.ForeignKey(VoteCollege, on_delete=models.PROTECT, related_name="+")
    sealed = models.BinaryField()
    tracker = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["vote", "tracker"]

    def __str__(self) -> str:
        return f"unlinked sealed ballot {self.tracker[:12]}"
