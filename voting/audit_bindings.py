"""Decisions quote the audit entry of their close: verify_audit checks each against it."""

from __future__ import annotations

from core.audit import BindingCheck, audit_binding
from core.models import AuditEntry
from voting.models import Decision
from voting.services.closing import result_digest

CHUNK = 500


@audit_binding
def decisions_match_their_close() -> BindingCheck:
    """Each decision's audit hash names a `vote.closed` entry of the chain that names this
    decision, its outcome and the SHA-256 of its result; its feed position is that entry."""
    checked = 0
    decisions = Decision.objects.order_by("id").only(
        "id", "vote_id", "outcome", "adopted", "result", "audit_hash", "feed_position"
    )
    batch: list[Decision] = []

    def check(batch: list[Decision]) -> BindingCheck | None:
        nonlocal checked
        entries = {
            e.hash: e
            for e in AuditEntry.objects.filter(hash__in=[d.audit_hash for d in batch]).only(
                "id", "hash", "verb", "data"
            )
        }
        for decision in batch:
            entry = entries.get(decision.audit_hash)
            if entry is None:
                return BindingCheck(
                    "decisions",
                    checked,
                    f"decision #{decision.pk} quotes an audit hash the chain does not hold",
                )
            data = entry.data
            if entry.verb != "vote.closed" or data.get("decision_id") != decision.pk:
                problem = "is not the entry of its close"
            elif data.get("vote_id") != decision.vote_id:
                problem = "names another vote"
            elif (data.get("outcome"), data.get("adopted")) != (
                decision.outcome,
                decision.adopted,
            ):
                problem = "records another outcome"
            elif data.get("result_sha256") != result_digest(decision.result):
                problem = "records another result (its SHA-256 differs)"
            elif decision.feed_position is not None and decision.feed_position != entry.pk:
                problem = "is not at the decision's feed position"
            else:
                checked += 1
                continue
            return BindingCheck(
                "decisions",
                checked,
                f"decision #{decision.pk}: the audit entry it quotes {problem}",
                entry.pk,
            )
        return None

    for decision in decisions.iterator(chunk_size=CHUNK):
        batch.append(decision)
        if len(batch) == CHUNK:
            failed = check(batch)
            if failed is not None:
                return failed
            batch = []
    if batch and (failed := check(batch)) is not None:
        return failed
    return BindingCheck("decisions", checked)
