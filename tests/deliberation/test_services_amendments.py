"""Amendments: proposing a new text, deciding on it, and the versions accepted ones make."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import DomainError, Forbidden, InvalidInput
from core.models import AuditEntry, Notification
from deliberation import events, selectors, services
from deliberation.models import AmendmentStatus, ProposalVersion, RoomEvent
from tests.deliberation.factories import Room, make_proposal

pytestmark = pytest.mark.django_db

NEW_TEXT = "<p>Le conseil propose d'ouvrir une antenne à Villeurbanne.</p>"


def test_accepting_makes_a_new_version_and_keeps_the_old_one(room: Room) -> None:
    amendment = services.amendment_propose(
        actor=room.member, proposal=room.proposal, body=NEW_TEXT, reason="Plus précis"
    )
    assert amendment.base_version == 1
    accepted = services.amendment_accept(actor=room.author, amendment=amendment, note="Merci")
    assert accepted.status == AmendmentStatus.ACCEPTED
    room.proposal.refresh_from_db()
    assert room.proposal.current_version == 2
    assert room.proposal.body == NEW_TEXT
    versions = list(ProposalVersion.objects.filter(proposal=room.proposal).order_by("number"))
    assert [v.number for v in versions] == [1, 2]
    assert versions[1].amendment_id == amendment.pk
    assert "Lyon" in versions[0].body
    types = list(
        RoomEvent.objects.filter(proposal=room.proposal)
        .order_by("seq")
        .values_list("type", flat=True)
    )
    assert types[-3:] == [
        events.AMENDMENT_PROPOSED,
        events.AMENDMENT_DECIDED,
        events.PROPOSAL_UPDATED,
    ]
    assert AuditEntry.objects.filter(verb="amendment.accepted").exists()


def test_the_difference_between_versions_is_readable(room: Room) -> None:
    amendment = services.amendment_propose(actor=room.member, proposal=room.proposal, body=NEW_TEXT)
    services.amendment_accept(actor=room.chair, amendment=amendment)
    difference = selectors.version_difference(room.proposal, 2, None)
    changes = [(op.old, op.new) for op in difference.ops if op.op != "equal"]
    assert changes == [("Lyon", "Villeurbanne")]
    assert "<del>Lyon</del><ins>Villeurbanne</ins>" in difference.html
    assert "-Le conseil propose d'ouvrir une antenne à Lyon." in difference.unified
    assert difference.from_version == 1


def test_an_amendment_written_on_an_old_version_cannot_be_accepted(room: Room) -> None:
    first = services.amendment_propose(actor=room.member, proposal=room.proposal, body=NEW_TEXT)
    second = services.amendment_propose(
        actor=room.chair, proposal=room.proposal, body="<p>Autre chose</p>"
    )
    services.amendment_accept(actor=room.author, amendment=first)
    with pytest.raises(DomainError) as exc:
        services.amendment_accept(actor=room.author, amendment=second)
    assert exc.value.code == "amendment_outdated"
    assert exc.value.details == {"base_version": 1, "current_version": 2}


def test_only_the_author_or_the_board_decides(room: Room) -> None:
    amendment = services.amendment_propose(actor=room.chair, proposal=room.proposal, body=NEW_TEXT)
    with pytest.raises(Forbidden):
        services.amendment_accept(actor=room.member, amendment=amendment)
    rejected = services.amendment_reject(actor=room.author, amendment=amendment, note="Non")
    assert rejected.status == AmendmentStatus.REJECTED
    with pytest.raises(DomainError) as exc:
        services.amendment_accept(actor=room.author, amendment=amendment)
    assert exc.value.code == "amendment_already_decided"


def test_observers_do_not_amend(room: Room) -> None:
    with pytest.raises(Forbidden):
        services.amendment_propose(actor=room.observer, proposal=room.proposal, body=NEW_TEXT)


def test_amendments_need_an_open_debate_and_a_change(room: Room) -> None:
    with pytest.raises(InvalidInput) as exc:
        services.amendment_propose(
            actor=room.member, proposal=room.proposal, body=room.proposal.body
        )
    assert exc.value.code == "amendment_no_change"
    closing = make_proposal(
        room.cooperative, deliberation_closes_at=timezone.now() + dt.timedelta(hours=1)
    )
    closing.deliberation_closes_at = timezone.now() - dt.timedelta(seconds=1)
    closing.deliberation_opens_at = closing.deliberation_closes_at - dt.timedelta(hours=1)
    closing.save()
    with pytest.raises(DomainError) as exc:
        services.amendment_propose(actor=room.member, proposal=closing, body=NEW_TEXT)
    assert exc.value.code == "deliberation_closed"
    services.proposal_start_voting(actor=None, proposal=room.proposal)
    with pytest.raises(DomainError) as exc:
        services.amendment_propose(actor=room.member, proposal=room.proposal, body=NEW_TEXT)
    assert exc.value.code == "proposal_not_in_deliberation"


def test_only_its_author_withdraws_an_amendment(room: Room) -> None:
    amendment = services.amendment_propose(actor=room.member, proposal=room.proposal, body=NEW_TEXT)
    with pytest.raises(Forbidden):
        services.amendment_withdraw(actor=room.author, amendment=amendment)
    assert services.amendment_withdraw(actor=room.member, amendment=amendment).status == (
        AmendmentStatus.WITHDRAWN
    )


def test_the_proposal_author_is_notified_of_an_amendment(room: Room) -> None:
    services.amendment_propose(actor=room.member, proposal=room.proposal, body=NEW_TEXT)
    assert Notification.objects.filter(person=room.author, kind="amendment").count() == 1
