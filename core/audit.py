"""The append-only audit log: a hash chain keyed with HMAC, appended, anchored and verified."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import connection, models, transaction
from django.utils import timezone

from core.actors import SystemActor
from core.audit_keys import AuditKey, Keyring, keyring
from core.models import AuditEntry, AuditHead
from core.sql import RowUpdate, insert_with

GENESIS_HASH = "0" * 64
HEAD_ID = 1
# The entry that closes the unkeyed chain of an installation older than the keyed log:
# from it on, every entry is signed with a key of the keyring.
KEYED_FROM_HERE = "audit.keyed_from_here"
KEY_ROTATED = "audit.key_rotated"


def canonical_content(entry: Any) -> bytes:
    """The bytes an entry's hash covers: every field but the hash itself. An unkeyed entry
    (written before the log was keyed) is read as it was hashed then, without a key id."""
    content = {
        "id": entry.pk,
        "created_at": entry.created_at.isoformat(),
        "actor_id": entry.actor_id,
        "cooperative_id": entry.cooperative_id,
        "verb": entry.verb,
        "target_type": entry.target_type,
        "target_id": entry.target_id,
        "data": entry.data,
        "prev_hash": entry.prev_hash,
    }
    key_id = getattr(entry, "key_id", "")
    if key_id:
        content["key_id"] = key_id
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


class UnknownAuditKey(LookupError):
    """An entry names a key the keyring does not hold."""


def entry_hash(entry: Any, ring: Keyring | None = None) -> str:
    """HMAC-SHA-256 of the entry under the key it names; plain SHA-256 for an unkeyed one."""
    content = canonical_content(entry)
    key_id = getattr(entry, "key_id", "")
    if not key_id:
        return hashlib.sha256(content).hexdigest()
    secret = (ring or keyring()).secret(key_id)
    if secret is None:
        raise UnknownAuditKey(key_id)
    return hmac.new(secret, content, hashlib.sha256).hexdigest()


def _sign(entry: Any, key: AuditKey) -> None:
    entry.key_id = key.id
    entry.hash = hmac.new(key.secret, canonical_content(entry), hashlib.sha256).hexdigest()


def _target_of(target: models.Model | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    return target._meta.label_lower, str(target.pk)


def audit_append(
    *,
    actor: AbstractBaseUser | SystemActor | None,
    verb: str,
    target: models.Model | None = None,
    cooperative_id: int | None = None,
    data: dict[str, Any] | None = None,
    head: tuple[str, int | None] | None = None,
) -> AuditEntry:
    """Append one entry: lock the chain head, then insert the entry with its hash (an
    HMAC under the keyring's signing key) and move the head (one statement on PostgreSQL,
    two elsewhere).

    The head lock makes writers chain one after another, and it also hands out the
    entry's id (its position in the chain), so the hash, which covers the id, is known
    before the row is written. Joins the caller's transaction without a savepoint: an act
    whose audit entry fails must not commit.

    With `head`, the caller already locked the head in this transaction, in a statement
    of its own write (`head_lock`), and passes the chain's end it read.
    """
    with transaction.atomic(savepoint=False):
        entry = audit_entry(
            actor=actor,
            verb=verb,
            target=target,
            cooperative_id=cooperative_id,
            data=data,
            head=head if head is not None else _lock_head(),
        )
        # Every governance write appends: the head moves in the insert's statement.
        insert_with(entry, update=head_move(entry))
    return entry


def audit_entry(
    *,
    actor: AbstractBaseUser | SystemActor | None,
    verb: str,
    target: models.Model | None = None,
    cooperative_id: int | None = None,
    data: dict[str, Any] | None = None,
    head: tuple[str, int | None],
) -> AuditEntry:
    """The entry `audit_append` writes after the chain's end `head` (locked in this
    transaction), built and signed but not written. A writer that locked the head in a
    statement of its own (`head_lock`) writes it, with `head_move`, in the statement of
    its own write (core.sql.write_together): the ballot does."""
    last_hash, last_id = head
    target_type, target_id = _target_of(target)
    if isinstance(actor, SystemActor):
        data = {"system": actor.name, **(data or {})}
    entry = AuditEntry(
        id=(last_id or 0) + 1,
        created_at=timezone.now(),
        # The system acts as no person: its entries have no actor (see core.actors).
        actor_id=None if isinstance(actor, SystemActor) else getattr(actor, "pk", None),
        cooperative_id=cooperative_id,
        verb=verb,
        target_type=target_type,
        target_id=target_id,
        data=json.loads(json.dumps(data or {}, default=str)),
        prev_hash=last_hash,
    )
    _sign(entry, keyring().signing)
    return entry


def head_move(entry: AuditEntry) -> RowUpdate:
    """The update that moves the chain's head to `entry`."""
    return RowUpdate(AuditHead, HEAD_ID, {"last_hash": entry.hash, "last_entry_id": entry.pk})


def head_lock(condition: str = "") -> tuple[str, list[Any]] | None:
    """The locking read of the chain's end that audit_append starts with, for a writer
    to run inside its own statement (core.sql.insert_with's `lock_first`, or a read of
    its own) and pass on as `head`: one round trip fewer on the path every ballot takes.
    `condition`, an SQL condition without parameters, says when to lock at all. None off
    PostgreSQL."""
    if connection.vendor != "postgresql":
        return None
    also = f" AND {condition}" if condition else ""
    return (
        f"SELECT last_hash, last_entry_id FROM {AuditHead._meta.db_table}"
        f" WHERE id = %s{also} FOR UPDATE",
        [HEAD_ID],
    )


def audit_head_lock() -> None:
    """Take the chain head's lock now, ahead of the act's entry: for a writer that takes
    other locks after it. Every audited write holds the head until it commits, so a lock
    taken after the head is never held by a transaction waiting for it. The act's own
    append later reads the head it already holds."""
    _lock_head()


def _lock_head() -> tuple[str, int | None]:
    """Lock the head row and read the chain's end. The first append creates the head; a
    head that went missing is rebuilt from the last entry rather than restarting a chain.
    Every governance write runs this, so the statement is written out by hand."""
    lock = " FOR UPDATE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT last_hash, last_entry_id FROM {AuditHead._meta.db_table} WHERE id = %s{lock}",
            [HEAD_ID],
        )
        row = cursor.fetchone()
    if row is not None:
        return row[0], row[1]
    last = AuditEntry.objects.order_by("-id").values_list("hash", "id").first()
    last_hash, last_id = last if last is not None else (GENESIS_HASH, None)
    head, _created = AuditHead.objects.get_or_create(
        pk=HEAD_ID, defaults={"last_hash": last_hash, "last_entry_id": last_id}
    )
    locked = AuditHead.objects.select_for_update().get(pk=head.pk)
    return locked.last_hash, locked.last_entry_id


# Anchors: the head published outside the database.

_ANCHOR = re.compile(r"^\s*(\d+)\s*[:\s]\s*([0-9a-fA-F]{64})\s*$")


@dataclass(frozen=True)
class AuditAnchor:
    """A chain position and the hash of the entry there, as published at that moment."""

    position: int
    hash: str

    def __str__(self) -> str:
        return f"{self.position}:{self.hash}"

    def as_dict(self) -> dict[str, Any]:
        return {"position": self.position, "hash": self.hash}


def parse_anchor(text: str) -> AuditAnchor:
    """Read `POSITION:HASH` (a space also separates them); ValueError if malformed."""
    match = _ANCHOR.match(text)
    if match is None:
        raise ValueError(f"not an anchor (POSITION:HASH with a 64-digit hex hash): {text!r}")
    return AuditAnchor(int(match[1]), match[2].lower())


def parse_anchor_lines(text: str) -> list[AuditAnchor]:
    """Anchors one per line; blank lines and lines starting with `#` are skipped."""
    return [
        parse_anchor(line)
        for line in text.splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]


def audit_anchor() -> AuditAnchor:
    """The chain's head as the current transaction sees it: after an append in this
    transaction, its own last entry (the head stays locked until commit)."""
    head = AuditHead.objects.filter(pk=HEAD_ID).values_list("last_entry_id", "last_hash").first()
    if head is not None and head[0] is not None:
        return AuditAnchor(int(head[0]), str(head[1]))
    last = AuditEntry.objects.order_by("-id").values_list("id", "hash").first()
    return AuditAnchor(int(last[0]), str(last[1])) if last else AuditAnchor(0, GENESIS_HASH)


# The unkeyed chain of an older installation, closed by a keyed entry.


def audit_key_from_here(
    *, entry_model: Any = AuditEntry, head_model: Any = AuditHead
) -> Any | None:
    """When the chain ends with an unkeyed entry, append a keyed entry stating how many
    unkeyed entries come before it and the hash of the last one. Its HMAC covers that
    hash, so the unkeyed entries can no longer be rewritten either. Returns the entry, or
    None when there was nothing to close. The models are parameters so that a migration
    can pass its historical ones."""
    with transaction.atomic():
        head = head_model.objects.select_for_update().filter(pk=HEAD_ID).first()
        last = entry_model.objects.order_by("-id").first()
        if last is None or last.key_id:
            return None
        key = keyring().signing
        entry = entry_model(
            id=last.pk + 1,
            created_at=timezone.now(),
            actor=None,
            cooperative_id=None,
            verb=KEYED_FROM_HERE,
            target_type="",
            target_id="",
            data={
                "unkeyed_entries": entry_model.objects.filter(key_id="").count(),
                "unkeyed_head": last.hash,
            },
            prev_hash=last.hash,
        )
        _sign(entry, key)
        entry.save(force_insert=True)
        if head is None:
            head_model.objects.create(pk=HEAD_ID, last_hash=entry.hash, last_entry_id=entry.pk)
        else:
            head_model.objects.filter(pk=HEAD_ID).update(
                last_hash=entry.hash, last_entry_id=entry.pk
            )
        return entry


# Bindings: records outside the chain that state an entry's hash (a decision, minutes).


@dataclass(frozen=True)
class BindingCheck:
    """How many records of one kind were checked against their entries; the first
    mismatch, if any."""

    what: str
    checked: int
    problem: str = ""
    entry_id: int | None = None


_BINDINGS: list[Callable[[], BindingCheck]] = []


def audit_binding(check: Callable[[], BindingCheck]) -> Callable[[], BindingCheck]:
    """Register a check run by audit_verify; apps declare theirs in `audit_bindings.py`."""
    if check not in _BINDINGS:
        _BINDINGS.append(check)
    return check


# Verification.


@dataclass(frozen=True)
class AuditVerification:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""
    key_ids: tuple[str, ...] = ()
    anchors_checked: int = 0
    bindings: tuple[BindingCheck, ...] = field(default_factory=tuple)


def audit_verify(
    *, anchors: Iterable[AuditAnchor] = (), batch_size: int = 2000
) -> AuditVerification:
    """Walk the chain from the start and report the first entry that is wrong.

    Each entry must link to the one before, and its hash must be the HMAC of its content
    under the key it names. Unkeyed entries (from before the log was keyed) are accepted
    only before the first keyed one, and a chain with no keyed entry at all is refused:
    without the key nobody can write an entry that passes. Each anchor (a position and
    hash published earlier) must still be in the chain unchanged, which also catches a
    tail deleted with the head moved back. Then the decisions and minutes must match the
    entries whose hashes they state.
    """
    ring = keyring()
    anchors = list(anchors)
    pending: dict[int, set[str]] = {}
    for anchor in anchors:
        pending.setdefault(anchor.position, set()).add(anchor.hash)
    if pending.pop(0, {GENESIS_HASH}) != {GENESIS_HASH}:
        return AuditVerification(False, 0, 0, "an anchor at position 0 must be the genesis hash")
    previous = GENESIS_HASH
    checked = 0
    first_id: int | None = None
    keyed = False
    used: set[str] = set()

    def broken(entry_id: int | None, reason: str) -> AuditVerification:
        return AuditVerification(False, checked, entry_id, reason, tuple(sorted(used)))

    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=batch_size):
        first_id = entry.pk if first_id is None else first_id
        if entry.prev_hash != previous:
            return broken(entry.pk, "its previous-hash does not match the entry before it")
        if entry.key_id:
            keyed = True
            used.add(entry.key_id)
        elif keyed:
            return broken(entry.pk, "it is unkeyed, after the chain became keyed")
        try:
            expected = entry_hash(entry, ring)
        except UnknownAuditKey:
            return broken(entry.pk, f"it names key '{entry.key_id}', which is not in the keyring")
        if not hmac.compare_digest(expected, entry.hash):
            return broken(entry.pk, "its content does not match its recorded hash")
        if pending.pop(entry.pk, {entry.hash}) != {entry.hash}:
            return broken(entry.pk, "its hash differs from the anchor published for it")
        previous = entry.hash
        checked += 1
    if checked and not keyed:
        return broken(first_id, "no entry of the chain is signed with an audit key")
    if pending:
        position = min(pending)
        return broken(
            position, f"an anchor names entry #{position}, which the chain no longer holds"
        )
    head = AuditHead.objects.filter(pk=HEAD_ID).first()
    if head is not None and checked and head.last_hash != previous:
        return broken(head.last_entry_id, "the chain head does not match the last entry")
    bindings = tuple(check() for check in _BINDINGS)
    for binding in bindings:
        if binding.problem:
            return AuditVerification(
                False,
                checked,
                binding.entry_id,
                binding.problem,
                tuple(sorted(used)),
                len(anchors),
                bindings,
            )
    return AuditVerification(True, checked, None, "", tuple(sorted(used)), len(anchors), bindings)
