"""What needs me: the to-do list, the reader's marks, preferences and calendars."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone
from icalendar import Calendar

from assemblies.services import assembly_convene
from core.models import EmailMode, NotificationPreference
from frontend.selectors.agenda import todo_list
from governance.models import Member
from tests.assemblies.factories import T0, make_assembly
from tests.voting.factories import (
    cast,
    make_coop,
    make_proposal,
    make_vote,
    quick_legal_member,
)
from voting import services as voting_services

pytestmark = pytest.mark.django_db


def _events(body: bytes) -> dict[str, Any]:
    calendar = Calendar.from_ical(body)
    return {str(e["uid"]): e for e in calendar.walk("VEVENT")}


def test_the_private_feed_lists_assemblies_and_vote_deadlines_and_can_be_reset(
    client: Any,
) -> None:
    coop = make_coop({"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1})
    person = coop.person("Workers")
    closes = timezone.now() + dt.timedelta(days=5)
    vote = make_vote(coop, title="Budget 2027", closes_at=closes)
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    stranger_coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    other_vote = make_vote(stranger_coop, title="Elsewhere", closes_at=closes)

    client.force_login(person)
    page = client.get("/accounts/preferences/").content.decode()
    start = page.index('<code id="calendar-feed">') + len('<code id="calendar-feed">')
    url = page[start : page.index("</code>", start)]
    path = url.split("://", 1)[1].split("/", 1)[1]
    client.logout()

    feed = client.get("/" + path)  # a calendar application has no session
    assert feed.status_code == 200
    assert feed["Content-Type"].startswith("text/calendar")
    events = _events(feed.content)
    assert f"vote-{vote.pk}-closes@collegia" in events
    assert f"vote-{other_vote.pk}-closes@collegia" not in events
    deadline = events[f"vote-{vote.pk}-closes@collegia"]
    assert deadline.decoded("dtend") == closes.replace(microsecond=0) or abs(
        deadline.decoded("dtend") - closes
    ) < dt.timedelta(seconds=1)
    assert "Budget 2027" in str(deadline["summary"])
    calls = [uid for uid in events if uid.startswith(f"assembly-{assembly.pk}-call-")]
    assert sorted(calls) == [
        f"assembly-{assembly.pk}-call-1@collegia",
        f"assembly-{assembly.pk}-call-2@collegia",
    ]

    client.force_login(person)
    client.post("/accounts/preferences/", {"action": "reset_calendar"})
    client.logout()
    assert client.get("/" + path).status_code == 404
    assert client.get("/calendar/forged/feed.ics").status_code == 404


def test_a_vote_has_its_own_calendar_file(client: Any) -> None:
    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    vote = make_vote(coop, closes_at=timezone.now() + dt.timedelta(days=2))
    client.force_login(coop.person("Workers"))
    response = client.get(f"/votes/{vote.pk}/calendar.ics")
    assert response.status_code == 200
    assert list(_events(response.content)) == [f"vote-{vote.pk}-closes@collegia"]
    outsider = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    client.force_login(outsider.person("Workers"))
    assert client.get(f"/votes/{vote.pk}/calendar.ics").status_code == 404


def test_preferences_page_saves_language_and_modes_but_never_turns_off_a_convocation(
    client: Any,
) -> None:
    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    person = coop.person("Workers")
    client.force_login(person)
    page = client.get("/accounts/preferences/").content.decode()
    assert 'name="mode-vote.opened"' in page
    assert 'name="mode-assembly.convocation"' not in page
    client.post(
        "/accounts/preferences/",
        {"action": "save", "language": "en", "mode-vote.opened": "digest"},
    )
    person.refresh_from_db()
    assert person.language == "en"
    assert NotificationPreference.objects.get(person=person, kind="vote.opened").mode == (
        EmailMode.DIGEST
    )
    refused = client.post(
        "/accounts/preferences/",
        {"action": "save", "language": "en", "mode-assembly.convocation": "off"},
    )
    assert refused.status_code == 302
    assert not NotificationPreference.objects.filter(kind="assembly.convocation").exists()


def test_the_to_do_list_says_why_each_item_is_there_sorted_by_deadline(client: Any) -> None:
    coop = make_coop({"Workers": 3, "Users": 1, "Suppliers": 1, "Authorities": 0})
    commune = quick_legal_member(coop.cooperative, "Authorities")
    representative = commune.member.representatives.get().person
    member, voter = coop.person("Workers", 0), coop.person("Workers", 1)
    now = timezone.now()
    soon = make_vote(coop, title="Soon", closes_at=now + dt.timedelta(days=1))
    later = make_vote(coop, title="Later", closes_at=now + dt.timedelta(days=9))
    cast(voter, later, "for")
    proposal = make_proposal(coop)
    # The voter gives a proxy on the soon vote to the member.
    voting_services.proxy_give(
        actor=voter,
        vote=soon,
        holder_id=Member.objects.get(person=member).pk,
    )

    items = todo_list(member)
    titles = [(i.kind, i.title, i.state) for i in items]
    assert titles[:3] == [
        ("vote", "Soon", "todo"),
        ("proxy", "Soon", "todo"),
        ("vote", "Later", "todo"),
    ]
    assert ("proposal", proposal.title, "todo") in titles
    proxy_item = next(i for i in items if i.kind == "proxy")
    assert voter.display_name in proxy_item.why or str(voter) in proxy_item.why

    client.force_login(member)
    client.get(f"/proposals/{proposal.pk}/")
    assert ("proposal", proposal.title, "todo") not in [
        (i.kind, i.title, i.state) for i in todo_list(member)
    ]

    for_commune = todo_list(representative)
    assert [(i.kind, i.title) for i in for_commune[:2]] == [("vote", "Soon"), ("vote", "Later")]
    assert "Commune de Test" in for_commune[0].why

    done = [(i.title, i.state) for i in todo_list(voter) if i.kind == "vote"]
    assert ("Later", "done") in done

    client.force_login(voter)
    votes_page = client.get(f"/c/{coop.cooperative.slug}/votes/").content.decode()
    assert 'data-mark="done"' in votes_page and 'data-mark="todo"' in votes_page
    home = client.get("/").content.decode()
    assert 'id="todo-list"' in home


def test_the_home_page_queries_do_not_grow_with_items(
    client: Any, django_assert_max_num_queries: Any
) -> None:
    coop = make_coop({"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1})
    person = coop.person("Workers")
    for index in range(6):
        make_vote(coop, title=f"Vote {index}", closes_at=timezone.now() + dt.timedelta(days=3))
        make_proposal(coop)
    client.force_login(person)
    with django_assert_max_num_queries(30):
        assert client.get("/").status_code == 200
