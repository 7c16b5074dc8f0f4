"""The append-only, hash-chained audit log: append and verify."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from core.models import AuditEntry, AuditHead

GENESIS_HASH = "0" * 64


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


@transaction.atomic
def audit_append(
    *,
    actor: Any,
    verb: str,
    target: models.Model | None = None,
    cooperative_id: int | None = None,
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry. Locks the chain head so that two writers never share a parent."""
    head, _ = AuditHead.objects.select_for_update().get_or_create(pk=1)
    target_type, target_id = _target_of(target)
    entry = AuditEntry(
        created_at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        cooperative_id=cooperative_id,
        verb=verb,
        target_type=target_type,
        target_id=target_id,
        data=json.loads(json.dumps(data or {}, default=str)),
        prev_hash=head.last_hash,
        hash="pending",
    )
    entry.save(force_insert=True)
    entry.hash = entry_hash(entry)
    AuditEntry.objects.filter(pk=entry.pk).update(hash=entry.hash)
    head.last_hash = entry.hash
    head.last_entry_id = entry.pk
    head.save(update_fields=["last_hash", "last_entry_id"])
    return entry


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
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and checked and head.last_hash != previous:
        return AuditVerification(
            False, checked, head.last_entry_id, "the chain head does not match the last entry"
        )
    return AuditVerification(True, checked)
