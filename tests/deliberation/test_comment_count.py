"""The comment count of proposals: kept on the proposal's counter row by the services that
post and delete comments, and read from there by every list, never by counting comments."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.errors import DomainError
from deliberation import selectors, services
from deliberation.models import Comment, Proposal, RoomCounter, RoomEvent
from governance.models import Person
from tests.db import race
from tests.deliberation.factories import Room, make_proposal
from tests.governance.factories import add_member


def _post(room: Room, person: Person, parent: Comment | None = None) -> Comment:
    return services.comment_create(
        actor=person, proposal=room.proposal, body="<p>Un avis</p>", parent=parent
    )


def _stored(proposal: Proposal) -> int:
    return RoomCounter.objects.get(proposal=proposal).comment_count


def _counted(proposal: Proposal) -> int:
    """What the lists showed when they counted the comments themselves."""
    return Comment.objects.filter(proposal=proposal, deleted_at__isnull=True).count()


def _listed(room: Room) -> dict[int, int]:
    return {
        p.pk: p.comment_count
        for p in selectors.proposal_list(room.member, room.cooperative)  # type: ignore[attr-defined]
    }


def _shown(html: str) -> dict[int, int]:
    """Proposal id -> the comment count its line of a page's list shows (in any language:
    "3 comments" and "3 commentaires" alike)."""
    shown = {}
    for item in html.split("<li")[1:]:
        link = re.search(r'href="/proposals/(\d+)/"', item)
        count = re.search(r"(\d+) comment", item)
        if link and count:
            shown[int(link.group(1))] = int(count.group(1))
    return shown


@pytest.mark.django_db
def test_comments_and_replies_are_counted_as_they_are_posted(room: Room) -> None:
    assert _stored(room.proposal) == 0
    first = _post(room, room.member)
    reply = _post(room, room.observer, parent=first)
    _post(room, room.author, parent=reply)
    _post(room, room.chair)
    assert _stored(room.proposal) == _counted(room.proposal) == 4
    assert selectors.proposal_detail(room.proposal).comment_count == 4  # type: ignore[attr-defined]
    assert _listed(room) == {room.proposal.pk: 4}


@pytest.mark.django_db
def test_deleting_uncounts_a_comment_and_hiding_does_not(room: Room) -> None:
    first = _post(room, room.member)
    reply = _post(room, room.observer, parent=first)
    _post(room, room.author)
    services.comment_hide(actor=room.chair, comment=reply, reason="Hors sujet")
    assert _stored(room.proposal) == 3
    services.comment_unhide(actor=room.chair, comment=reply)
    assert _stored(room.proposal) == 3
    # The tombstone keeps its place in the thread but no longer counts; its reply does.
    services.comment_delete(actor=room.member, comment=first)
    assert _stored(room.proposal) == _counted(room.proposal) == 2
    services.comment_hide(actor=room.chair, comment=reply, reason="Hors sujet")
    services.comment_delete(actor=room.observer, comment=reply)
    assert _stored(room.proposal) == _counted(room.proposal) == 1
    assert _listed(room) == {room.proposal.pk: 1}


@pytest.mark.django_db
def test_a_refused_post_or_delete_leaves_the_count(room: Room) -> None:
    comment = _post(room, room.member)
    services.comment_delete(actor=room.member, comment=comment)
    with pytest.raises(DomainError):
        services.comment_delete(actor=room.member, comment=comment)
    with pytest.raises(DomainError):
        _post(room, room.member, parent=comment)
    services.proposal_withdraw(actor=room.author, proposal=room.proposal)
    with pytest.raises(DomainError):
        _post(room, room.member)
    assert _stored(room.proposal) == 0


@pytest.mark.django_db
def test_each_proposal_counts_its_own_comments(room: Room) -> None:
    other = make_proposal(room.cooperative, title="Une autre")
    quiet = make_proposal(room.cooperative, title="Sans débat")
    _post(room, room.member)
    _post(room, room.author)
    services.comment_create(actor=room.member, proposal=other, body="<p>Ailleurs</p>")
    assert _listed(room) == {room.proposal.pk: 2, other.pk: 1, quiet.pk: 0}


@pytest.mark.django_db
def test_a_proposal_without_its_counter_row_reads_zero_and_gets_one_back(room: Room) -> None:
    _post(room, room.member)
    _post(room, room.author)
    # As if the proposal had been made without its row (and so with no room events yet).
    RoomEvent.objects.filter(proposal=room.proposal).delete()
    RoomCounter.objects.filter(proposal=room.proposal).delete()
    assert _listed(room) == {room.proposal.pk: 0}
    assert selectors.proposal_detail(room.proposal).comment_count == 0  # type: ignore[attr-defined]
    _post(room, room.observer)
    # The row is made again counting the comments already there, this one included.
    assert _stored(room.proposal) == 3
    assert _listed(room) == {room.proposal.pk: 3}


@pytest.mark.django_db
def test_counts_refresh_from_comments_written_without_the_services(room: Room) -> None:
    other = make_proposal(room.cooperative, title="Une autre")
    _post(room, room.member)
    root = Comment.objects.create(proposal=room.proposal, author=room.member, body="<p>a</p>")
    Comment.objects.create(
        proposal=room.proposal, author=room.author, parent=root, depth=1, body="<p>b</p>"
    )
    Comment.objects.create(
        proposal=room.proposal, author=room.author, body="", deleted_at=root.created_at
    )
    assert _stored(room.proposal) == 1
    counted = services.comment_counts_refresh(proposal_ids=[room.proposal.pk, other.pk])
    assert counted == 2
    assert (_stored(room.proposal), _stored(other)) == (3, 0)


@pytest.mark.django_db
def test_the_lists_never_read_the_comments(room: Room) -> None:
    for _ in range(3):
        _post(room, room.member)
    queryset = selectors.proposal_list(room.member, room.cooperative, status="in_deliberation")
    sql = str(queryset.query)
    assert Comment._meta.db_table not in sql
    assert "GROUP BY" not in sql
    assert queryset.get().comment_count == 3  # type: ignore[attr-defined]
    with CaptureQueriesContext(connection) as detail:
        assert selectors.proposal_detail(room.proposal).comment_count == 3  # type: ignore[attr-defined]
    assert len(detail.captured_queries) == 1
    assert Comment._meta.db_table not in detail.captured_queries[0]["sql"]


@pytest.mark.django_db
def test_the_api_shows_the_count_in_the_list_and_the_proposal(api_client: Any, room: Room) -> None:
    quiet = make_proposal(room.cooperative, title="Sans débat")
    first = _post(room, room.member)
    _post(room, room.author, parent=first)
    _post(room, room.chair)
    api_client.force_authenticate(room.member)
    listed = api_client.get(f"/api/v1/cooperatives/{room.cooperative.slug}/proposals/").json()
    assert {p["id"]: p["comment_count"] for p in listed["results"]} == {
        room.proposal.pk: 3,
        quiet.pk: 0,
    }
    services.comment_delete(actor=room.member, comment=first)
    detail = api_client.get(f"/api/v1/proposals/{room.proposal.pk}/").json()
    assert detail["comment_count"] == 2


@pytest.mark.django_db
def test_the_proposals_and_cooperative_pages_show_the_count(client: Any, room: Room) -> None:
    quiet = make_proposal(room.cooperative, title="Sans débat")
    first = _post(room, room.member)
    _post(room, room.author, parent=first)
    _post(room, room.chair)
    services.comment_delete(actor=room.member, comment=first)
    client.force_login(room.member)
    proposals = client.get(f"/c/{room.cooperative.slug}/proposals/")
    home = client.get(f"/c/{room.cooperative.slug}/")
    assert proposals.status_code == home.status_code == 200
    expected = {room.proposal.pk: 2, quiet.pk: 0}
    assert _shown(proposals.content.decode()) == expected
    assert _shown(home.content.decode()) == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_posts_and_deletes_at_once_lose_no_count(room: Room) -> None:
    people = [add_member(room.cooperative, "Users").member.person for _ in range(4)]
    mine = [_post(room, person) for person in people]
    posts: list[Callable[[], object]] = [
        (lambda person=person: _post(room, person)) for person in people
    ]
    deletes: list[Callable[[], object]] = [
        (
            lambda person=person, comment=comment: services.comment_delete(
                actor=person, comment=comment
            )
        )
        for person, comment in zip(people, mine, strict=True)
    ]
    assert race(posts + deletes) == ["ok"] * 8
    assert _stored(room.proposal) == _counted(room.proposal) == 4
