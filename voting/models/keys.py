"""The key pairs secret ballots are sealed to, and the wraps of their private halves."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class BallotKey(models.Model):
    """The X25519 key pair the ballots of one secret vote (or of one assembly resolution's
    postal ballots) are sealed to.

    The public half is stored as is. The private half is never stored in the clear: it
    exists only inside its wraps (KeyWrap), each saying how it may be unwrapped; deleting
    the wraps destroys it.
    """

    # Random, so that a key id is never reused (the public half is cached by id).
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    public_key = models.BinaryField(max_length=32)
    created_at = models.DateTimeField()
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self) -> str:
        return f"ballot key {self.pk}"


class WrapMethod(models.TextChoices):
    # Sealed (XSalsa20-Poly1305) under a key derived from BALLOT_SEAL_KEY; `holder` names
    # the fingerprint of that key. Scrutineers' shares will be another method.
    ENVIRONMENT = "environment", _("Sealed under the server's BALLOT_SEAL_KEY")


class KeyWrap(models.Model):
    """One way to recover a ballot key's private half: the method, who holds what opens it,
    and the wrapped bytes. More methods (scrutineers' key shares released at the close) add
    rows here; the ballots, sealed to the public key, never change."""

    ballot_key = models.ForeignKey(BallotKey, on_delete=models.CASCADE, related_name="wraps")
    method = models.CharField(max_length=32, choices=WrapMethod.choices)
    holder = models.CharField(max_length=120)
    wrapped = models.BinaryField()
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["ballot_key", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ballot_key", "method", "holder"], name="key_wrap_unique_holder"
            ),
            models.CheckConstraint(
                condition=Q(method__in=["environment"]), name="key_wrap_known_method"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.method} wrap of ballot key {self.ballot_key_id}"
