"""Event types of the deliberation app: integration payloads (version 1) and room events."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from deliberation.models import Amendment, Comment, Proposal
from deliberation.sanitize import html_to_text
from governance.events import cooperative_ref
from governance.models import Person

# Integration events (the transactional outbox, delivered by webhook).
PROPOSAL_PUBLISHED = "proposal.published"
PROPOSAL_STATUS_CHANGED = "proposal.status_changed"
PAYLOAD_VERSION = 1

# Room events (stored in RoomEvent, pushed to the proposal's WebSocket room).
COMMENT_CREATED = "comment.created"
COMMENT_EDITED = "comment.edited"
COMMENT_HIDDEN = "comment.hidden"
COMMENT_UNHIDDEN = "comment.unhidden"
COMMENT_DELETED = "comment.deleted"
REACTION_CHANGED = "reaction.changed"
AMENDMENT_PROPOSED = "amendment.proposed"
AMENDMENT_DECIDED = "amendment.decided"
PROPOSAL_UPDATED = "proposal.updated"


def proposal_links(proposal: Proposal) -> dict[str, str]:
    base = settings.PUBLIC_BASE_URL
    return {
        "api": f"{base}/api/v1/proposals/{proposal.pk}/",
        "web": f"{base}/proposals/{proposal.pk}/",
    }


def proposal_payload(
    proposal: Proposal, *, previous_status: str | None, decision_id: int | None = None
) -> dict[str, Any]:
    """The data of `proposal.published` and `proposal.status_changed`."""
    payload: dict[str, Any] = {
        "cooperative": cooperative_ref(proposal.cooperative),
        "proposal": {
            "id": proposal.pk,
            "title": proposal.title,
            "status": proposal.status,
            "previous_status": previous_status,
            "decision_kind": proposal.decision_kind,
            "visibility": proposal.visibility,
            "version": proposal.current_version,
            "deliberation_opens_at": proposal.deliberation_opens_at,
            "deliberation_closes_at": proposal.deliberation_closes_at,
        },
        "links": proposal_links(proposal),
    }
    if decision_id is not None:
        payload["decision_id"] = decision_id
    return payload


def person_ref(person: Person) -> dict[str, Any]:
    return {"id": person.pk, "name": str(person)}


def proposal_state(
    proposal: Proposal, *, previous_status: str | None = None, text_changed: bool = False
) -> dict[str, Any]:
    """Room data of `proposal.updated`: what everyone in the room may read. With
    `text_changed`, the live frame also carries the text (proposal_text_content) and a
    replay reads it again from the version the event names."""
    return {
        "proposal_id": proposal.pk,
        "text_changed": text_changed,
        "title": proposal.title,
        "status": proposal.status,
        "previous_status": previous_status,
        "decision_kind": proposal.decision_kind,
        "visibility": proposal.visibility,
        "current_version": proposal.current_version,
        "deliberation_opens_at": proposal.deliberation_opens_at,
        "deliberation_closes_at": proposal.deliberation_closes_at,
    }


def comment_state(comment: Comment) -> dict[str, Any]:
    """Room data of comment events: ids and flags, never the text (sent as live content)."""
    return {
        "comment_id": comment.pk,
        "parent_id": comment.parent_id,
        "depth": comment.depth,
        "author": person_ref(comment.author),
        "stance": comment.stance,
        "created_at": comment.created_at,
        "edited_at": comment.edited_at,
        "is_hidden": comment.hidden_at is not None,
        "is_deleted": comment.deleted_at is not None,
    }


def comment_content(comment: Comment) -> dict[str, Any]:
    return {"body": comment.body}


def proposal_text_content(title: str, body: str) -> dict[str, Any]:
    """Live content of a `proposal.updated` that changed the text: its sanitized HTML (as
    stored, cleaned with the PROPOSAL profile by the write service) and its plain text,
    which the amendment form offers to edit."""
    return {"body": body, "plain": html_to_text(body, with_link_targets=False), "title": title}


def amendment_state(amendment: Amendment, *, version: int | None = None) -> dict[str, Any]:
    return {
        "amendment_id": amendment.pk,
        "author": person_ref(amendment.author),
        "title": amendment.title,
        "base_version": amendment.base_version,
        "status": amendment.status,
        "decision_note": amendment.decision_note,
        "version": version,
    }
