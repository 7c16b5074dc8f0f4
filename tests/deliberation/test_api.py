"""The REST API of proposals, amendments, comments, moderation and notifications."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from deliberation import services
from deliberation.models import Comment, ProposalStatus
from tests.deliberation.factories import Room, make_proposal

pytestmark = pytest.mark.django_db


def _as(api_client: Any, person: Any) -> Any:
    api_client.force_authenticate(person)
    return api_client


def test_create_publish_and_read_a_proposal(api_client: Any, room: Room) -> None:
    client = _as(api_client, room.member)
    url = f"/api/v1/cooperatives/{room.cooperative.slug}/proposals/"
    response = client.post(
        url,
        {"title": "Vélos cargo", "body": "<p>Acheter <b>deux</b> vélos</p><img src=x>"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "draft"
    assert body["body"] == "<p>Acheter <b>deux</b> vélos</p>"
    assert body["links"]["websocket"] == f"/ws/proposals/{body['id']}/"
    published = client.post(f"/api/v1/proposals/{body['id']}/publish/")
    assert published.status_code == 200
    assert published.json()["status"] == "in_deliberation"
    assert published.json()["room_seq"] >= 1
    listed = client.get(url + "?status=in_deliberation").json()
    assert body["id"] in [p["id"] for p in listed["results"]]
    assert "body" not in listed["results"][0]


def test_observer_gets_403_on_create_and_outsider_404_on_read(api_client: Any, room: Room) -> None:
    url = f"/api/v1/cooperatives/{room.cooperative.slug}/proposals/"
    response = _as(api_client, room.observer).post(url, {"title": "t"}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "members_only"
    api_client.force_authenticate(room.outsider)
    missing = api_client.get(f"/api/v1/proposals/{room.proposal.pk + 999}/")
    hidden = api_client.get(f"/api/v1/proposals/{room.proposal.pk}/")
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json()
    assert api_client.get(f"/api/v1/proposals/{2**64}/").status_code == 404


def test_anonymous_requests_are_refused(api_client: Any, room: Room) -> None:
    assert api_client.get(f"/api/v1/proposals/{room.proposal.pk}/").status_code in (401, 403)


def test_patch_reports_the_failed_precondition(api_client: Any, room: Room) -> None:
    client = _as(api_client, room.author)
    response = client.patch(
        f"/api/v1/proposals/{room.proposal.pk}/", {"body": "<p>x</p>"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "text_frozen"


def test_amendment_flow_with_versions_and_diff(api_client: Any, room: Room) -> None:
    client = _as(api_client, room.member)
    response = client.post(
        f"/api/v1/proposals/{room.proposal.pk}/amendments/",
        {"body": "<p>Le conseil propose d'ouvrir une antenne à Grenoble.</p>", "reason": "Prix"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    amendment_id = response.json()["id"]
    detail = client.get(f"/api/v1/amendments/{amendment_id}/").json()
    assert [(o["old"], o["new"]) for o in detail["diff"]["ops"] if o["op"] != "equal"] == [
        ("Lyon", "Grenoble")
    ]
    refused = client.post(f"/api/v1/amendments/{amendment_id}/accept/", {}, format="json")
    assert refused.status_code == 403
    api_client.force_authenticate(room.author)
    accepted = api_client.post(f"/api/v1/amendments/{amendment_id}/accept/", {}, format="json")
    assert accepted.status_code == 200
    assert accepted.json()["version"] == 2
    versions = api_client.get(f"/api/v1/proposals/{room.proposal.pk}/versions/").json()
    assert [v["number"] for v in versions["results"]] == [1, 2]
    assert versions["results"][1]["amendment_id"] == amendment_id
    diff = api_client.get(f"/api/v1/proposals/{room.proposal.pk}/versions/2/diff/").json()
    assert "<ins>Grenoble</ins>" in diff["html"]
    assert api_client.get(f"/api/v1/proposals/{room.proposal.pk}/versions/9/").status_code == 404
    assert (
        api_client.get(f"/api/v1/proposals/{room.proposal.pk}/versions/1/diff/").status_code == 400
    )


def test_comment_thread_edit_history_and_tombstone(api_client: Any, room: Room) -> None:
    client = _as(api_client, room.member)
    url = f"/api/v1/proposals/{room.proposal.pk}/comments/"
    top = client.post(url, {"body": "<p>Pour</p>", "stance": "for"}, format="json").json()
    reply = client.post(url, {"body": "<p>Oui</p>", "parent_id": top["id"]}, format="json")
    assert reply.status_code == 201
    assert reply.json()["depth"] == 1
    edited = client.patch(
        f"/api/v1/comments/{top['id']}/", {"body": "<p>Plutôt pour</p>"}, format="json"
    )
    assert edited.json()["edited_at"] is not None
    revisions = client.get(f"/api/v1/comments/{top['id']}/revisions/").json()
    assert [r["body"] for r in revisions["results"]] == ["<p>Pour</p>"]
    deleted = client.delete(f"/api/v1/comments/{top['id']}/").json()
    assert (deleted["is_deleted"], deleted["body"], deleted["author"]) == (True, "", None)
    listed = client.get(url).json()["results"]
    assert [(c["id"], c["parent_id"]) for c in listed] == [
        (top["id"], None),
        (reply.json()["id"], top["id"]),
    ]


def test_reactions_endpoint(api_client: Any, room: Room) -> None:
    comment = services.comment_create(actor=room.member, proposal=room.proposal, body="<p>a</p>")
    client = _as(api_client, room.observer)
    added = client.put(f"/api/v1/comments/{comment.pk}/reactions/agree/")
    assert added.status_code == 200
    assert added.json()["counts"]["agree"] == 1
    assert added.json()["mine"] == ["agree"]
    assert client.put(f"/api/v1/comments/{comment.pk}/reactions/nope/").status_code == 400
    removed = client.delete(f"/api/v1/comments/{comment.pk}/reactions/agree/")
    assert removed.json() == {"counts": {**added.json()["counts"], "agree": 0}, "mine": []}


def test_moderation_endpoints_and_what_each_viewer_reads(api_client: Any, room: Room) -> None:
    comment = services.comment_create(
        actor=room.member, proposal=room.proposal, body="<p>Hors sujet</p>"
    )
    hide_url = f"/api/v1/comments/{comment.pk}/hide/"
    assert _as(api_client, room.observer).post(hide_url, {"reason": "x"}).status_code == 403
    api_client.force_authenticate(room.chair)
    grant = api_client.post(
        f"/api/v1/proposals/{room.proposal.pk}/moderators/",
        {"person": room.observer.username},
        format="json",
    )
    assert grant.status_code == 201
    api_client.force_authenticate(room.observer)
    hidden = api_client.post(hide_url, {"reason": "Hors sujet"}, format="json")
    assert hidden.status_code == 200
    assert hidden.json()["hidden_by"]["id"] == room.observer.pk
    for viewer, body, reason in (
        (room.member, "<p>Hors sujet</p>", "Hors sujet"),
        (room.author, "", None),
    ):
        api_client.force_authenticate(viewer)
        seen = api_client.get(f"/api/v1/comments/{comment.pk}/").json()
        assert (seen["is_hidden"], seen["body"], seen["hidden_reason"]) == (True, body, reason)
        assert seen["hidden_by"] is None
    api_client.force_authenticate(room.chair)
    moderators = api_client.get(f"/api/v1/proposals/{room.proposal.pk}/moderators/").json()
    assert [m["id"] for m in moderators["results"]] == [room.observer.pk]
    revoke = api_client.post(
        f"/api/v1/proposals/{room.proposal.pk}/moderators/{room.observer.pk}/revoke/"
    )
    assert revoke.status_code == 200
    unhide = api_client.post(f"/api/v1/comments/{comment.pk}/unhide/")
    assert unhide.json()["is_hidden"] is False


def test_rate_limit_gives_429_with_retry_after(api_client: Any, room: Room, settings) -> None:
    settings.COLLEGIA = {**settings.COLLEGIA, "COMMENT_RATE_LIMIT": "2/60"}
    client = _as(api_client, room.member)
    url = f"/api/v1/proposals/{room.proposal.pk}/comments/"
    for n in range(2):
        assert client.post(url, {"body": f"<p>{n}</p>"}, format="json").status_code == 201
    response = client.post(url, {"body": "<p>trop</p>"}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_event_log_endpoint_replays_after_a_number(api_client: Any, room: Room) -> None:
    client = _as(api_client, room.member)
    url = f"/api/v1/proposals/{room.proposal.pk}/events/"
    start = client.get(url).json()["last_seq"]
    for n in range(3):
        services.comment_create(actor=room.member, proposal=room.proposal, body=f"<p>{n}</p>")
    page = client.get(url, {"after": start, "limit": 2}).json()
    assert [e["seq"] for e in page["events"]] == [start + 1, start + 2]
    assert page["has_more"] is True
    assert page["events"][0]["data"]["body"] == "<p>0</p>"
    assert client.get(url, {"after": -1}).status_code == 400


def test_notifications_list_and_mark_read(api_client: Any, room: Room) -> None:
    services.comment_create(
        actor=room.author, proposal=room.proposal, body=f"<p>@{room.member.username} ?</p>"
    )
    client = _as(api_client, room.member)
    unread = client.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]
    # The admission and the publication told the member too; the mention is the newest.
    assert [n["kind"] for n in unread] == ["mention", "proposal.published", "membership.decided"]
    assert room.proposal.title in unread[0]["message"]
    ids = [n["id"] for n in unread]
    marked = client.post("/api/v1/notifications/read/", {"ids": ids}, format="json")
    assert marked.json() == {"updated": 3}
    assert client.get("/api/v1/notifications/", {"unread": "true"}).json()["results"] == []
    api_client.force_authenticate(room.observer)
    assert api_client.post(
        "/api/v1/notifications/read/", {"ids": [unread[0]["id"]]}, format="json"
    ).json() == {"updated": 0}


def _count_queries(client: Any, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_comment_list_queries_do_not_grow_with_comments(
    api_client: Any, room: Room, django_assert_max_num_queries: Any
) -> None:
    client = _as(api_client, room.chair)
    url = f"/api/v1/proposals/{room.proposal.pk}/comments/"
    people = [room.member, room.observer, room.author]
    for n in range(3):
        comment = services.comment_create(
            actor=people[n % 3], proposal=room.proposal, body=f"<p>{n}</p>"
        )
        services.reaction_add(actor=room.chair, comment=comment, kind="agree")
    few = _count_queries(client, url)
    parent = None
    for n in range(30):
        parent = Comment.objects.create(
            proposal=room.proposal,
            author=people[n % 3],
            body=f"<p>{n}</p>",
            parent=parent if n % 4 else None,
            depth=(parent.depth + 1 if parent and n % 4 else 0),
        )
        services.reaction_add(actor=people[(n + 1) % 3], comment=parent, kind="thanks")
        if n % 7 == 0:
            services.comment_hide(actor=room.chair, comment=parent, reason="Spam")
    with django_assert_max_num_queries(few):
        response = client.get(url)
    assert len(response.json()["results"]) == 33


def test_proposal_and_amendment_lists_queries_do_not_grow(
    api_client: Any, room: Room, django_assert_max_num_queries: Any, settings: Any
) -> None:
    settings.COLLEGIA = {**settings.COLLEGIA, "COMMENT_RATE_LIMIT": "1000/60"}
    client = _as(api_client, room.member)
    proposals_url = f"/api/v1/cooperatives/{room.cooperative.slug}/proposals/"
    amendments_url = f"/api/v1/proposals/{room.proposal.pk}/amendments/"
    services.amendment_propose(actor=room.member, proposal=room.proposal, body="<p>v0</p>")
    few_proposals = _count_queries(client, proposals_url)
    few_amendments = _count_queries(client, amendments_url)
    for n in range(10):
        proposal = make_proposal(room.cooperative, title=f"P{n}")
        services.comment_create(actor=room.member, proposal=proposal, body="<p>x</p>")
        amendment = services.amendment_propose(
            actor=room.chair, proposal=room.proposal, body=f"<p>v{n + 1}</p>"
        )
        if n % 2:
            services.amendment_reject(actor=room.author, amendment=amendment)
    with django_assert_max_num_queries(few_proposals):
        listed = client.get(proposals_url).json()
    assert len(listed["results"]) == 11
    assert {p["comment_count"] for p in listed["results"]} == {0, 1}
    with django_assert_max_num_queries(few_amendments):
        assert len(client.get(amendments_url).json()["results"]) == 11


def test_withdraw_endpoint(api_client: Any, room: Room) -> None:
    client = _as(api_client, room.author)
    response = client.post(
        f"/api/v1/proposals/{room.proposal.pk}/withdraw/", {"reason": "Doublon"}, format="json"
    )
    assert response.json()["status"] == ProposalStatus.WITHDRAWN
    again = client.post(f"/api/v1/proposals/{room.proposal.pk}/withdraw/", {}, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "proposal_not_withdrawable"
