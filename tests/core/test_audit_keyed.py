"""The audit chain is keyed and anchored outside the database: someone who can write to
the database but holds no audit key cannot rewrite it, nor cut its tail, unnoticed."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from assemblies.events import closed_payload
from assemblies.services import assembly_convene, minutes_generate
from core.audit import (
    AuditAnchor,
    audit_anchor,
    audit_append,
    audit_verify,
    canonical_content,
    parse_anchor,
)
from core.audit_keys import keyring
from core.models import AuditEntry, AuditHead, OutboxEvent
from tests.assemblies.factories import T0, make_assembly
from tests.voting.factories import cast, make_coop, make_vote
from voting import services
from voting.models import Decision

pytestmark = pytest.mark.django_db

SMALL = {"Workers": 2, "Users": 2, "Suppliers": 1, "Authorities": 1}


def close_a_vote(coop: Any, title: str = "Resolution 1") -> Decision:
    vote = make_vote(coop, title=title)
    for person in coop.people("Workers"):
        cast(person, vote, "for")
    decision = services.vote_close(actor=coop.chair, vote=vote)
    assert decision.adopted
    return decision


def rechain_from(entry_id: int, *, key_id: str | None = None, secret: bytes | None = None) -> None:
    """What a database writer without the key can do after editing entry `entry_id`:
    recompute every hash from there with plain SHA-256 (or HMAC under a guessed key), relink
    the chain and move the head."""
    import hmac

    entries = list(AuditEntry.objects.order_by("id"))
    previous = "0" * 64
    for entry in entries:
        if entry.pk >= entry_id:
            entry.prev_hash = previous
            if key_id is not None:
                entry.key_id = key_id
            content = canonical_content(entry)
            entry.hash = (
                hmac.new(secret, content, hashlib.sha256).hexdigest()
                if secret is not None
                else hashlib.sha256(content).hexdigest()
            )
            AuditEntry.objects.filter(pk=entry.pk).update(
                prev_hash=entry.prev_hash, key_id=entry.key_id, hash=f"tmp{entry.pk}"
            )
        previous = entry.hash
    for entry in entries:
        if entry.pk >= entry_id:
            AuditEntry.objects.filter(pk=entry.pk).update(hash=entry.hash)
    AuditHead.objects.filter(pk=1).update(last_hash=previous, last_entry_id=entries[-1].pk)


class TestKeyedChain:
    def test_entries_are_signed_with_the_newest_key_and_name_it(self) -> None:
        coop = make_coop(SMALL)
        close_a_vote(coop)
        entries = list(AuditEntry.objects.order_by("id"))
        assert {e.key_id for e in entries} == {"test-1"}
        for entry in entries:
            # Not a plain digest: without the key nobody can compute it.
            assert entry.hash != hashlib.sha256(canonical_content(entry)).hexdigest()
        assert audit_verify().ok

    @pytest.mark.parametrize(
        "forgery",
        [
            {"key_id": None, "secret": None},
            {"key_id": "", "secret": None},
            {"key_id": "test-1", "secret": b"a-guess-at-the-key-" + b"x" * 20},
        ],
        ids=["sha256-keeping-key-id", "sha256-as-unkeyed", "hmac-under-a-guessed-key"],
    )
    def test_an_edited_row_rechained_without_the_key_is_caught(
        self, forgery: dict[str, Any]
    ) -> None:
        coop = make_coop(SMALL)
        close_a_vote(coop)
        victim = AuditEntry.objects.order_by("id")[3]
        AuditEntry.objects.filter(pk=victim.pk).update(data={"forged": True})
        rechain_from(victim.pk, **forgery)
        result = audit_verify()
        assert (result.ok, result.first_broken_id) == (False, victim.pk)
        with pytest.raises(CommandError, match=f"entry #{victim.pk}"):
            call_command("verify_audit")

    def test_a_chain_rewritten_entirely_unkeyed_is_caught(self) -> None:
        coop = make_coop(SMALL)
        close_a_vote(coop)
        first = AuditEntry.objects.order_by("id").first()
        rechain_from(first.pk, key_id="")
        result = audit_verify()
        assert not result.ok
        assert result.reason == "no entry of the chain is signed with an audit key"

    def test_an_entry_signed_with_a_key_dropped_from_the_keyring_is_reported(self) -> None:
        make_coop(SMALL)
        with override_settings(AUDIT_KEY="other:" + "o" * 40):
            result = audit_verify()
        assert not result.ok and "not in the keyring" in result.reason


class TestAnchors:
    def test_the_decision_webhook_carries_the_head_after_the_close(self) -> None:
        coop = make_coop(SMALL)
        decision = close_a_vote(coop)
        head = AuditHead.objects.get()
        for type_ in ("vote.closed", "decision.adopted"):
            data = OutboxEvent.objects.get(type=type_).data
            assert data["audit_anchor"] == {"position": head.last_entry_id, "hash": head.last_hash}
        # The close's own entry is at or before the anchored head.
        assert decision.feed_position <= head.last_entry_id

    def test_a_deleted_tail_with_the_head_moved_back_is_caught_by_a_published_anchor(
        self, tmp_path: Path, capsys: Any
    ) -> None:
        coop = make_coop(SMALL)
        first = close_a_vote(coop, "First")
        published = parse_anchor(
            "{position}:{hash}".format(
                **OutboxEvent.objects.get(type="decision.adopted").data["audit_anchor"]
            )
        )
        before_tail = audit_anchor()
        close_a_vote(coop, "Second")
        gone = parse_anchor(
            "{position}:{hash}".format(
                **OutboxEvent.objects.filter(type="decision.adopted").last().data["audit_anchor"]
            )
        )
        # The attacker deletes everything after the first close and moves the head back:
        # the chain alone still verifies, so only an anchor held elsewhere can tell.
        Decision.objects.exclude(pk=first.pk).delete()
        AuditEntry.objects.filter(pk__gt=before_tail.position).delete()
        AuditHead.objects.update(last_entry_id=before_tail.position, last_hash=before_tail.hash)
        assert audit_verify().ok
        assert audit_verify(anchors=[published]).ok

        # The anchor the second close's webhook published names an entry now gone.
        result = audit_verify(anchors=[published, gone])
        assert (result.ok, result.first_broken_id) == (False, gone.position)
        assert "no longer holds" in result.reason
        with pytest.raises(CommandError, match="no longer holds"):
            call_command("verify_audit", anchor=[str(published), str(gone)])
        anchors_file = tmp_path / "anchors.txt"
        anchors_file.write_text(f"# from the platform's log\n{published}\n\n{gone}\n")
        with pytest.raises(CommandError, match="no longer holds"):
            call_command("verify_audit", anchors=str(anchors_file))

    def test_an_anchor_whose_entry_was_replaced_is_caught(self) -> None:
        coop = make_coop(SMALL)
        close_a_vote(coop)
        anchor = audit_anchor()
        audit_append(actor=None, verb="test.after")
        wrong = AuditAnchor(anchor.position, "0" * 63 + "1")
        assert audit_verify(anchors=[anchor]).ok
        result = audit_verify(anchors=[wrong])
        assert (result.ok, result.first_broken_id) == (False, anchor.position)

    def test_verify_audit_reports_what_it_checked(self, capsys: Any) -> None:
        coop = make_coop(SMALL)
        close_a_vote(coop)
        anchor = audit_anchor()
        call_command("verify_audit", anchor=[str(anchor)])
        out = capsys.readouterr().out
        assert "Audit chain intact" in out and "keys test-1" in out
        assert "1 anchors hold" in out and "1 decisions" in out

    def test_a_malformed_anchor_is_refused(self) -> None:
        with pytest.raises(CommandError, match="not an anchor"):
            call_command("verify_audit", anchor=["12:nothex"])


class TestRecordsQuotingTheChain:
    def test_a_decision_whose_result_was_edited_is_caught(self) -> None:
        coop = make_coop(SMALL)
        decision = close_a_vote(coop)
        assert audit_verify().ok
        result = {**decision.result, "outcome": "rejected"}
        Decision.objects.filter(pk=decision.pk).update(result=result)
        verification = audit_verify()
        assert not verification.ok
        assert verification.reason == (
            f"decision #{decision.pk}: the audit entry it quotes records another result "
            "(its SHA-256 differs)"
        )

    def test_a_decision_quoting_a_hash_the_chain_does_not_hold_is_caught(self) -> None:
        coop = make_coop(SMALL)
        decision = close_a_vote(coop)
        Decision.objects.filter(pk=decision.pk).update(audit_hash="f" * 64)
        verification = audit_verify()
        assert not verification.ok and "does not hold" in verification.reason

    def test_minutes_print_the_anchor_and_an_edited_copy_is_caught(self) -> None:
        coop = make_coop(SMALL)
        assembly = make_assembly(coop.cooperative, chair=coop.chair)
        assembly = assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
        anchor = audit_anchor()
        minutes = minutes_generate(actor=coop.chair, assembly=assembly, now=T0)
        assert f"verify_audit --anchor {anchor}" in minutes.html
        entry = AuditEntry.objects.get(hash=minutes.audit_hash)
        assert (entry.data["anchor_position"], entry.data["anchor_hash"]) == (
            anchor.position,
            anchor.hash,
        )
        assert audit_verify(anchors=[anchor]).ok
        published = closed_payload(assembly, minutes)["audit_anchor"]
        assert published == {"position": entry.pk, "hash": minutes.audit_hash}
        minutes.html = minutes.html.replace(anchor.hash, "0" * 64)
        minutes.save(update_fields=["html"])
        verification = audit_verify()
        assert not verification.ok
        assert "differs from the digests the audit log records" in verification.reason


class TestRotation:
    def keyfile(self, tmp_path: Path) -> Path:
        path = tmp_path / "audit-keys"
        path.write_text("# audit keyring\nold-1:" + "o" * 43 + "\n")
        return path

    def test_rotation_appends_a_key_that_signs_while_old_entries_still_verify(
        self, tmp_path: Path, capsys: Any
    ) -> None:
        path = self.keyfile(tmp_path)
        with override_settings(AUDIT_KEY="", AUDIT_KEY_FILE=str(path)):
            coop = make_coop(SMALL)
            before = AuditEntry.objects.count()
            call_command("rotate_audit_key")
            new_id = keyring().signing.id
            assert new_id != "old-1" and [k.id for k in keyring().keys] == ["old-1", new_id]
            rotated = AuditEntry.objects.get(pk=before + 1)
            assert (rotated.verb, rotated.key_id) == ("audit.key_rotated", new_id)
            assert rotated.data == {"key_id": new_id, "previous_key_id": "old-1"}
            close_a_vote(coop)
            assert set(
                AuditEntry.objects.filter(pk__gt=before).values_list("key_id", flat=True)
            ) == {new_id}
            assert AuditEntry.objects.filter(pk__lte=before, key_id="old-1").count() == before
            result = audit_verify()
            assert result.ok and set(result.key_ids) == {"old-1", new_id}
        assert path.read_text().count(":") == 2
        # Without the old key, the entries it signed no longer verify.
        new_line = path.read_text().splitlines()[-1]
        with override_settings(AUDIT_KEY=new_line, AUDIT_KEY_FILE=""):
            result = audit_verify()
            assert not result.ok and "'old-1', which is not in the keyring" in result.reason

    def test_with_the_keyring_in_the_environment_rotation_prints_the_new_value(
        self, capsys: Any
    ) -> None:
        current = "test-1:" + "t" * 43
        call_command("rotate_audit_key")
        out = capsys.readouterr().out.strip()
        assert out.startswith(f"AUDIT_KEY={current},k")
        value = out.removeprefix("AUDIT_KEY=")
        with override_settings(AUDIT_KEY=value):
            assert keyring().signing.id != "test-1"
            entry = audit_append(actor=None, verb="test.after_rotation")
            assert entry.key_id == keyring().signing.id
            assert audit_verify().ok
        assert not AuditEntry.objects.filter(verb="audit.key_rotated").exists()

    def test_without_any_key_rotation_prints_a_first_keyring(self, capsys: Any) -> None:
        with override_settings(AUDIT_KEY="", AUDIT_KEY_FILE="", DEBUG=False):
            call_command("rotate_audit_key", "--print")
        value = capsys.readouterr().out.strip().removeprefix("AUDIT_KEY=")
        with override_settings(AUDIT_KEY=value, DEBUG=False):
            assert len(keyring().keys) == 1 and keyring().signing.id.startswith("k")


class TestSystemCheck:
    def run_check(self) -> list[Any]:
        from core.checks import check_audit_keyring

        return check_audit_keyring()

    def test_debug_off_without_a_key_is_an_error(self) -> None:
        with override_settings(AUDIT_KEY="", AUDIT_KEY_FILE="", DEBUG=False):
            errors = self.run_check()
        assert [e.id for e in errors] == ["core.E001"]
        assert "no audit key is set" in errors[0].msg

    def test_debug_on_without_a_key_uses_the_development_key(self) -> None:
        with override_settings(AUDIT_KEY="", AUDIT_KEY_FILE="", DEBUG=True):
            assert self.run_check() == []
            assert keyring().signing.id == "dev"

    @pytest.mark.parametrize(
        "value, message",
        [
            ("short:abc", "shorter than 32"),
            ("no-colon", "id:secret"),
            ("a:" + "x" * 40 + ",a:" + "y" * 40, "appears twice"),
            ("dev:collegia-development-only-audit-key-never-use-in-production", "development"),
        ],
    )
    def test_a_bad_keyring_is_an_error(self, value: str, message: str) -> None:
        with override_settings(AUDIT_KEY=value, DEBUG=False):
            errors = self.run_check()
        assert [e.id for e in errors] == ["core.E001"] and message in errors[0].msg

    def test_a_missing_key_file_is_an_error(self, tmp_path: Path) -> None:
        with override_settings(AUDIT_KEY="", AUDIT_KEY_FILE=str(tmp_path / "none")):
            errors = self.run_check()
        assert [e.id for e in errors] == ["core.E001"] and "cannot read" in errors[0].msg
