"""The audit log is a hash chain: any edit of a past row is caught by verify_audit."""

import pytest
from django.core.management import CommandError, call_command

from core.audit import audit_verify
from core.models import AuditEntry
from tests.governance.factories import add_member, chair_of, make_cooperative

pytestmark = pytest.mark.django_db


def test_every_governance_write_chains_to_the_previous_entry():
    coop = make_cooperative()
    add_member(coop, "Users")
    entries = list(AuditEntry.objects.order_by("id"))
    assert len(entries) >= 4
    assert entries[0].prev_hash == "0" * 64
    for before, after in zip(entries, entries[1:], strict=False):
        assert after.prev_hash == before.hash
    assert audit_verify().ok


def test_a_tampered_row_is_reported_with_its_id(capsys):
    coop = make_cooperative()
    add_member(coop, "Users")
    victim = AuditEntry.objects.order_by("id")[2]
    AuditEntry.objects.filter(pk=victim.pk).update(data={"forged": True})
    result = audit_verify()
    assert (result.ok, result.first_broken_id) == (False, victim.pk)
    with pytest.raises(CommandError, match=f"entry #{victim.pk}"):
        call_command("verify_audit")


def test_a_deleted_row_breaks_the_next_link():
    coop = make_cooperative()
    add_member(coop, "Users")
    entries = list(AuditEntry.objects.order_by("id"))
    entries[1].delete()
    result = audit_verify()
    assert (result.ok, result.first_broken_id) == (False, entries[2].pk)


def test_verify_audit_command_reports_an_intact_chain(capsys):
    make_cooperative()
    call_command("verify_audit")
    assert "Audit chain intact" in capsys.readouterr().out


def test_the_verify_api_names_only_the_breaks_of_the_callers_cooperative():
    from tests.governance.test_api import client_for

    ours = make_cooperative(slug="ours")
    theirs = make_cooperative(slug="theirs")
    add_member(theirs, "Users")
    victim = AuditEntry.objects.filter(cooperative_id=theirs.pk).order_by("id").last()
    AuditEntry.objects.filter(pk=victim.pk).update(data={"forged": True})
    own_view = client_for(chair_of(theirs)).get("/api/v1/cooperatives/theirs/audit/verify/")
    other_view = client_for(chair_of(ours)).get("/api/v1/cooperatives/ours/audit/verify/")
    assert own_view.json()["reason"] == audit_verify().reason
    body = other_view.json()
    assert (body["ok"], body["first_broken_id"]) == (False, victim.pk)
    assert body["reason"] != audit_verify().reason
    assert "verify_audit" in body["reason"]
