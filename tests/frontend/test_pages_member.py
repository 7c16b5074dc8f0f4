"""Member pages, languages and the web pages of webhooks, through the test client."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from django.utils.html import escape

from tests.governance.factories import PersonFactory, add_legal_member, add_member, chair_of
from tests.voting.factories import make_coop, make_observer, make_proposal, make_vote
from webhooks.models import Endpoint, Message, MessageStatus

pytestmark = pytest.mark.django_db


def test_pages_are_french_by_default_and_english_on_request(client: Any) -> None:
    page = client.get("/accounts/login/")
    assert '<html lang="fr">' in page.content.decode()
    assert "Se connecter" in page.content.decode()
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    page = client.get("/accounts/login/")
    assert '<html lang="en">' in page.content.decode()
    assert "Sign in" in page.content.decode()


def test_dates_and_numbers_follow_the_language(client: Any) -> None:
    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    client.force_login(coop.chair)
    french = client.get(f"/c/{coop.cooperative.slug}/board/colleges/").content.decode()
    assert "30\u00a0%" in french
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    english = client.get(f"/c/{coop.cooperative.slug}/board/colleges/").content.decode()
    assert "30%" in english


def test_home_lists_the_cooperatives_with_the_roles(client: Any) -> None:
    coop = make_coop({"Workers": 1})
    make_coop({"Workers": 1})
    client.force_login(coop.chair)
    page = client.get("/")
    entries = page.context["entries"]
    assert [e.cooperative for e in entries] == [coop.cooperative]
    assert entries[0].role.is_board


def test_cooperative_home_shows_open_votes_proposals_and_decisions(client: Any) -> None:
    coop = make_coop({"Workers": 1, "Users": 1})
    proposal = make_proposal(coop)
    open_vote = make_vote(coop, title="Tarif")
    closed = make_vote(coop, title="Budget", decision_kind="ordinary")
    client.force_login(coop.chair)
    client.post(f"/votes/{closed.pk}/close/")
    client.force_login(coop.person("Users"))
    page = client.get(f"/c/{coop.cooperative.slug}/")
    assert [v.pk for v in page.context["open_votes"]] == [open_vote.pk]
    assert [p.pk for p in page.context["open_proposals"]] == [proposal.pk]
    assert [d.vote_id for d in page.context["decisions"]] == [closed.pk]


def test_local_authority_view_lists_the_commune_and_what_is_open(client: Any) -> None:
    coop = make_coop({"Workers": 1})
    add_member(coop.cooperative, "Workers", shares=3)
    commune = add_legal_member(coop.cooperative, "Authorities", name="Commune de Vaulx")
    representative = commune.member.representatives.get().person
    vote = make_vote(coop, title="Tarif")
    client.force_login(representative)
    page = client.get("/organisations/")
    rows = page.context["rows"]
    assert [(r.organisation, r.membership.college.name) for r in rows] == [
        ("Commune de Vaulx", "Authorities")
    ]
    assert [item.url for item in rows[0].open_items] == [f"/votes/{vote.pk}/"]


def test_observer_sees_the_cooperative_they_observe(client: Any) -> None:
    coop = make_coop({"Workers": 1})
    observer = make_observer(coop)
    client.force_login(observer)
    rows = client.get("/organisations/").context["rows"]
    assert [(r.cooperative, r.is_observer) for r in rows] == [(coop.cooperative, True)]
    client.force_login(PersonFactory())
    assert client.get("/organisations/").context["rows"] == []


def test_webhook_pages_register_test_disable_and_replay(client: Any) -> None:
    coop = make_coop({"Workers": 1})
    slug = coop.cooperative.slug
    client.force_login(coop.chair)
    client.post(
        f"/c/{slug}/board/webhooks/",
        {
            "url": "https://platform.example.org/hook",
            "description": "Plateforme",
            "event_types": ["decision.adopted", "not.a.type"],
        },
    )
    endpoint = Endpoint.objects.get()
    assert endpoint.event_types == ["decision.adopted"]
    client.post(f"/c/{slug}/board/webhooks/{endpoint.pk}/test/")
    message = Message.objects.get()
    Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)
    client.post(f"/c/{slug}/board/webhooks/{endpoint.pk}/messages/{message.msg_id}/replay/")
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    page = client.get(f"/c/{slug}/board/webhooks/{endpoint.pk}/")
    assert message.msg_id in page.content.decode()
    client.post(f"/c/{slug}/board/webhooks/{endpoint.pk}/disable/")
    endpoint.refresh_from_db()
    assert not endpoint.is_enabled
    refused = client.post(
        f"/c/{slug}/board/webhooks/{endpoint.pk}/messages/{message.msg_id}/replay/", follow=True
    )
    assert [m.level_tag for m in refused.context["messages"]][-1] == "error"


def test_webhook_pages_are_the_boards(client: Any) -> None:
    coop = make_coop({"Workers": 1})
    client.force_login(coop.person("Workers"))
    assert client.get(f"/c/{coop.cooperative.slug}/board/webhooks/").status_code == 403
    other = make_coop({"Workers": 1})
    client.force_login(chair_of(other.cooperative))
    assert client.get(f"/c/{coop.cooperative.slug}/board/webhooks/").status_code == 404


def test_mentions_reach_the_notifications_page_which_marks_them_read(client: Any) -> None:
    from core.models import Notification
    from deliberation import services
    from tests.deliberation.factories import make_room

    room = make_room()
    # The publication of the proposal is read; the mention below is the one unread notice.
    Notification.objects.filter(person=room.member).update(read_at=timezone.now())
    services.comment_create(
        actor=room.author,
        proposal=room.proposal,
        body=f"<p>Qu'en penses-tu, @{room.member.username} ?</p>",
    )
    client.force_login(room.member)
    home = client.get("/").content.decode()
    assert "1 unread" in home or "1 non lue" in home
    page = client.get("/notifications/")
    notice = Notification.objects.get(person=room.member, kind="mention")
    assert escape(notice.text) in page.content.decode()
    response = client.post("/notifications/", {"id": notice.pk, "next": notice.url})
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert response["Location"] == notice.url
