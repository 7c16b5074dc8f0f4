"""The append-only, hash-chained audit log: append and verify."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from core.models import AuditEntry, AuditHead
from core.sql import insert_with

GENESIS_HASH = "0" * 64
HEAD_ID = 1


def canonical_content(entry: AuditEntry) -> bytes:
    """The bytes an entry's hash covers: every field but the hash itself."""
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
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


def entry_hash(entry: AuditEntry) -> str:
    return hashlib.sha256(canonical_content(entry)).hexdigest()


def _target_of(target: models.Model | None) -> tuple[str, str]:
    if target is None:
        return "", ""
    return target._meta.label_lower, str(target.pk)


def audit_append(
    *,
    actor: Any,
    verb: str,
    target: models.Model | None = None,
    cooperative_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry: lock the chain head, then insert the entry with its hash and move
    the head (one statement on PostgreSQL, two elsewhere).

    The head lock makes writers chain one after another, and it also hands out the
    entry's id (its position in the chain), so the hash, which covers the id, is known
    before the row is written. Joins the caller's transaction without a savepoint: an act
    whose audit entry fails must not commit.
    """
    with transaction.atomic(savepoint=False):
        last_hash, last_id = _lock_head()
        target_type, target_id = _target_of(target)
        entry = AuditEntry(
            id=(last_id or 0) + 1,
            created_at=timezone.now(),
            actor=actor if getattr(actor, "pk", None) else None,
            cooperative_id=cooperative_id,
            verb=verb,
            target_type=target_type,
            target_id=target_id,
            data=json.loads(json.dumps(data or {}, default=str)),
            prev_hash=last_hash,
        )
        entry.hash = entry_hash(entry)
        # Every governance write appends: the head moves in the insert's statement.
        insert_with(
            entry,
            update=AuditHead.objects.filter(pk=HEAD_ID),
            last_hash=entry.hash,
            last_entry_id=entry.pk,
        )
    return entry


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


@dataclass(frozen=True)
class AuditVerification:
    ok: bool
    checked: int
    first_broken_id: int | None = None
    reason: str = ""


def audit_verify(*, batch_size: int = 2000) -> AuditVerification:
    """Walk the chain from the start; report the first entry whose link or content is wrong."""
    previous = GENESIS_HASH
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=batch_size):
        if entry.prev_hash != previous:
            return AuditVerification(
                False, checked, entry.pk, "its previous-hash does not match the entry before it"
            )
        if entry_hash(entry) != entry.hash:
            return AuditVerification(
                False, checked, entry.pk, "its content does not match its recorded hash"
            )
        previous = entry.hash
        checked += 1
    head = AuditHead.objects.filter(pk=HEAD_ID).first()
    if head is not None and checked and head.last_hash != previous:
        return AuditVerification(
            False, checked, head.last_entry_id, "the chain head does not match the last entry"
        )
    return AuditVerification(True, checked)
