"""Sealed secret ballots: per-vote X25519 key pairs, their custody, sealing and opening."""

from __future__ import annotations

import hashlib
import json
import struct
import uuid
from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone
from nacl.encoding import RawEncoder
from nacl.exceptions import CryptoError
from nacl.hash import blake2b
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

from voting.models import BallotKey, ConsentChoice, KeyWrap, ResolutionChoice, WrapMethod
from voting.receipts import receipt_hash

# Sealed ballots of one vote all have the same length, so that their size cannot tell a
# short choice ("for") from a long one ("against"): the plaintext is padded to a size that
# fits any valid choice of the vote, rounded up to this many bytes.
_PAD_STEP = 64
_LENGTH = struct.Struct(">I")


class BallotKeyUnavailable(Exception):
    """The private key of a vote cannot be recovered: destroyed, or the wrong seal key."""


def wrapping_key() -> tuple[bytes, str]:
    """The key wrapping private ballot keys, derived from BALLOT_SEAL_KEY, and its
    fingerprint (which names the wraps it made, so a changed key is reported as such)."""
    raw = getattr(settings, "BALLOT_SEAL_KEY", "")
    if not raw:
        raise ImproperlyConfigured(
            "BALLOT_SEAL_KEY is not set: secret ballots cannot be sealed or opened."
        )
    key = blake2b(raw.encode(), digest_size=32, person=b"collegia-seal", encoder=RawEncoder)
    fingerprint = blake2b(key, digest_size=8, person=b"collegia-keyid").decode()
    return key, f"seal-key:{fingerprint}"


def ballot_key_create() -> BallotKey:
    """Make a key pair: store the public half, and the private half only wrapped under the
    seal key from the environment."""
    private = PrivateKey.generate()
    now = timezone.now()
    key = BallotKey.objects.create(public_key=bytes(private.public_key), created_at=now)
    wrapping, holder = wrapping_key()
    KeyWrap.objects.create(
        ballot_key=key,
        method=WrapMethod.ENVIRONMENT,
        holder=holder,
        wrapped=bytes(SecretBox(wrapping).encrypt(bytes(private))),
        created_at=now,
    )
    return key


def ballot_key_private(key: BallotKey) -> PrivateKey:
    """Unwrap the private half, or raise BallotKeyUnavailable saying why."""
    if key.destroyed_at is not None:
        raise BallotKeyUnavailable(f"ballot key {key.pk} was destroyed")
    wrapping, holder = wrapping_key()
    wrap = KeyWrap.objects.filter(
        ballot_key=key, method=WrapMethod.ENVIRONMENT, holder=holder
    ).first()
    if wrap is None:
        raise BallotKeyUnavailable(
            f"ballot key {key.pk} has no wrap under the current BALLOT_SEAL_KEY ({holder})"
        )
    try:
        return PrivateKey(SecretBox(wrapping).decrypt(bytes(wrap.wrapped)))
    except CryptoError as exc:
        raise BallotKeyUnavailable(f"ballot key {key.pk} does not unwrap") from exc


def ballot_key_destroy(key: BallotKey) -> None:
    """Delete every wrap of the private half: nobody can open its ballots again."""
    KeyWrap.objects.filter(ballot_key=key).delete()
    key.destroyed_at = timezone.now()
    key.save(update_fields=["destroyed_at"])


_public_keys: dict[uuid.UUID, PublicKey] = {}


def public_key_of(key_id: uuid.UUID) -> PublicKey:
    """The public half of a ballot key, kept in memory once read: it never changes, and
    every secret cast needs it."""
    found = _public_keys.get(key_id)
    if found is None:
        raw = BallotKey.objects.values_list("public_key", flat=True).get(pk=key_id)
        found = _public_keys[key_id] = PublicKey(bytes(raw))
    return found


def padded_size(*, options: Sequence[str], grades: Sequence[str]) -> int:
    """A plaintext size that fits the canonical JSON of any valid choice of a vote with
    these options and grades (see voting.choices), rounded up to _PAD_STEP."""

    def size(value: Any) -> int:
        return len(json.dumps(value, ensure_ascii=False).encode())

    words = max(size(c) for c in (*ResolutionChoice.values, *ConsentChoice.values))
    grade = max((size(g) for g in grades), default=0)
    # Each option appears at most once, with a grade (majority judgment) or within its own
    # brackets (ranked), plus separators.
    bound = sum(size(o) + grade + 4 for o in options) + words + 8 + _LENGTH.size
    return -(-bound // _PAD_STEP) * _PAD_STEP


def seal(public_key: PublicKey, choice: Any, *, size: int) -> bytes:
    """Encrypt a canonical choice to the public key (an anonymous sealed box: a fresh
    ephemeral key each time, so equal choices give unrelated bytes)."""
    data = json.dumps(choice, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    plain = _LENGTH.pack(len(data)) + data
    plain += bytes(max(0, size - len(plain)))
    return bytes(SealedBox(public_key).encrypt(plain))


def unseal(private_key: PrivateKey, sealed: bytes | memoryview) -> Any:
    plain = SealedBox(private_key).decrypt(bytes(sealed))
    (length,) = _LENGTH.unpack_from(plain)
    return json.loads(plain[_LENGTH.size : _LENGTH.size + length].decode())


def tracker_of(sealed: bytes | memoryview) -> str:
    """The tracker handed to the voter: the sha256 of their sealed ballot."""
    return hashlib.sha256(bytes(sealed)).hexdigest()


def tracker_from_code(code: str) -> str:
    """The tracker a voter types back (case, spaces and dashes do not matter). A receipt
    code from before ballots were sealed is turned into the hash it was stored under."""
    text = "".join(ch for ch in code.lower() if ch.isalnum())
    if len(text) == 64 and all(ch in "0123456789abcdef" for ch in text):
        return text
    return receipt_hash(code)
