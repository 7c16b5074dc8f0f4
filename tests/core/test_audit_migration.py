"""An installation older than the keyed log keeps its chain: the migration closes it with a
"keyed from here" entry, and verify_audit passes after it."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from core.audit import GENESIS_HASH, KEYED_FROM_HERE, audit_append, audit_verify, canonical_content
from core.models import AuditEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

BEFORE_KEYS = ("core", "0004_audit_entry_position")
LEGACY_ENTRIES = 5


def write_unkeyed_chain(apps: Any) -> str:
    """Entries as the log wrote them before it was keyed: plain SHA-256, no key id."""
    entry_model = apps.get_model("core", "AuditEntry")
    head_model = apps.get_model("core", "AuditHead")
    previous = GENESIS_HASH
    for position in range(1, LEGACY_ENTRIES + 1):
        entry = entry_model(
            id=position,
            created_at=timezone.now(),
            actor=None,
            cooperative_id=None,
            verb=f"legacy.act_{position}",
            target_type="",
            target_id="",
            data={"n": position},
            prev_hash=previous,
        )
        entry.hash = hashlib.sha256(canonical_content(entry)).hexdigest()
        entry.save(force_insert=True)
        previous = entry.hash
    head_model.objects.create(pk=1, last_hash=previous, last_entry_id=LEGACY_ENTRIES)
    return previous


def migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_the_unkeyed_chain_is_kept_and_keyed_from_here(capsys: Any) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate([BEFORE_KEYS])
    try:
        legacy_head = write_unkeyed_chain(executor.loader.project_state([BEFORE_KEYS]).apps)
    finally:
        migrate_to_latest()

    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.key_id for e in entries] == [""] * LEGACY_ENTRIES + ["test-1"]
    marker = entries[-1]
    assert (marker.verb, marker.prev_hash) == (KEYED_FROM_HERE, legacy_head)
    assert marker.data == {"unkeyed_entries": LEGACY_ENTRIES, "unkeyed_head": legacy_head}
    call_command("verify_audit", anchor=[f"{LEGACY_ENTRIES}:{legacy_head}"])
    assert "Audit chain intact: 6 entries" in capsys.readouterr().out

    audit_append(actor=None, verb="test.after_upgrade")
    assert audit_verify().ok

    # The old entries are now as safe as the new ones: rewriting one and re-chaining the
    # unkeyed part cannot reach past the keyed entry, whose HMAC covers the old head.
    victim = entries[1]
    victim.data = {"n": "forged"}
    previous = entries[0].hash
    for entry in entries[1:LEGACY_ENTRIES]:
        if entry.pk == victim.pk:
            entry.data = victim.data
        entry.prev_hash = previous
        entry.hash = hashlib.sha256(canonical_content(entry)).hexdigest()
        AuditEntry.objects.filter(pk=entry.pk).update(
            data=entry.data, prev_hash=entry.prev_hash, hash=entry.hash
        )
        previous = entry.hash
    result = audit_verify()
    assert (result.ok, result.first_broken_id) == (False, marker.pk)


def test_a_new_installation_gets_no_marker() -> None:
    assert not AuditEntry.objects.filter(verb=KEYED_FROM_HERE).exists()
    entry = audit_append(actor=None, verb="test.first")
    assert (entry.pk, entry.key_id) == (1, "test-1")
    assert audit_verify().ok
