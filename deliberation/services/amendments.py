"""Writes to amendments: proposing a new text, and accepting, rejecting or withdrawing it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Forbidden, InvalidInput
from core.notifications import notify
from deliberation import events
from deliberation.models import (
    Amendment,
    AmendmentStatus,
    Proposal,
    ProposalStatus,
    ProposalVersion,
)
from deliberation.permissions import (
    access_proposal_with_role,
    can_decide_amendment,
    can_propose_amendment,
)
from deliberation.ratelimit import comment_rate, rate_limit_hit
from deliberation.room import room_emit
from deliberation.sanitize import PROPOSAL
from deliberation.services._base import (
    AmendmentStateError,
    audit,
    clean_html,
    clean_line,
    has_text,
)
from deliberation.services.proposals import TITLE_MAX
from governance.models import Person
from governance.permissions import CooperativeRole

REASON_MAX = 2000


def _require_debate_open(proposal: Proposal) -> None:
    if proposal.status != ProposalStatus.IN_DELIBERATION:
        raise AmendmentStateError(
            code="proposal_not_in_deliberation",
            message=_(
                "Amendments are taken only while the proposal is in deliberation; it is %(status)s."
            )
            % {"status": proposal.get_status_display()},
        )


def _lock_amendment(
    actor: Person, amendment: Amendment
) -> tuple[Proposal, Amendment, CooperativeRole]:
    """Lock the proposal, then the amendment: the order every writer follows."""
    proposal, role = access_proposal_with_role(actor, amendment.proposal_id, lock=True)
    locked = Amendment.objects.select_for_update().select_related("author").get(pk=amendment.pk)
    locked.proposal = proposal
    return proposal, locked, role


@transaction.atomic
def amendment_propose(
    *, actor: Person, proposal: Proposal, body: str, title: str | None = None, reason: str = ""
) -> Amendment:
    """Propose a whole new text for the current version. Members and the board may, while
    the debate is open and before its closing time. Counts against the posting limit.
    Emits `amendment.proposed` with what the page shows of it as live content."""
    from deliberation.selectors import amendment_content

    proposal, role = access_proposal_with_role(actor, proposal.pk, lock=True)
    if not can_propose_amendment(actor, proposal, role):
        raise Forbidden(
            code="members_only", message=_("Only members and the board may propose amendments.")
        )
    _require_debate_open(proposal)
    closes_at = proposal.deliberation_closes_at
    if closes_at is not None and closes_at <= timezone.now():
        raise AmendmentStateError(
            code="deliberation_closed",
            message=_("The debate closed; amendments are no longer taken."),
        )
    rate_limit_hit(scope="post", person_id=actor.pk, rate=comment_rate())
    new_title = clean_line(
        title if title is not None else proposal.title, field="title", max_length=TITLE_MAX
    )
    new_body = clean_html(body, profile=PROPOSAL)
    reason = clean_line(reason, field="reason", max_length=REASON_MAX, required=False)
    if not has_text(new_body):
        raise InvalidInput(code="body_required", message=_("An amendment needs a text."))
    if new_body == proposal.body and new_title == proposal.title:
        raise InvalidInput(
            code="amendment_no_change",
            message=_("The amended text is the same as the current one."),
        )
    amendment = Amendment.objects.create(
        proposal=proposal,
        author=actor,
        base_version=proposal.current_version,
        title=new_title,
        body=new_body,
        reason=reason,
    )
    audit(actor, "amendment.proposed", proposal, amendment, base_version=proposal.current_version)
    room_emit(
        proposal=proposal,
        type=events.AMENDMENT_PROPOSED,
        data=events.amendment_state(amendment),
        content=amendment_content(amendment),
    )
    if proposal.author_id != actor.pk:
        notify(
            people=[proposal.author],
            kind="amendment",
            cooperative_id=proposal.cooperative_id,
            data={
                "proposal_id": proposal.pk,
                "amendment_id": amendment.pk,
                "who": str(actor),
                "title": proposal.title,
            },
            url=f"/proposals/{proposal.pk}/#amendment-{amendment.pk}",
        )
    return amendment


def _decide(
    actor: Person, amendment: Amendment, status: str, note: str
) -> tuple[Proposal, Amendment]:
    proposal, amendment, role = _lock_amendment(actor, amendment)
    if not can_decide_amendment(actor, amendment, role):
        raise Forbidden(
            code="author_or_board_only",
            message=_("Only the author of the proposal or the board decides on amendments."),
        )
    if amendment.status != AmendmentStatus.PROPOSED:
        raise AmendmentStateError(
            code="amendment_already_decided",
            message=_("This amendment is already %(status)s.")
            % {"status": amendment.get_status_display()},
        )
    _require_debate_open(proposal)
    amendment.status = status
    amendment.decided_at = timezone.now()
    amendment.decided_by = actor
    amendment.decision_note = clean_line(note, field="note", max_length=REASON_MAX, required=False)
    return proposal, amendment


@transaction.atomic
def amendment_accept(*, actor: Person, amendment: Amendment, note: str = "") -> Amendment:
    """Accept an amendment: its text becomes a new version of the proposal. Refused when
    the text changed since the amendment was written (it must be proposed again on the
    current version). Locks the proposal, then the amendment."""
    proposal, amendment = _decide(actor, amendment, AmendmentStatus.ACCEPTED, note)
    if amendment.base_version != proposal.current_version:
        raise AmendmentStateError(
            code="amendment_outdated",
            message=_(
                "This amendment was written on version %(base)d; the text is now at "
                "version %(current)d. Propose it again on the current text."
            )
            % {"base": amendment.base_version, "current": proposal.current_version},
            details={
                "base_version": amendment.base_version,
                "current_version": proposal.current_version,
            },
        )
    amendment.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    number = proposal.current_version + 1
    ProposalVersion.objects.create(
        proposal=proposal,
        number=number,
        title=amendment.title,
        body=amendment.body,
        created_by=actor,
        amendment=amendment,
    )
    previous_version = proposal.current_version
    proposal.title, proposal.body, proposal.current_version = (
        amendment.title,
        amendment.body,
        number,
    )
    proposal.save(update_fields=["title", "body", "current_version", "updated_at"])
    audit(
        actor,
        "amendment.accepted",
        proposal,
        amendment,
        version=number,
        previous_version=previous_version,
    )
    room_emit(
        proposal=proposal,
        type=events.AMENDMENT_DECIDED,
        data=events.amendment_state(amendment, version=number),
    )
    room_emit(
        proposal=proposal,
        type=events.PROPOSAL_UPDATED,
        data=events.proposal_state(proposal, text_changed=True),
        content=events.proposal_text_content(proposal.title, proposal.body),
    )
    return amendment


@transaction.atomic
def amendment_reject(*, actor: Person, amendment: Amendment, note: str = "") -> Amendment:
    proposal, amendment = _decide(actor, amendment, AmendmentStatus.REJECTED, note)
    amendment.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    audit(actor, "amendment.rejected", proposal, amendment, note=amendment.decision_note)
    room_emit(
        proposal=proposal, type=events.AMENDMENT_DECIDED, data=events.amendment_state(amendment)
    )
    return amendment


@transaction.atomic
def amendment_withdraw(*, actor: Person, amendment: Amendment) -> Amendment:
    """Its author takes back an amendment not yet decided."""
    proposal, amendment, _role = _lock_amendment(actor, amendment)
    if amendment.author_id != actor.pk:
        raise Forbidden(
            code="not_amendment_author",
            message=_("Only the author of an amendment may withdraw it."),
        )
    if amendment.status != AmendmentStatus.PROPOSED:
        raise AmendmentStateError(
            code="amendment_already_decided",
            message=_("This amendment is already %(status)s.")
            % {"status": amendment.get_status_display()},
        )
    amendment.status = AmendmentStatus.WITHDRAWN
    amendment.decided_at = timezone.now()
    amendment.save(update_fields=["status", "decided_at"])
    audit(actor, "amendment.withdrawn", proposal, amendment)
    room_emit(
        proposal=proposal, type=events.AMENDMENT_DECIDED, data=events.amendment_state(amendment)
    )
    return amendment
