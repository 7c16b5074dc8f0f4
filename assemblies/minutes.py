"""The minutes document (procès-verbal): its content, rendered as HTML and as PDF."""

from __future__ import annotations

import io
from collections import Counter
from fractions import Fraction
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone

from assemblies.models import (
    AgendaItem,
    Assembly,
    AssemblyCall,
    Convocation,
    ItemKind,
)
from assemblies.selectors import agenda_items, item_is_secret
from assemblies.services.convocation import notice_days
from core.audit import audit_anchor
from core.percent import format_percent
from governance.selectors import decision_rules
from voting.explain import explain, quorum_clause


class MinutesRenderError(RuntimeError):
    """The PDF engine could not lay out the minutes."""


def _pct(value: Any) -> str:
    return "—" if value in (None, "") else format_percent(Fraction(value))


def _quorum_text(attendance: dict[str, Any]) -> str:
    quorum = attendance.get("quorum")
    if not quorum:
        return ""
    return quorum_clause(
        mode=quorum["mode"],
        ratio=Fraction(quorum["ratio"]),
        required=None if quorum["required"] is None else Fraction(quorum["required"]),
        lowest_name=quorum.get("lowest_college_name"),
        eligible=attendance["eligible"],
    )


def _attendance_view(attendance: dict[str, Any] | None) -> dict[str, Any] | None:
    if not attendance:
        return None
    colleges = [{**c, "weight": _pct(c["weight"])} for c in attendance["colleges"]]
    return {**attendance, "colleges": colleges}


def _call_row(call: AssemblyCall, proofs: dict[tuple[int, str, str], int]) -> dict[str, Any]:
    def proof(channel: str, status: str) -> int:
        return proofs.get((call.pk, channel, status), 0)

    return {
        "call": call,
        "notice_days": (
            notice_days(call.convened_at, call.scheduled_at) if call.convened_at else None
        ),
        "emails_sent": proof("email", "sent"),
        "emails_failed": proof("email", "failed") + proof("email", "queued"),
        "no_address": proof("email", "no_address"),
        "in_app": proof("in_app", "sent"),
        "attendance": _attendance_view(call.attendance),
        "quorum_text": _quorum_text(call.attendance) if call.attendance else "",
    }


def _decision_view(decision: Any) -> dict[str, Any]:
    result = decision.result
    tally = result.get("tally", {})
    colleges = [
        {
            "name": c["name"],
            "weight": _pct(c["weight"]),
            "eligible": c["eligible"],
            "voted": c["voted"],
            "yes": c["yes"],
            "no": c["no"],
            "abstain": c["abstain"],
            "share": _pct(c.get("share")),
            "effective_weight": _pct(c["effective_weight"]),
            "contribution": _pct(c["contribution"]),
        }
        for c in tally.get("colleges", [])
    ]
    return {
        "decision": decision,
        "explanation": explain(result["explanation_parts"]),
        "support": _pct(tally.get("support")),
        "majority": _pct(tally.get("majority", {}).get("value")),
        "majority_strict": tally.get("majority", {}).get("strict"),
        "quorum": result.get("quorum", {}),
        "quorum_ratio": _pct(result.get("quorum", {}).get("ratio")),
        "quorum_required": _pct(result.get("quorum", {}).get("required")),
        "totals": tally.get("totals", {}),
        "colleges": colleges,
        # Counted end to end: the proof bundle anyone re-checks (manage.py e2e_verify).
        "bundle_sha256": (result.get("verifiable") or {}).get("bundle_sha256", ""),
    }


def _item_view(assembly: Assembly, item: AgendaItem) -> dict[str, Any]:
    resolutions = []
    for resolution in item.resolutions.all():
        vote = resolution.vote
        decision = getattr(vote, "decision", None) if vote is not None else None
        resolutions.append(
            {
                "resolution": resolution,
                "vote": vote,
                "attendance": _attendance_view(resolution.attendance),
                "carried": resolution.carried or {},
                "result": _decision_view(decision) if decision is not None else None,
            }
        )
    election = getattr(item, "election", None) if item.kind == ItemKind.ELECTION else None
    return {
        "item": item,
        "is_secret": item_is_secret(assembly, item) if item.kind != ItemKind.INFORMATION else False,
        "resolutions": resolutions,
        "election": election,
        "reserved": list(election.reserved.all()) if election is not None else [],
        "candidates": list(election.candidates.all()) if election is not None else [],
    }


def minutes_context(assembly: Assembly, *, generated_at: Any) -> dict[str, Any]:
    """Everything the minutes state, read once: calls with notice, proof of sending and
    attendance; each point with its results per college and overall; the rules applied;
    the audit hashes that vouch for the decisions, and the audit anchor."""
    assert assembly.rules_version is not None
    calls = list(AssemblyCall.objects.filter(assembly=assembly).order_by("number"))
    proofs: dict[tuple[int, str, str], int] = Counter()
    for call_id, channel, status in Convocation.objects.filter(call__assembly=assembly).values_list(
        "call_id", "channel", "status"
    ):
        proofs[(call_id, channel, status)] += 1
    rules = decision_rules(assembly.rules_version, assembly.kind)
    items = [_item_view(assembly, item) for item in agenda_items().filter(assembly=assembly)]
    hashes = [
        {
            "title": r["resolution"].title,
            "hash": r["result"]["decision"].audit_hash,
            "bundle_sha256": r["result"]["bundle_sha256"],
        }
        for view in items
        for r in view["resolutions"]
        if r["result"] is not None
    ]
    return {
        "assembly": assembly,
        "cooperative": assembly.cooperative,
        "calls": [_call_row(call, proofs) for call in calls],
        "held_call": next((c for c in calls if c.status == "quorum_reached"), None),
        "items": items,
        "rules": rules,
        "rules_version": assembly.rules_version,
        "quorum_first": _pct(rules.quorum_for_call(1)),
        "quorum_second": _pct(rules.quorum_for_call(2)),
        "majority": _pct(rules.majority),
        "documents": list(assembly.documents.all()),
        "decision_hashes": hashes,
        # The chain's position and head hash now, printed so that anyone holding the
        # minutes can later prove the log still holds them (verify_audit --anchor).
        "audit_anchor": audit_anchor(),
        "generated_at": timezone.localtime(generated_at),
    }


def render_minutes_html(context: dict[str, Any]) -> str:
    return render_to_string("assemblies/minutes.html", context)


def render_minutes_pdf(html: str) -> bytes:
    """Lay the minutes' HTML out as a PDF, server-side."""
    from xhtml2pdf import pisa

    buffer = io.BytesIO()
    status = pisa.CreatePDF(html, dest=buffer, encoding="utf-8")
    if status.err:
        raise MinutesRenderError(f"the PDF engine reported {status.err} error(s)")
    return buffer.getvalue()
