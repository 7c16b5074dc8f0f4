"""Comments: threads, stances, edits with history, tombstones, reactions and mentions."""

from __future__ import annotations

import json
import unittest.mock

import pytest

from core.errors import DomainError, Forbidden, InvalidInput
from core.models import AuditEntry, Notification
from deliberation import events, selectors, services
from deliberation.models import MAX_COMMENT_DEPTH, Comment, CommentRevision, Reaction, RoomEvent
from governance.models import Person
from tests.deliberation.factories import Room
from tests.governance.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _post(room: Room, person: Person, body: str = "<p>Bonne idée</p>", **kw: object) -> Comment:
    return services.comment_create(actor=person, proposal=room.proposal, body=body, **kw)


def test_replies_nest_several_levels_deep(room: Room) -> None:
    parent = _post(room, room.member, stance="for")
    chain = [parent]
    for level in range(1, MAX_COMMENT_DEPTH + 1):
        chain.append(_post(room, room.observer, f"<p>Niveau {level}</p>", parent=chain[-1]))
    assert [c.depth for c in chain] == list(range(MAX_COMMENT_DEPTH + 1))
    assert chain[2].parent_id == chain[1].pk
    with pytest.raises(InvalidInput) as exc:
        _post(room, room.member, parent=chain[-1])
    assert exc.value.code == "thread_too_deep"


def test_a_reply_must_answer_a_comment_of_the_same_proposal(room: Room) -> None:
    from tests.deliberation.factories import make_proposal

    other = make_proposal(room.cooperative)
    foreign = services.comment_create(actor=room.member, proposal=other, body="<p>x</p>")
    with pytest.raises(InvalidInput) as exc:
        _post(room, room.member, parent=foreign)
    assert exc.value.code == "wrong_parent"


def test_comments_are_sanitized_and_must_hold_text(room: Room) -> None:
    comment = _post(room, room.member, '<p>Voir <a href="javascript:alert(1)">ici</a></p>')
    assert comment.body == "<p>Voir ici</p>"
    with pytest.raises(InvalidInput) as exc:
        _post(room, room.member, "<script>alert(1)</script>")
    assert exc.value.code == "comment_empty"


def test_unknown_stance_is_refused(room: Room) -> None:
    with pytest.raises(InvalidInput):
        _post(room, room.member, stance="maybe")


def test_no_comment_on_a_draft_or_a_closed_proposal(room: Room) -> None:
    services.proposal_withdraw(actor=room.author, proposal=room.proposal)
    with pytest.raises(DomainError) as exc:
        _post(room, room.member)
    assert exc.value.code == "proposal_not_open"


def test_comments_stay_open_during_the_vote(room: Room) -> None:
    services.proposal_start_voting(actor=None, proposal=room.proposal)
    assert _post(room, room.observer).pk


def test_editing_keeps_the_history(room: Room) -> None:
    comment = _post(room, room.member, "<p>Premier jet</p>", stance="against")
    services.comment_edit(actor=room.member, comment=comment, body="<p>Deuxième</p>")
    services.comment_edit(actor=room.member, comment=comment, body="<p>Troisième</p>", stance="for")
    comment.refresh_from_db()
    assert (comment.body, comment.stance) == ("<p>Troisième</p>", "for")
    assert comment.edited_at is not None
    revisions = list(CommentRevision.objects.filter(comment=comment).order_by("number"))
    assert [(r.number, r.body, r.stance) for r in revisions] == [
        (1, "<p>Premier jet</p>", "against"),
        (2, "<p>Deuxième</p>", "against"),
    ]
    assert revisions[1].written_at == revisions[0].replaced_at


def test_only_the_author_edits_or_deletes(room: Room) -> None:
    comment = _post(room, room.member)
    with pytest.raises(Forbidden):
        services.comment_edit(actor=room.chair, comment=comment, body="<p>x</p>")
    with pytest.raises(Forbidden):
        services.comment_delete(actor=room.chair, comment=comment)


def test_deleting_leaves_a_tombstone_that_keeps_replies(room: Room) -> None:
    comment = _post(room, room.member, "<p>Texte à retirer</p>")
    reply = _post(room, room.observer, parent=comment)
    services.comment_edit(actor=room.member, comment=comment, body="<p>Retiré bientôt</p>")
    services.reaction_add(actor=room.observer, comment=comment, kind="agree")
    services.comment_delete(actor=room.member, comment=comment)
    comment.refresh_from_db()
    assert comment.body == ""
    assert comment.deleted_at is not None
    assert not CommentRevision.objects.filter(comment=comment).exists()
    assert not Reaction.objects.filter(comment=comment).exists()
    reply.refresh_from_db()
    assert reply.parent_id == comment.pk
    entry = AuditEntry.objects.get(verb="comment.deleted")
    assert "Texte" not in str(entry.data)
    with pytest.raises(DomainError) as exc:
        services.comment_edit(actor=room.member, comment=comment, body="<p>x</p>")
    assert exc.value.code == "comment_deleted"
    with pytest.raises(DomainError) as exc:
        _post(room, room.observer, parent=comment)
    assert exc.value.code == "parent_unavailable"


def test_reactions_toggle_once_per_kind_and_person(room: Room) -> None:
    comment = _post(room, room.member)
    assert services.reaction_add(actor=room.observer, comment=comment, kind="agree") is True
    assert services.reaction_add(actor=room.observer, comment=comment, kind="agree") is False
    services.reaction_add(actor=room.chair, comment=comment, kind="agree")
    services.reaction_add(actor=room.chair, comment=comment, kind="thanks")
    counts = selectors.reaction_counts(comment)
    assert (counts["agree"], counts["thanks"], counts["concern"]) == (2, 1, 0)
    assert services.reaction_remove(actor=room.chair, comment=comment, kind="agree") is True
    assert services.reaction_remove(actor=room.chair, comment=comment, kind="agree") is False
    last = RoomEvent.objects.filter(type=events.REACTION_CHANGED).order_by("seq").last()
    assert last is not None
    assert last.data["active"] is False
    assert last.data["counts"]["agree"] == 1
    with pytest.raises(InvalidInput):
        services.reaction_add(actor=room.chair, comment=comment, kind="poop")


def test_mentions_notify_people_who_can_read_the_proposal(room: Room) -> None:
    stranger = PersonFactory(username="etranger")
    body = (
        f"<p>@{room.observer.username.upper()} et @{room.member.username}, "
        f"et @etranger, et moi @{room.author.username}, et @personne</p>"
    )
    comment = _post(room, room.author, body)
    notified = Notification.objects.filter(kind="mention").order_by("person_id")
    assert {n.person_id for n in notified} == {room.observer.pk, room.member.pk}
    first = notified.first()
    assert first is not None
    assert first.data["proposal_id"] == room.proposal.pk
    assert first.data["comment_id"] == comment.pk
    assert room.proposal.title in first.text
    assert first.url == f"/proposals/{room.proposal.pk}/#comment-{comment.pk}"
    assert not Notification.objects.filter(person=stranger).exists()


def test_an_edit_notifies_only_newly_mentioned_people(room: Room) -> None:
    comment = _post(room, room.author, f"<p>@{room.member.username}</p>")
    services.comment_edit(
        actor=room.author,
        comment=comment,
        body=f"<p>@{room.member.username} @{room.observer.username}</p>",
    )
    assert Notification.objects.filter(person=room.member, kind="mention").count() == 1
    assert Notification.objects.filter(person=room.observer, kind="mention").count() == 1


def test_comment_events_carry_text_live_but_store_only_ids(room: Room, capture_on_commit) -> None:
    from django.db import transaction

    from core import events as core_events

    sent: list[tuple[list[str], dict[str, object]]] = []

    def fake_send(groups: list[str], message: dict[str, object]) -> None:
        sent.append((groups, message))

    with (
        unittest.mock.patch.object(core_events, "_send_now", fake_send),
        capture_on_commit(execute=True),
        transaction.atomic(),
    ):
        comment = _post(room, room.member, "<p>Texte en direct</p>")
    stored = RoomEvent.objects.get(proposal=room.proposal, type=events.COMMENT_CREATED)
    assert "body" not in stored.data
    assert stored.data["comment_id"] == comment.pk
    groups, message = sent[-1]
    assert groups == [f"proposal.{room.proposal.pk}"]
    assert message["type"] == "room.event"
    frame = json.loads(message["text"])
    assert isinstance(frame, dict)
    assert frame["data"]["body"] == "<p>Texte en direct</p>"
    assert frame["seq"] == stored.seq
