"""Integration and room event types of the assemblies app, and their payloads (version 1)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from assemblies.models import Assembly, AssemblyCall, Minutes
from core.audit import audit_anchor
from governance.events import cooperative_ref

PAYLOAD_VERSION = 1

# Outbox (webhook) event types.
ASSEMBLY_CONVENED = "assembly.convened"
ASSEMBLY_OPENED = "assembly.opened"
ASSEMBLY_CLOSED = "assembly.closed"

# Assembly room event types.
ROOM_ATTENDANCE = "attendance.changed"
ROOM_CALL_FAILED = "call.quorum_not_reached"
ROOM_CONVENED = "assembly.convened"
ROOM_OPENED = "assembly.opened"
ROOM_CLOSED = "assembly.closed"
ROOM_ITEM_OPENED = "item.opened"
ROOM_ITEM_CLOSED = "item.closed"
ROOM_TURNOUT = "resolution.turnout"
ROOM_PARTIAL_RESULTS = "resolution.partial_results"
ROOM_ELECTION_DECLARED = "election.declared"


def _api(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/v1/{path}"


def assembly_links(assembly: Assembly) -> dict[str, str]:
    return {"api": _api(f"assemblies/{assembly.pk}/")}


def minutes_links(assembly: Assembly) -> dict[str, str]:
    return {
        "api": _api(f"assemblies/{assembly.pk}/minutes/"),
        "html": _api(f"assemblies/{assembly.pk}/minutes/html/"),
        "pdf": _api(f"assemblies/{assembly.pk}/minutes/pdf/"),
    }


def call_ref(call: AssemblyCall) -> dict[str, Any]:
    return {
        "number": call.number,
        "scheduled_at": call.scheduled_at,
        "place": call.place,
        "remote_url": call.remote_url,
        "status": call.status,
        "convened_at": call.convened_at,
    }


def assembly_ref(assembly: Assembly) -> dict[str, Any]:
    return {
        "id": assembly.pk,
        "kind": assembly.kind,
        "title": assembly.title,
        "status": assembly.status,
        "current_call": assembly.current_call,
        "rules_version": assembly.rules_version.number if assembly.rules_version else None,
    }


def convened_payload(assembly: Assembly, call: AssemblyCall, *, recipients: int) -> dict[str, Any]:
    return {
        "cooperative": cooperative_ref(assembly.cooperative),
        "assembly": assembly_ref(assembly),
        "call": call_ref(call),
        "recipients": recipients,
        "links": assembly_links(assembly),
    }


def opened_payload(assembly: Assembly, call: AssemblyCall) -> dict[str, Any]:
    return {
        "cooperative": cooperative_ref(assembly.cooperative),
        "assembly": {**assembly_ref(assembly), "opened_at": assembly.opened_at},
        "call": call_ref(call),
        "attendance": call.attendance,
        "links": assembly_links(assembly),
    }


def closed_payload(assembly: Assembly, minutes: Minutes | None) -> dict[str, Any]:
    links: dict[str, Any] = dict(assembly_links(assembly))
    payload: dict[str, Any] = {
        "cooperative": cooperative_ref(assembly.cooperative),
        "assembly": {
            **assembly_ref(assembly),
            "opened_at": assembly.opened_at,
            "closed_at": assembly.closed_at,
        },
        "links": links,
    }
    if minutes is not None:
        links["minutes"] = minutes_links(assembly)["pdf"]
        payload["minutes"] = {
            "links": minutes_links(assembly),
            "pdf_sha256": minutes.pdf_sha256,
            "html_sha256": minutes.html_sha256,
            "audit_hash": minutes.audit_hash,
        }
    # The head once the minutes' own entry is written: an anchor that covers them.
    payload["audit_anchor"] = audit_anchor().as_dict()
    return payload
