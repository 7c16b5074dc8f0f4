"""The proposal pages through the test client: the debate, moderation, amendments, access."""

from __future__ import annotations

from typing import Any

import pytest

from deliberation import services
from deliberation.models import Comment, Proposal, ProposalStatus, ProposalVersion
from tests.deliberation.factories import Room, make_room
from tests.governance.factories import add_member

pytestmark = pytest.mark.django_db

FETCH = {"HTTP_X_REQUESTED_WITH": "fetch"}


@pytest.fixture
def room() -> Room:
    return make_room()


def test_member_writes_a_draft_as_paragraphs_and_publishes_it(client: Any, room: Room) -> None:
    client.force_login(room.member)
    response = client.post(
        f"/c/{room.cooperative.slug}/proposals/",
        {
            "title": "Tarif 2027",
            "body": "Premier <paragraphe>\n\nSecond",
            "decision_kind": "ordinary",
            "visibility": "members",
        },
    )
    proposal = Proposal.objects.exclude(pk=room.proposal.pk).get()
    assert response["Location"] == f"/proposals/{proposal.pk}/"
    assert proposal.body == "<p>Premier &lt;paragraphe&gt;</p><p>Second</p>"
    client.post(f"/proposals/{proposal.pk}/publish/")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IN_DELIBERATION


def test_members_may_not_restrict_a_proposal_to_the_board(client: Any, room: Room) -> None:
    client.force_login(room.member)
    response = client.post(
        f"/c/{room.cooperative.slug}/proposals/",
        {"title": "T", "body": "B", "decision_kind": "ordinary", "visibility": "board"},
    )
    assert response.status_code == 400
    assert not Proposal.objects.exclude(pk=room.proposal.pk).exists()


def test_background_comment_answers_json_and_the_fragment_shows_it(client: Any, room: Room) -> None:
    client.force_login(room.member)
    url = f"/proposals/{room.proposal.pk}/comments/"
    answer = client.post(url, {"body": "Je suis pour <b>vraiment</b>", "stance": "for"}, **FETCH)
    assert answer.status_code == 200 and answer.json()["ok"] is True
    comment = Comment.objects.get()
    assert comment.stance == "for"
    reply = client.post(url, {"body": "Et moi contre", "parent": comment.pk}, **FETCH)
    assert reply.json()["ok"]
    child = Comment.objects.exclude(pk=comment.pk).get()
    assert (child.parent_id, child.depth) == (comment.pk, 1)
    fragment = client.get(f"/proposals/{room.proposal.pk}/comments/{comment.pk}/")
    body = fragment.content.decode()
    assert body.startswith(f'<li id="comment-{comment.pk}"')
    assert "&lt;b&gt;vraiment&lt;/b&gt;" in body and "<b>vraiment" not in body


def test_empty_comment_is_refused_with_a_message(client: Any, room: Room) -> None:
    client.force_login(room.member)
    answer = client.post(f"/proposals/{room.proposal.pk}/comments/", {"body": "  "}, **FETCH)
    assert answer.status_code == 400 and answer.json()["ok"] is False
    assert not Comment.objects.exists()


def test_hidden_comment_shows_its_text_to_author_and_moderators_only(
    client: Any, room: Room
) -> None:
    comment = services.comment_create(
        actor=room.member, proposal=room.proposal, body="<p>Texte litigieux</p>"
    )
    client.force_login(room.chair)
    client.post(
        f"/proposals/{room.proposal.pk}/comments/{comment.pk}/hide/", {"reason": "Hors sujet"}
    )
    url = f"/proposals/{room.proposal.pk}/comments/{comment.pk}/"
    assert "Texte litigieux" in client.get(url).content.decode()
    client.force_login(room.member)
    seen_by_author = client.get(url).content.decode()
    assert "Texte litigieux" in seen_by_author and "Hors sujet" in seen_by_author
    client.force_login(room.author)
    assert "Texte litigieux" not in client.get(url).content.decode()


def test_only_the_author_edits_and_the_refusal_is_said(client: Any, room: Room) -> None:
    comment = services.comment_create(
        actor=room.member, proposal=room.proposal, body="<p>Avant</p>"
    )
    client.force_login(room.author)
    answer = client.post(
        f"/proposals/{room.proposal.pk}/comments/{comment.pk}/edit/", {"body": "Après"}, **FETCH
    )
    assert answer.status_code == 403 and answer.json()["code"] == "not_comment_author"
    client.force_login(room.member)
    client.post(f"/proposals/{room.proposal.pk}/comments/{comment.pk}/edit/", {"body": "Après"})
    comment.refresh_from_db()
    assert comment.body == "<p>Après</p>"


def test_reactions_toggle(client: Any, room: Room) -> None:
    comment = services.comment_create(
        actor=room.member, proposal=room.proposal, body="<p>Bonne idée</p>"
    )
    client.force_login(room.author)
    url = f"/proposals/{room.proposal.pk}/comments/{comment.pk}/react/"
    client.post(url, {"kind": "agree", "on": "1"})
    assert comment.reactions.filter(kind="agree").count() == 1
    page = client.get(f"/proposals/{room.proposal.pk}/comments/{comment.pk}/").content.decode()
    assert 'aria-pressed="true"' in page
    client.post(url, {"kind": "agree", "on": "0"})
    assert comment.reactions.count() == 0


def test_accepted_amendment_makes_a_version_with_its_differences(client: Any, room: Room) -> None:
    client.force_login(room.member)
    client.post(
        f"/proposals/{room.proposal.pk}/amendments/",
        {
            "body": "Le conseil propose d'ouvrir une antenne à Villeurbanne.",
            "reason": "Plus central",
        },
    )
    amendment = room.proposal.amendments.get()
    client.force_login(room.author)
    client.post(f"/proposals/{room.proposal.pk}/amendments/{amendment.pk}/accept/")
    assert ProposalVersion.objects.filter(proposal=room.proposal).count() == 2
    page = client.get(f"/proposals/{room.proposal.pk}/versions/2/").content.decode()
    assert "<del>" in page and "<ins>" in page and "Villeurbanne" in page


def test_observer_reads_what_is_opened_to_observers_only(client: Any) -> None:
    open_room = make_room()
    closed_room = make_room(visibility="members")
    client.force_login(open_room.observer)
    page = client.get(f"/proposals/{open_room.proposal.pk}/")
    assert page.status_code == 200
    assert "amend-body" not in page.content.decode(), "observers do not amend"
    client.force_login(closed_room.observer)
    assert client.get(f"/proposals/{closed_room.proposal.pk}/").status_code == 404
    client.force_login(open_room.outsider)
    assert client.get(f"/proposals/{open_room.proposal.pk}/").status_code == 404


def test_comment_of_another_proposal_is_not_found_here(client: Any, room: Room) -> None:
    other = make_room()
    comment = services.comment_create(
        actor=other.member, proposal=other.proposal, body="<p>Ailleurs</p>"
    )
    client.force_login(room.member)
    assert client.get(f"/proposals/{room.proposal.pk}/comments/{comment.pk}/").status_code == 404


def test_proposal_page_queries_do_not_grow_with_comments(
    client: Any, room: Room, django_assert_max_num_queries: Any
) -> None:
    from django.core.cache import cache

    people = [room.member, room.author, room.chair]
    for person in people:
        services.comment_create(actor=person, proposal=room.proposal, body="<p>Un</p>")
    client.force_login(room.member)
    with django_assert_max_num_queries(60) as few:
        assert client.get(f"/proposals/{room.proposal.pk}/").status_code == 200
    for _ in range(4):
        cache.clear()
        for person in [*people, add_member(room.cooperative, "Users").member.person]:
            services.comment_create(actor=person, proposal=room.proposal, body="<p>Deux</p>")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(f"/proposals/{room.proposal.pk}/").status_code == 200
