"""Audit entries take their id from the chain head, so each hash is known before the write."""

import hashlib
import hmac
import json

import pytest
from django.conf import settings
from django.db import transaction

from core.audit import GENESIS_HASH, audit_append, audit_verify
from core.models import AuditEntry, AuditHead
from tests.governance.factories import add_member, make_cooperative

pytestmark = pytest.mark.django_db


def _expected_hash(row: dict) -> str:
    """HMAC-SHA-256, under the test key AUDIT_KEY names, of the stored row's fields as
    sorted compact JSON: written out here, without the code under test."""
    key_id, _colon, secret = settings.AUDIT_KEY.partition(":")
    assert row["key_id"] == key_id
    content = {
        "id": row["id"],
        "created_at": row["created_at"].isoformat(),
        "actor_id": row["actor_id"],
        "cooperative_id": row["cooperative_id"],
        "verb": row["verb"],
        "target_type": row["target_type"],
        "target_id": row["target_id"],
        "data": row["data"],
        "prev_hash": row["prev_hash"],
        "key_id": row["key_id"],
    }
    message = json.dumps(content, sort_keys=True, separators=(",", ":")).encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def test_entries_are_numbered_one_after_another_and_hashed_as_stored():
    coop = make_cooperative()
    add_member(coop, "Users")
    entries = list(AuditEntry.objects.order_by("id"))
    assert [e.pk for e in entries] == list(range(1, len(entries) + 1))
    previous = GENESIS_HASH
    for row in AuditEntry.objects.order_by("id").values():
        assert row["prev_hash"] == previous
        assert row["hash"] == _expected_hash(row)
        previous = row["hash"]
    head = AuditHead.objects.get()
    assert (head.last_entry_id, head.last_hash) == (entries[-1].pk, entries[-1].hash)


def test_an_append_rolled_back_leaves_neither_a_row_nor_a_gap():
    make_cooperative()
    before = AuditEntry.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        audit_append(actor=None, verb="test.undone", data={"n": 1})
        raise RuntimeError("the act fails after its audit entry")
    entry = audit_append(actor=None, verb="test.done")
    assert entry.pk == before + 1
    assert not AuditEntry.objects.filter(verb="test.undone").exists()
    assert audit_verify().ok


def test_a_lost_head_is_rebuilt_from_the_last_entry():
    make_cooperative()
    last = AuditEntry.objects.order_by("-id").first()
    AuditHead.objects.all().delete()
    entry = audit_append(actor=None, verb="test.after_head_lost")
    assert (entry.pk, entry.prev_hash) == (last.pk + 1, last.hash)
    assert audit_verify().ok


def test_the_first_entry_starts_from_the_genesis_hash():
    entry = audit_append(actor=None, verb="test.first")
    assert (entry.pk, entry.prev_hash) == (1, GENESIS_HASH)
