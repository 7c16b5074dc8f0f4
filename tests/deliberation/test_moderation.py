"""Moderation: who may hide, who still reads a hidden comment, and the audit of each act."""

from __future__ import annotations

import pytest

from core.errors import DomainError, Forbidden, InvalidInput
from core.models import AuditEntry, Notification
from deliberation import selectors, services
from deliberation.permissions import can_moderate_proposal
from tests.deliberation.factories import Room, make_proposal

pytestmark = pytest.mark.django_db


def _visible_body(room: Room, viewer: object, comment_id: int) -> tuple[str, bool, object]:
    is_moderator = can_moderate_proposal(viewer, room.proposal)
    row = selectors.comment_list(viewer, room.proposal, is_moderator=is_moderator).get(
        pk=comment_id
    )
    return row.body if row.viewer_sees_content else "", row.hidden_at is not None, row


def test_board_hides_with_a_reason_and_the_act_is_audited(room: Room) -> None:
    comment = services.comment_create(
        actor=room.member, proposal=room.proposal, body="<p>Propos déplacés</p>"
    )
    services.comment_hide(actor=room.chair, comment=comment, reason="Attaque personnelle")
    entry = AuditEntry.objects.get(verb="comment.hidden")
    assert entry.actor_id == room.chair.pk
    assert entry.data["reason"] == "Attaque personnelle"
    assert entry.target_id == str(comment.pk)
    assert Notification.objects.filter(person=room.member, kind="comment_hidden").exists()
    services.comment_unhide(actor=room.chair, comment=comment)
    assert AuditEntry.objects.filter(verb="comment.unhidden").exists()


def test_author_and_moderators_still_read_a_hidden_comment(room: Room) -> None:
    comment = services.comment_create(
        actor=room.member, proposal=room.proposal, body="<p>Texte masqué</p>"
    )
    services.comment_hide(actor=room.chair, comment=comment, reason="Hors sujet")
    for viewer in (room.member, room.chair):
        body, hidden, _row = _visible_body(room, viewer, comment.pk)
        assert (body, hidden) == ("<p>Texte masqué</p>", True)
    for viewer in (room.observer, room.author):
        body, hidden, _row = _visible_body(room, viewer, comment.pk)
        assert (body, hidden) == ("", True)


def test_a_person_granted_moderation_on_one_proposal_moderates_only_it(room: Room) -> None:
    other = make_proposal(room.cooperative)
    here = services.comment_create(actor=room.author, proposal=room.proposal, body="<p>a</p>")
    there = services.comment_create(actor=room.author, proposal=other, body="<p>b</p>")
    with pytest.raises(Forbidden):
        services.comment_hide(actor=room.member, comment=here, reason="x")
    services.proposal_moderator_grant(actor=room.chair, proposal=room.proposal, person=room.member)
    services.comment_hide(actor=room.member, comment=here, reason="Doublon")
    with pytest.raises(Forbidden) as exc:
        services.comment_hide(actor=room.member, comment=there, reason="x")
    assert exc.value.code == "moderators_only"
    body, hidden, _row = _visible_body(room, room.member, here.pk)
    assert (body, hidden) == ("<p>a</p>", True)
    services.proposal_moderator_revoke(actor=room.chair, proposal=room.proposal, person=room.member)
    with pytest.raises(Forbidden):
        services.comment_unhide(actor=room.member, comment=here)


def test_hiding_needs_a_reason_and_a_visible_comment(room: Room) -> None:
    comment = services.comment_create(actor=room.member, proposal=room.proposal, body="<p>a</p>")
    with pytest.raises(InvalidInput):
        services.comment_hide(actor=room.chair, comment=comment, reason="  ")
    services.comment_hide(actor=room.chair, comment=comment, reason="Spam")
    with pytest.raises(DomainError) as exc:
        services.comment_hide(actor=room.chair, comment=comment, reason="Spam")
    assert exc.value.code == "comment_already_hidden"
    with pytest.raises(DomainError) as exc:
        services.comment_edit(actor=room.member, comment=comment, body="<p>b</p>")
    assert exc.value.code == "comment_hidden"
    with pytest.raises(DomainError) as exc:
        services.reaction_add(actor=room.observer, comment=comment, kind="agree")
    assert exc.value.code == "comment_unavailable"


def test_replays_never_carry_hidden_or_deleted_text(room: Room) -> None:
    hidden = services.comment_create(
        actor=room.member, proposal=room.proposal, body="<p>Secret</p>"
    )
    deleted = services.comment_create(
        actor=room.member, proposal=room.proposal, body="<p>Effacé</p>"
    )
    kept = services.comment_create(actor=room.member, proposal=room.proposal, body="<p>Gardé</p>")
    services.comment_hide(actor=room.chair, comment=hidden, reason="Spam")
    services.comment_delete(actor=room.member, comment=deleted)
    frames = selectors.room_events_since(room.proposal.pk, 0)
    created = {
        f["data"]["comment_id"]: f["data"]["body"] for f in frames if f["type"] == "comment.created"
    }
    assert created == {hidden.pk: None, deleted.pk: None, kept.pk: "<p>Gardé</p>"}
    assert "Secret" not in str(frames) and "Effacé" not in str(frames)
