"""The proposal lifecycle: transitions, the precondition each refusal names, what each records."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import DomainError, Forbidden, InvalidInput, NotFound
from core.models import AuditEntry, OutboxEvent
from deliberation import events, services
from deliberation.models import (
    Amendment,
    AmendmentStatus,
    ProposalStatus,
    ProposalVersion,
    ProposalVisibility,
    RoomEvent,
)
from tests.deliberation.factories import Room, make_proposal

pytestmark = pytest.mark.django_db


def _codes(exc: pytest.ExceptionInfo[DomainError]) -> str:
    return exc.value.code


def test_create_makes_a_draft_with_version_one_and_clean_html(room: Room) -> None:
    proposal = services.proposal_create(
        actor=room.member,
        cooperative=room.cooperative,
        title="  Tarifs\x00 solidaires ",
        body='<p onclick="x()">Baisser les tarifs</p><script>alert(1)</script>',
    )
    assert proposal.status == ProposalStatus.DRAFT
    assert proposal.title == "Tarifs  solidaires"
    assert proposal.body == "<p>Baisser les tarifs</p>"
    version = ProposalVersion.objects.get(proposal=proposal)
    assert (version.number, version.body) == (1, proposal.body)
    assert AuditEntry.objects.filter(verb="proposal.created", target_id=str(proposal.pk)).exists()


def test_observers_may_not_create_proposals(room: Room) -> None:
    with pytest.raises(Forbidden) as exc:
        services.proposal_create(
            actor=room.observer, cooperative=room.cooperative, title="T", body="<p>b</p>"
        )
    assert _codes(exc) == "members_only"


def test_only_the_board_restricts_a_proposal_to_the_board(room: Room) -> None:
    with pytest.raises(Forbidden):
        services.proposal_create(
            actor=room.member,
            cooperative=room.cooperative,
            title="T",
            body="<p>b</p>",
            visibility=ProposalVisibility.BOARD,
        )
    proposal = services.proposal_create(
        actor=room.chair,
        cooperative=room.cooperative,
        title="T",
        body="<p>b</p>",
        visibility=ProposalVisibility.BOARD,
    )
    assert proposal.visibility == ProposalVisibility.BOARD


def test_publish_opens_the_debate_and_emits_published_and_status_changed(room: Room) -> None:
    draft = make_proposal(room.cooperative, author=room.member, publish=False)
    before = OutboxEvent.objects.count()
    proposal = services.proposal_publish(actor=room.member, proposal=draft)
    assert proposal.status == ProposalStatus.IN_DELIBERATION
    assert proposal.deliberation_opens_at is not None
    new = list(OutboxEvent.objects.order_by("id")[before:])
    assert [e.type for e in new] == [events.PROPOSAL_PUBLISHED, events.PROPOSAL_STATUS_CHANGED]
    payload = new[1].data
    assert new[1].payload_version == 1
    assert payload["proposal"]["status"] == "in_deliberation"
    assert payload["proposal"]["previous_status"] == "draft"
    assert payload["proposal"]["decision_kind"] == "ordinary"
    assert payload["cooperative"]["slug"] == room.cooperative.slug
    assert payload["links"]["web"].endswith(f"/proposals/{proposal.pk}/")
    assert payload["links"]["api"].endswith(f"/api/v1/proposals/{proposal.pk}/")
    room_events = RoomEvent.objects.filter(proposal=proposal, type=events.PROPOSAL_UPDATED)
    assert room_events.get().data["status"] == "in_deliberation"
    assert AuditEntry.objects.filter(verb="proposal.published").exists()


def test_publish_names_each_failed_precondition(room: Room) -> None:
    empty = make_proposal(room.cooperative, author=room.member, publish=False, body="<p> </p>")
    with pytest.raises(DomainError) as exc:
        services.proposal_publish(actor=room.member, proposal=empty)
    assert _codes(exc) == "body_required"
    with pytest.raises(DomainError) as exc:
        services.proposal_publish(actor=room.author, proposal=room.proposal)
    assert _codes(exc) == "proposal_not_draft"
    draft = make_proposal(room.cooperative, author=room.member, publish=False)
    with pytest.raises(NotFound):
        services.proposal_publish(actor=room.author, proposal=draft)


def test_a_closing_time_in_the_past_is_refused(room: Room) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.proposal_create(
            actor=room.member,
            cooperative=room.cooperative,
            title="T",
            body="<p>b</p>",
            deliberation_closes_at=timezone.now() - dt.timedelta(minutes=1),
        )
    assert _codes(exc) == "window_in_past"


def test_drafts_are_seen_by_their_author_and_the_board_only(room: Room) -> None:
    draft = make_proposal(room.cooperative, author=room.member, publish=False)
    services.proposal_update(actor=room.chair, proposal=draft, title="Vu par le conseil")
    with pytest.raises(NotFound):
        services.proposal_update(actor=room.author, proposal=draft, title="x")


def test_text_is_frozen_once_the_debate_opens(room: Room) -> None:
    with pytest.raises(DomainError) as exc:
        services.proposal_update(actor=room.author, proposal=room.proposal, body="<p>new</p>")
    assert _codes(exc) == "text_frozen"
    with pytest.raises(DomainError) as exc:
        services.proposal_update(
            actor=room.author, proposal=room.proposal, decision_kind="extraordinary"
        )
    assert _codes(exc) == "decision_kind_frozen"
    later = timezone.now() + dt.timedelta(days=3)
    updated = services.proposal_update(
        actor=room.author, proposal=room.proposal, deliberation_closes_at=later
    )
    assert updated.deliberation_closes_at == later


def test_draft_edits_rewrite_version_one(room: Room) -> None:
    draft = make_proposal(room.cooperative, author=room.member, publish=False)
    services.proposal_update(actor=room.member, proposal=draft, body="<p>Texte revu</p>")
    assert ProposalVersion.objects.get(proposal=draft).body == "<p>Texte revu</p>"


def test_start_voting_then_outcome(room: Room) -> None:
    amendment = services.amendment_propose(
        actor=room.member, proposal=room.proposal, body="<p>Autre texte</p>"
    )
    proposal = services.proposal_start_voting(actor=None, proposal=room.proposal)
    assert proposal.status == ProposalStatus.VOTING
    assert Amendment.objects.get(pk=amendment.pk).status == AmendmentStatus.LAPSED
    proposal = services.proposal_record_outcome(
        actor=None, proposal=proposal, adopted=True, decision_id=42
    )
    assert proposal.status == ProposalStatus.ADOPTED
    last = OutboxEvent.objects.filter(type=events.PROPOSAL_STATUS_CHANGED).order_by("id").last()
    assert last is not None
    assert last.data["decision_id"] == 42
    assert last.data["proposal"]["previous_status"] == "voting"
    assert AuditEntry.objects.filter(verb="proposal.adopted").exists()


def test_voting_may_start_on_a_draft_but_not_twice(room: Room) -> None:
    draft = make_proposal(room.cooperative, publish=False)
    assert services.proposal_start_voting(actor=None, proposal=draft).status == "voting"
    with pytest.raises(DomainError) as exc:
        services.proposal_start_voting(actor=None, proposal=draft)
    assert _codes(exc) == "proposal_not_votable"


def test_outcome_needs_a_running_vote(room: Room) -> None:
    with pytest.raises(DomainError) as exc:
        services.proposal_record_outcome(
            actor=None, proposal=room.proposal, adopted=False, decision_id=1
        )
    assert _codes(exc) == "proposal_not_voting"


def test_withdraw_is_refused_once_voting(room: Room) -> None:
    services.proposal_start_voting(actor=None, proposal=room.proposal)
    with pytest.raises(DomainError) as exc:
        services.proposal_withdraw(actor=room.author, proposal=room.proposal)
    assert _codes(exc) == "proposal_not_withdrawable"


def test_withdraw_by_the_author(room: Room) -> None:
    proposal = services.proposal_withdraw(
        actor=room.author, proposal=room.proposal, reason="Doublon"
    )
    assert proposal.status == ProposalStatus.WITHDRAWN
    entry = AuditEntry.objects.get(verb="proposal.withdrawn")
    assert entry.data["reason"] == "Doublon"
    with pytest.raises(Forbidden):
        services.proposal_withdraw(actor=room.member, proposal=make_proposal(room.cooperative))


def test_moderators_are_granted_and_revoked_by_the_board_only(room: Room) -> None:
    with pytest.raises(Forbidden):
        services.proposal_moderator_grant(
            actor=room.author, proposal=room.proposal, person=room.member
        )
    with pytest.raises(InvalidInput) as exc:
        services.proposal_moderator_grant(
            actor=room.chair, proposal=room.proposal, person=room.outsider
        )
    assert _codes(exc) == "cannot_view_proposal"
    services.proposal_moderator_grant(actor=room.chair, proposal=room.proposal, person=room.member)
    with pytest.raises(DomainError) as exc:
        services.proposal_moderator_grant(
            actor=room.chair, proposal=room.proposal, person=room.member
        )
    assert _codes(exc) == "already_moderator"
    services.proposal_moderator_revoke(actor=room.chair, proposal=room.proposal, person=room.member)
    verbs = list(
        AuditEntry.objects.filter(verb__startswith="proposal.moderator").values_list(
            "verb", flat=True
        )
    )
    assert verbs == ["proposal.moderator_granted", "proposal.moderator_revoked"]
