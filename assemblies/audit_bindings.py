"""Minutes quote the audit entry holding their digests: verify_audit checks each."""

from __future__ import annotations

import hashlib

from assemblies.models import Minutes
from core.audit import BindingCheck, audit_binding
from core.models import AuditEntry


@audit_binding
def minutes_match_their_entry() -> BindingCheck:
    """The stored minutes (HTML and PDF, byte for byte) have the SHA-256 digests that their
    `assembly.minutes_generated` entry records, and the anchor they print is in the chain."""
    checked = 0
    for minutes in Minutes.objects.order_by("id").iterator(chunk_size=20):
        entry = AuditEntry.objects.filter(hash=minutes.audit_hash).first()
        if entry is None:
            return BindingCheck(
                "minutes",
                checked,
                f"the minutes of assembly #{minutes.assembly_id} quote an audit hash the "
                "chain does not hold",
            )
        data = entry.data
        html = hashlib.sha256(minutes.html.encode("utf-8")).hexdigest()
        pdf = hashlib.sha256(bytes(minutes.pdf)).hexdigest()
        anchor = data.get("anchor_position"), data.get("anchor_hash")
        if entry.verb != "assembly.minutes_generated" or entry.target_id != str(
            minutes.assembly_id
        ):
            problem = "the audit entry they quote is not the one of their generation"
        elif (html, pdf) != (data.get("html_sha256"), data.get("pdf_sha256")):
            problem = "their HTML or PDF differs from the digests the audit log records"
        elif (minutes.html_sha256, minutes.pdf_sha256) != (html, pdf):
            problem = "their stored digests differ from their content"
        elif anchor[0] and not AuditEntry.objects.filter(pk=anchor[0], hash=anchor[1]).exists():
            problem = "the audit anchor they print is not in the chain"
        else:
            checked += 1
            continue
        return BindingCheck(
            "minutes", checked, f"minutes of assembly #{minutes.assembly_id}: {problem}", entry.pk
        )
    return BindingCheck("minutes", checked)
