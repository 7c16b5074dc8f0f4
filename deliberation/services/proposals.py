"""Writes to proposals: creation, editing and every step of their lifecycle."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from core.errors import DomainError, Forbidden, InvalidInput
from core.notifications import notify_set
from core.outbox import outbox_emit
from deliberation import events
from deliberation.models import (
    Amendment,
    AmendmentStatus,
    Proposal,
    ProposalStatus,
    ProposalVersion,
    ProposalVisibility,
    RoomCounter,
)
from deliberation.permissions import (
    PERM_MODERATE,
    access_proposal_with_role,
    can_create_proposal,
    can_edit_proposal,
    can_view_proposal,
)
from deliberation.room import room_emit, room_recheck_access
from deliberation.sanitize import PROPOSAL
from deliberation.services._base import (
    UNSET,
    ProposalStateError,
    audit,
    clean_html,
    clean_line,
    has_text,
)
from governance.errors import BoardOnly
from governance.models import Cooperative, DecisionKind, Person
from governance.permissions import Actor, cooperative_role, require_board
from governance.recipients import people_of_cooperative

TITLE_MAX = 200


def _check_visibility(visibility: str, *, is_board: bool) -> None:
    if visibility not in ProposalVisibility.values:
        raise InvalidInput(code="visibility_unknown", message=_("Unknown visibility."))
    if visibility == ProposalVisibility.BOARD and not is_board:
        raise BoardOnly(_("Only the board may restrict a proposal to the board."))


def _check_closes_at(closes_at: dt.datetime | None, *, opens_at: dt.datetime | None) -> None:
    if closes_at is None:
        return
    if timezone.is_naive(closes_at):
        raise InvalidInput(code="naive_datetime", message=_("Give a date with its time zone."))
    if closes_at <= timezone.now() or (opens_at is not None and closes_at <= opens_at):
        raise InvalidInput(
            code="window_in_past",
            message=_("The deliberation must close after it opens and in the future."),
            details={"deliberation_closes_at": closes_at.isoformat()},
        )


def _status_changed(
    actor: Actor,
    proposal: Proposal,
    previous: str,
    verb: str,
    *,
    decision_id: int | None = None,
    **audit_data: Any,
) -> None:
    """Record a transition: audit row, integration event and room event, in this transaction."""
    audit(
        actor,
        verb,
        proposal,
        proposal,
        previous_status=previous,
        status=proposal.status,
        **audit_data,
    )
    outbox_emit(
        cooperative_id=proposal.cooperative_id,
        type=events.PROPOSAL_STATUS_CHANGED,
        data=events.proposal_payload(proposal, previous_status=previous, decision_id=decision_id),
        payload_version=events.PAYLOAD_VERSION,
    )
    room_emit(
        proposal=proposal,
        type=events.PROPOSAL_UPDATED,
        data=events.proposal_state(proposal, previous_status=previous),
    )


def _lapse_pending_amendments(proposal: Proposal) -> None:
    now = timezone.now()
    pending = list(
        Amendment.objects.select_related("author").filter(
            proposal=proposal, status=AmendmentStatus.PROPOSED
        )
    )
    for amendment in pending:
        amendment.status = AmendmentStatus.LAPSED
        amendment.decided_at = now
        amendment.save(update_fields=["status", "decided_at"])
        room_emit(
            proposal=proposal, type=events.AMENDMENT_DECIDED, data=events.amendment_state(amendment)
        )


def _lock(proposal: Proposal) -> Proposal:
    """Lock and reload a proposal for a system actor (no visibility check)."""
    return (
        Proposal.objects.select_for_update()
        .select_related("cooperative", "author")
        .get(pk=proposal.pk)
    )


@transaction.atomic
def proposal_create(
    *,
    actor: Person,
    cooperative: Cooperative,
    title: str,
    body: str,
    decision_kind: str = DecisionKind.ORDINARY,
    visibility: str = ProposalVisibility.MEMBERS,
    deliberation_closes_at: dt.datetime | None = None,
) -> Proposal:
    """Create a draft with its first version. Members and the board may; observers may not."""
    role = cooperative_role(actor, cooperative)
    if not can_create_proposal(role):
        raise Forbidden(
            code="members_only", message=_("Only members and the board may put a proposal.")
        )
    if decision_kind not in DecisionKind.values:
        raise InvalidInput(code="decision_kind_unknown", message=_("Unknown decision kind."))
    _check_visibility(visibility, is_board=role.is_board)
    _check_closes_at(deliberation_closes_at, opens_at=None)
    title = clean_line(title, field="title", max_length=TITLE_MAX)
    body = clean_html(body, profile=PROPOSAL)
    proposal = Proposal.objects.create(
        cooperative=cooperative,
        title=title,
        body=body,
        author=actor,
        decision_kind=decision_kind,
        visibility=visibility,
        deliberation_closes_at=deliberation_closes_at,
    )
    ProposalVersion.objects.create(
        proposal=proposal, number=1, title=title, body=body, created_by=actor
    )
    RoomCounter.objects.create(proposal=proposal)
    audit(
        actor,
        "proposal.created",
        proposal,
        proposal,
        title=title,
        decision_kind=decision_kind,
        visibility=visibility,
    )
    return proposal


@transaction.atomic
def proposal_update(
    *,
    actor: Person,
    proposal: Proposal,
    title: str | None = None,
    body: str | None = None,
    decision_kind: str | None = None,
    visibility: str | None = None,
    deliberation_closes_at: Any = UNSET,
) -> Proposal:
    """Change a proposal. In draft everything may change (the draft's version 1 follows);
    once in deliberation the text changes only through amendments, and only the
    visibility and closing time may change here. Locks the proposal row."""
    proposal, role = access_proposal_with_role(actor, proposal.pk, lock=True)
    if not can_edit_proposal(actor, proposal, role):
        raise Forbidden(
            code="author_or_board_only",
            message=_("Only the author or the board may change this proposal."),
        )
    if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.IN_DELIBERATION):
        raise ProposalStateError(
            code="proposal_not_editable",
            message=_("A proposal that is %(status)s can no longer change.")
            % {"status": proposal.get_status_display()},
        )
    in_debate = proposal.status == ProposalStatus.IN_DELIBERATION
    changed: dict[str, Any] = {}
    if title is not None:
        title = clean_line(title, field="title", max_length=TITLE_MAX)
        if title != proposal.title:
            changed["title"] = title
    if body is not None:
        body = clean_html(body, profile=PROPOSAL)
        if body != proposal.body:
            changed["body"] = body
    if in_debate and ({"title", "body"} & changed.keys()):
        raise ProposalStateError(
            code="text_frozen",
            message=_("Once the debate is open, the text changes only through amendments."),
        )
    if decision_kind is not None and decision_kind != proposal.decision_kind:
        if decision_kind not in DecisionKind.values:
            raise InvalidInput(code="decision_kind_unknown", message=_("Unknown decision kind."))
        if in_debate:
            raise ProposalStateError(
                code="decision_kind_frozen",
                message=_("The kind of decision is fixed once the debate is open."),
            )
        changed["decision_kind"] = decision_kind
    if visibility is not None and visibility != proposal.visibility:
        _check_visibility(visibility, is_board=role.is_board)
        changed["visibility"] = visibility
    if deliberation_closes_at is not UNSET and (
        deliberation_closes_at != proposal.deliberation_closes_at
    ):
        _check_closes_at(deliberation_closes_at, opens_at=proposal.deliberation_opens_at)
        changed["deliberation_closes_at"] = deliberation_closes_at
    if not changed:
        return proposal
    for field, value in changed.items():
        setattr(proposal, field, value)
    proposal.save(update_fields=[*changed, "updated_at"])
    if {"title", "body"} & changed.keys():
        ProposalVersion.objects.filter(proposal=proposal, number=1).update(
            title=proposal.title, body=proposal.body
        )
    audit(actor, "proposal.updated", proposal, proposal, fields=sorted(changed))
    text_changed = bool({"title", "body"} & changed.keys())
    room_emit(
        proposal=proposal,
        type=events.PROPOSAL_UPDATED,
        data=events.proposal_state(proposal, text_changed=text_changed),
        content=(
            events.proposal_text_content(proposal.title, proposal.body) if text_changed else None
        ),
    )
    if "visibility" in changed:
        room_recheck_access(proposal=proposal)
    return proposal


@transaction.atomic
def proposal_publish(*, actor: Person, proposal: Proposal) -> Proposal:
    """Open the debate: draft -> in deliberation. Needs a title, a text and, if a closing
    time is set, one in the future. Emits `proposal.published`. Locks the proposal row."""
    proposal, role = access_proposal_with_role(actor, proposal.pk, lock=True)
    if not can_edit_proposal(actor, proposal, role):
        raise Forbidden(
            code="author_or_board_only",
            message=_("Only the author or the board may publish this proposal."),
        )
    if proposal.status != ProposalStatus.DRAFT:
        raise ProposalStateError(
            code="proposal_not_draft",
            message=_("Only a draft can be published; this proposal is %(status)s.")
            % {"status": proposal.get_status_display()},
        )
    if not has_text(proposal.body):
        raise ProposalStateError(
            code="body_required", message=_("Write the text of the proposal before publishing.")
        )
    now = timezone.now()
    if proposal.deliberation_closes_at is not None and proposal.deliberation_closes_at <= now:
        raise ProposalStateError(
            code="window_in_past", message=_("The closing time of the debate has already passed.")
        )
    previous = proposal.status
    proposal.status = ProposalStatus.IN_DELIBERATION
    proposal.deliberation_opens_at = now
    proposal.save(update_fields=["status", "deliberation_opens_at", "updated_at"])
    outbox_emit(
        cooperative_id=proposal.cooperative_id,
        type=events.PROPOSAL_PUBLISHED,
        data=events.proposal_payload(proposal, previous_status=previous),
        payload_version=events.PAYLOAD_VERSION,
    )
    _status_changed(actor, proposal, previous, "proposal.published")
    if proposal.visibility != ProposalVisibility.BOARD:
        notify_set(
            person_ids=people_of_cooperative(proposal.cooperative_id).exclude(pk=actor.pk),
            kind="proposal.published",
            data={"proposal_id": proposal.pk, "title": proposal.title},
            cooperative_id=proposal.cooperative_id,
            url=f"/proposals/{proposal.pk}/",
            now=now,
        )
    return proposal


@transaction.atomic
def proposal_withdraw(*, actor: Person, proposal: Proposal, reason: str = "") -> Proposal:
    """The author or the board withdraws a proposal before any vote opens on it. Pending
    amendments lapse. Locks the proposal row."""
    proposal, role = access_proposal_with_role(actor, proposal.pk, lock=True)
    if not can_edit_proposal(actor, proposal, role):
        raise Forbidden(
            code="author_or_board_only",
            message=_("Only the author or the board may withdraw this proposal."),
        )
    if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.IN_DELIBERATION):
        raise ProposalStateError(
            code="proposal_not_withdrawable",
            message=_("A proposal that is %(status)s can no longer be withdrawn.")
            % {"status": proposal.get_status_display()},
        )
    reason = clean_line(reason, field="reason", max_length=500, required=False)
    previous = proposal.status
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.save(update_fields=["status", "updated_at"])
    _lapse_pending_amendments(proposal)
    _status_changed(actor, proposal, previous, "proposal.withdrawn", reason=reason)
    return proposal


@transaction.atomic
def proposal_start_voting(*, actor: Actor, proposal: Proposal) -> Proposal:
    """Freeze the text for a vote: draft or in deliberation -> voting.

    Called by the voting app when a vote on the proposal opens (the system actor
    for the scheduler); that app checks who may open votes. Pending amendments lapse, since the
    text put to the vote is the current version. Locks the proposal row.
    """
    proposal = _lock(proposal)
    if proposal.status not in (ProposalStatus.DRAFT, ProposalStatus.IN_DELIBERATION):
        raise ProposalStateError(
            code="proposal_not_votable",
            message=_(
                "A vote can open only on a draft or a proposal in deliberation; this "
                "one is %(status)s."
            )
            % {"status": proposal.get_status_display()},
            details={"status": proposal.status},
        )
    previous = proposal.status
    proposal.status = ProposalStatus.VOTING
    proposal.save(update_fields=["status", "updated_at"])
    _lapse_pending_amendments(proposal)
    _status_changed(
        actor, proposal, previous, "proposal.voting_started", version=proposal.current_version
    )
    return proposal


@transaction.atomic
def proposal_record_outcome(
    *, actor: Actor, proposal: Proposal, adopted: bool, decision_id: int
) -> Proposal:
    """Record the result of the vote: voting -> adopted or rejected. Called by the voting
    app when the vote closes. Locks the proposal row."""
    proposal = _lock(proposal)
    if proposal.status != ProposalStatus.VOTING:
        raise ProposalStateError(
            code="proposal_not_voting",
            message=_(
                "Only a proposal being voted on can be adopted or rejected; this one is %(status)s."
            )
            % {"status": proposal.get_status_display()},
            details={"status": proposal.status},
        )
    previous = proposal.status
    proposal.status = ProposalStatus.ADOPTED if adopted else ProposalStatus.REJECTED
    proposal.save(update_fields=["status", "updated_at"])
    _status_changed(
        actor,
        proposal,
        previous,
        "proposal.adopted" if adopted else "proposal.rejected",
        decision_id=decision_id,
    )
    return proposal


@transaction.atomic
def proposal_moderator_grant(*, actor: Person, proposal: Proposal, person: Person) -> Proposal:
    """The board lets one person moderate the comments of one proposal."""
    proposal, role = access_proposal_with_role(actor, proposal.pk, lock=True)
    require_board(actor, proposal.cooperative, role=role)
    if not can_view_proposal(person, proposal):
        raise InvalidInput(
            code="cannot_view_proposal",
            message=_("%(p)s cannot read this proposal.") % {"p": person},
        )
    from deliberation.selectors import proposal_moderator_ids

    if person.pk in proposal_moderator_ids(proposal):
        raise DomainError(
            code="already_moderator",
            message=_("%(p)s already moderates this proposal.") % {"p": person},
        )
    assign_perm(PERM_MODERATE, person, proposal)
    audit(
        actor,
        "proposal.moderator_granted",
        proposal,
        proposal,
        person=person.username,
        person_id=person.pk,
    )
    return proposal


@transaction.atomic
def proposal_moderator_revoke(*, actor: Person, proposal: Proposal, person: Person) -> Proposal:
    proposal, role = access_proposal_with_role(actor, proposal.pk, lock=True)
    require_board(actor, proposal.cooperative, role=role)
    from deliberation.selectors import proposal_moderator_ids

    if person.pk not in proposal_moderator_ids(proposal):
        raise DomainError(
            code="not_moderator",
            message=_("%(p)s does not moderate this proposal.") % {"p": person},
        )
    remove_perm(PERM_MODERATE, person, proposal)
    audit(
        actor,
        "proposal.moderator_revoked",
        proposal,
        proposal,
        person=person.username,
        person_id=person.pk,
    )
    return proposal
