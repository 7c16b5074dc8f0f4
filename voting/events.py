"""Integration and room event types of the voting app, and their payloads (version 1)."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from core.audit import audit_anchor
from governance.events import cooperative_ref
from voting.models import Decision, Vote

PAYLOAD_VERSION = 1

# Outbox (webhook) event types.
VOTE_OPENED = "vote.opened"
VOTE_CLOSED = "vote.closed"
DECISION_ADOPTED = "decision.adopted"
DECISION_REJECTED = "decision.rejected"

# Proposal room event types.
ROOM_VOTE_OPENED = "vote.opened"
ROOM_VOTE_TURNOUT = "vote.turnout"
ROOM_VOTE_PARTIAL_RESULTS = "vote.partial_results"
ROOM_VOTE_CLOSED = "vote.closed"


def _api(path: str) -> str:
    return f"{settings.PUBLIC_BASE_URL}/api/v1/{path}"


def _proposal_ref(vote: Vote) -> dict[str, Any] | None:
    if vote.proposal is None:
        return None
    return {"id": vote.proposal.pk, "title": vote.proposal.title}


def vote_ref(vote: Vote) -> dict[str, Any]:
    return {
        "id": vote.pk,
        "title": vote.title,
        "method": vote.method,
        "decision_kind": vote.decision_kind,
        "is_secret": vote.is_secret,
        "opened_at": vote.opened_at,
        "closes_at": vote.closes_at,
        "closed_at": vote.closed_at,
        "rules_version": vote.rules_version.number if vote.rules_version else None,
        "college_config_version": (
            vote.college_config_version.number if vote.college_config_version else None
        ),
    }


def vote_links(vote: Vote) -> dict[str, str]:
    return {
        "api": _api(f"votes/{vote.pk}/"),
        "web": f"{settings.PUBLIC_BASE_URL}/votes/{vote.pk}/",
    }


def vote_opened_payload(vote: Vote, *, eligible: int) -> dict[str, Any]:
    return {
        "cooperative": cooperative_ref(vote.cooperative),
        "proposal": _proposal_ref(vote),
        "vote": {**vote_ref(vote), "eligible": eligible},
        "links": vote_links(vote),
    }


def vote_closed_payload(vote: Vote, decision: Decision) -> dict[str, Any]:
    return {
        "cooperative": cooperative_ref(vote.cooperative),
        "proposal": _proposal_ref(vote),
        "vote": vote_ref(vote),
        "decision": {"id": decision.pk, "outcome": decision.outcome, "adopted": decision.adopted},
        "links": vote_links(vote),
        "audit_anchor": audit_anchor().as_dict(),
    }


def decision_payload(decision: Decision) -> dict[str, Any]:
    """Everything a platform needs to act on a decision without calling back."""
    vote = decision.vote
    cooperative = decision.cooperative
    return {
        "cooperative": cooperative_ref(cooperative),
        "proposal": _proposal_ref(vote),
        "decision": {
            "id": decision.pk,
            "outcome": decision.outcome,
            "adopted": decision.adopted,
            "decided_at": decision.decided_at,
            "explanation": decision.explanation,
        },
        "vote": {
            "id": vote.pk,
            "title": vote.title,
            "method": vote.method,
            "decision_kind": vote.decision_kind,
            "is_secret": vote.is_secret,
        },
        "result": decision.result,
        "rules_version": decision.rules_version,
        "college_config_version": decision.college_config_version,
        "audit_hash": decision.audit_hash,
        "links": {
            "api": _api(f"cooperatives/{cooperative.slug}/decisions/{decision.pk}/"),
            "web": f"{settings.PUBLIC_BASE_URL}/votes/{vote.pk}/results/",
        },
        # Built inside the closing transaction, which holds the audit head until it
        # commits: the head read here is the one this close leaves.
        "audit_anchor": audit_anchor().as_dict(),
    }


def decision_event_type(decision: Decision) -> str:
    return DECISION_ADOPTED if decision.adopted else DECISION_REJECTED


def room_opened_data(vote: Vote, turnout: dict[str, Any]) -> dict[str, Any]:
    """What the proposal page draws its vote panel from: the vote, whether its results show
    while it runs, and the turnout per college (figures everyone who sees the vote reads)."""
    return {
        "vote": {**vote_ref(vote), "status": vote.status, "results_live": vote.results_live},
        "turnout": turnout,
    }


def room_closed_data(vote: Vote, decision: Decision) -> dict[str, Any]:
    return {
        "vote_id": vote.pk,
        "decision": {
            "id": decision.pk,
            "outcome": decision.outcome,
            "adopted": decision.adopted,
            "explanation": decision.explanation,
            "audit_hash": decision.audit_hash,
        },
        "result": decision.result,
    }
