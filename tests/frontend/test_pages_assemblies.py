"""The assembly pages through the test client: the board prepares and convenes, members give
proxies and vote by post, the desk signs members in, the chair runs the meeting, the bureau
signs the minutes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from icalendar import Calendar

from assemblies.models import (
    AgendaItem,
    Assembly,
    AssemblyProxy,
    AssemblyStatus,
    Convocation,
    ItemKind,
    MinutesSignature,
    PostalVote,
)
from assemblies.services import _common as clock_module
from core.models import AuditEntry, Notification
from tests.assemblies.factories import (
    FIRST_CALL,
    SECOND_CALL,
    T0,
    demo,
    make_assembly,
    member,
    person,
    resolution,
)

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Any:
    """Set the services' clock: pages act at the moment the test chooses."""

    def set_time(moment: dt.datetime) -> None:
        monkeypatch.setattr(clock_module, "clock", lambda: moment)

    set_time(T0)
    return set_time


def _login(client: Any, username: str) -> None:
    client.force_login(person(username))


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def test_menu_lists_the_assemblies_and_hides_drafts_from_members(client: Any, at: Any) -> None:
    cooperative = demo()
    draft = make_assembly(cooperative)
    _login(client, "lea")
    page = client.get(f"/c/{cooperative.slug}/")
    assert f"/c/{cooperative.slug}/assemblies/" in page.content.decode()
    listing = client.get(f"/c/{cooperative.slug}/assemblies/")
    assert listing.status_code == 200
    assert draft.title not in listing.content.decode()
    assert client.get(f"/assemblies/{draft.pk}/").status_code == 404
    _login(client, "claire")
    listing = client.get(f"/c/{cooperative.slug}/assemblies/")
    body = listing.content.decode()
    assert draft.title in body and 'id="assembly-create"' in body
    # The notice rule of the rules in force is stated next to the kind.
    assert "15" in body and 'data-notice-days="15"' in body


def test_board_prepares_and_convenes_and_sees_the_notice_refusal_explained(
    client: Any, at: Any, capture_on_commit: Any
) -> None:
    cooperative = demo()
    _login(client, "claire")
    base = f"/c/{cooperative.slug}/assemblies/"
    response = client.post(
        base,
        {
            "kind": "ordinary",
            "title": "AGO trop proche",
            "first_call_at": (T0 + dt.timedelta(days=5)).strftime("%Y-%m-%dT%H:%M"),
            "place": "Lyon",
            "remote_allowed": "on",
            "postal_allowed": "on",
        },
    )
    assembly = Assembly.objects.get(title="AGO trop proche")
    assert response.status_code == 302 and response.url == f"/assemblies/{assembly.pk}/prepare/"
    prepare = f"/assemblies/{assembly.pk}/prepare/"
    assert client.get(prepare).status_code == 200
    client.post(
        f"/assemblies/{assembly.pk}/items/",
        {"kind": "resolution", "title": "Approbation des comptes", "board_backed": "on"},
    )
    client.post(
        f"/assemblies/{assembly.pk}/items/",
        {"kind": "election", "title": "Élection au conseil", "seats": "2", "term_years": "6"},
    )
    client.post(
        f"/assemblies/{assembly.pk}/items/", {"kind": "information", "title": "Rapport moral"}
    )
    client.post(
        f"/assemblies/{assembly.pk}/documents/",
        {"title": "Comptes 2026", "url": "https://docs.example.org/comptes.pdf"},
    )
    items = list(AgendaItem.objects.filter(assembly=assembly).order_by("position"))
    assert [i.kind for i in items] == [ItemKind.RESOLUTION, ItemKind.ELECTION, ItemKind.INFORMATION]
    assert items[1].election.seats == 2
    client.post(f"/assemblies/{assembly.pk}/items/{items[1].pk}/candidates/", {"username": "sofia"})
    assert items[1].election.candidates.count() == 1

    refused = client.post(f"/assemblies/{assembly.pk}/convene/", follow=True)
    text = " ".join(_messages(refused))
    assert "at least 15 days" in text or "au moins 15 jours" in text, text
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.DRAFT

    # A first call far enough ahead is convened from the page.
    assembly.calls.filter(number=1).update(scheduled_at=FIRST_CALL)
    with capture_on_commit(execute=True):
        done = client.post(f"/assemblies/{assembly.pk}/convene/", follow=True)
    assert done.status_code == 200
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.CONVENED
    # The email and the notification link to the web page, not the API.
    body = mail.outbox[0].body
    assert f"/assemblies/{assembly.pk}/" in body and "/api/v1/" not in body
    assert f"/assemblies/{assembly.pk}/calendar.ics" in body
    notice = Notification.objects.filter(kind="assembly.convocation").first()
    assert notice is not None and notice.url == f"/assemblies/{assembly.pk}/"

    # Convocations' state per channel, and resending the failed ones.
    page = client.get(f"/assemblies/{assembly.pk}/convocations/")
    assert page.status_code == 200
    failed = Convocation.objects.filter(call__assembly=assembly, channel="email").first()
    assert failed is not None
    Convocation.objects.filter(pk=failed.pk).update(status="failed", error="mailbox full")
    from assemblies.services import convocation_counts_refresh

    convocation_counts_refresh(call_ids=[failed.call_id])
    page = client.get(f"/assemblies/{assembly.pk}/convocations/")
    assert "mailbox full" in page.content.decode()
    with capture_on_commit(execute=True):
        client.post(f"/assemblies/{assembly.pk}/resend/", {"call": "1"})
    failed.refresh_from_db()
    assert failed.status == "sent"


def test_member_gives_and_revokes_a_proxy_votes_by_post_and_downloads_the_calendar(
    client: Any, at: Any
) -> None:
    cooperative = demo()
    assembly = make_assembly(cooperative, resolutions=["Comptes", "Affectation du résultat"])
    from assemblies import services

    services.assembly_convene(actor=person("claire"), assembly=assembly, now=T0)
    _login(client, "lea")
    url = f"/assemblies/{assembly.pk}/"
    page = client.get(url, {"holder": "Kar"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "Karim" in body
    karim = member(cooperative, "karim")
    client.post(url + "proxy/", {"holder": str(karim.pk)})
    proxy = AssemblyProxy.objects.get(assembly=assembly, principal=member(cooperative, "lea"))
    assert proxy.holder_id == karim.pk and proxy.revoked_at is None
    client.post(url + f"proxy/{proxy.pk}/revoke/")
    proxy.refresh_from_db()
    assert proxy.revoked_at is not None

    first, second = resolution(assembly, 1), resolution(assembly, 2)
    client.post(url + "postal/", {f"r{first.pk}": "for", f"r{second.pk}": "against"})
    votes = dict(
        PostalVote.objects.filter(assembly=assembly, member=member(cooperative, "lea")).values_list(
            "resolution_id", "choice"
        )
    )
    assert votes == {first.pk: "for", second.pk: "against"}
    # A proxy after a postal vote is refused, with the reason shown.
    refused = client.post(url + "proxy/", {"holder": str(karim.pk)}, follow=True)
    assert any("post" in m or "correspondance" in m for m in _messages(refused))

    ics = client.get(url + "calendar.ics")
    assert ics["Content-Type"].startswith("text/calendar")
    events = Calendar.from_ical(ics.content).walk("VEVENT")
    assert [e.decoded("dtstart") for e in events] == [FIRST_CALL, SECOND_CALL]
    assert str(events[0]["location"]) == "Maison des coopératives, Lyon"


def test_representative_acts_for_the_commune(client: Any, at: Any) -> None:
    cooperative = demo()
    assembly = make_assembly(cooperative)
    from assemblies import services

    services.assembly_convene(actor=person("claire"), assembly=assembly, now=T0)
    _login(client, "mairie.villeurbanne")
    url = f"/assemblies/{assembly.pk}/"
    assert "Commune de Villeurbanne" in client.get(url).content.decode()
    client.post(url + "postal/", {f"r{resolution(assembly).pk}": "abstain"})
    commune = member(cooperative, "mairie.villeurbanne")
    assert PostalVote.objects.filter(assembly=assembly, member=commune).count() == 1


def test_desk_and_chair_run_the_meeting_and_the_bureau_signs_the_minutes(
    client: Any, at: Any, capture_on_commit: Any
) -> None:
    cooperative = demo()
    assembly = make_assembly(cooperative, resolutions=["Comptes 2026"])
    from assemblies import services

    services.assembly_convene(actor=person("claire"), assembly=assembly, now=T0)
    base = f"/assemblies/{assembly.pk}/"
    _login(client, "claire")

    # First call: the desk finds a member by name and signs them in; the quorum is short.
    at(FIRST_CALL)
    desk = client.get(base + "desk/", {"q": "Léa"})
    assert desk.status_code == 200 and "Léa" in desk.content.decode()
    client.post(
        base + "desk/check-in/", {"member_id": member(cooperative, "lea").pk, "mode": "present"}
    )
    # A legal person is found by the name of its representative.
    desk = client.get(base + "desk/", {"q": "mairie"})
    assert "Commune de Villeurbanne" in desk.content.decode()
    refused = client.post(
        base + "open/",
        {"scrutineer_1": "karim", "scrutineer_2": "lea", "secretary": "mehdi"},
        follow=True,
    )
    assert any("quorum" in m for m in _messages(refused))
    client.post(base + "no-quorum/")
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.ADJOURNED

    with capture_on_commit(execute=True):
        client.post(base + "second-call/")
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.CONVENED and assembly.current_call == 2

    at(SECOND_CALL)
    for username in ("claire", "karim", "lea", "mehdi", "sofia"):
        client.post(
            base + "desk/check-in/",
            {"member_id": member(cooperative, username).pk, "mode": "present"},
        )
    quorum = client.get(base + "live/quorum/")
    assert 'id="quorum-table"' in quorum.content.decode()
    client.post(
        base + "open/", {"scrutineer_1": "karim", "scrutineer_2": "lea", "secretary": "mehdi"}
    )
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.IN_SESSION
    assert assembly.scrutineer_1 is not None and assembly.scrutineer_2 is not None
    assert (assembly.scrutineer_1.username, assembly.scrutineer_2.username) == ("karim", "lea")

    item = AgendaItem.objects.get(assembly=assembly, position=1)
    client.post(base + f"items/{item.pk}/open/")
    booth = client.get(base + "live/booth/").content.decode()
    assert "Comptes 2026" in booth
    res = resolution(assembly)
    for username in ("claire", "karim", "lea"):
        client.force_login(person(username))
        client.post(base + f"resolutions/{res.pk}/ballot/", {"choice": "for"})
    client.force_login(person("claire"))
    screen = client.get(base + "screen/")
    assert screen.status_code == 200
    client.post(base + f"items/{item.pk}/close/")
    agenda = client.get(base + "live/agenda/").content.decode()
    assert "adopted" in agenda or "adoptée" in agenda
    with capture_on_commit(execute=True):
        client.post(base + "close/")
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.CLOSED

    page = client.get(base).content.decode()
    minutes = assembly.minutes
    assert minutes.pdf_sha256 in page and 'id="sign-minutes"' in page
    pdf = client.get(base + "minutes.pdf")
    assert pdf.content[:4] == b"%PDF" and pdf["X-Content-SHA256"] == minutes.pdf_sha256
    assert "Scrutineer" in minutes.html or "Scrutateur" in minutes.html

    # Someone outside the bureau cannot sign; each member of the bureau signs once.
    client.force_login(person("sofia"))
    client.post(base + "minutes/sign/")
    assert not MinutesSignature.objects.exists()
    for username in ("claire", "karim", "lea", "mehdi"):
        client.force_login(person(username))
        client.post(base + "minutes/sign/")
    roles = set(MinutesSignature.objects.values_list("role", flat=True))
    assert roles == {"chair", "scrutineer_1", "scrutineer_2", "secretary"}
    assert AuditEntry.objects.filter(verb="assembly.minutes_signed").count() == 4
    minutes.refresh_from_db()
    assert minutes.signed_at is not None
    signed = client.get(base + "minutes.signed.pdf")
    assert signed.content[:4] == b"%PDF"
    assert signed["X-Content-SHA256"] == minutes.signed_pdf_sha256 != minutes.pdf_sha256


def test_pages_answer_each_role_without_error(client: Any, at: Any) -> None:
    cooperative = demo()
    assembly = make_assembly(cooperative)
    from assemblies import services

    services.assembly_convene(actor=person("claire"), assembly=assembly, now=T0)
    base = f"/assemblies/{assembly.pk}/"
    for username, urls, status in [
        ("claire", ["", "prepare/", "convocations/", "desk/", "chair/", "screen/"], 200),
        ("lea", ["", "screen/", "live/booth/", "live/agenda/"], 200),
        ("region.aura", ["", "screen/"], 200),
        ("lea", ["desk/", "chair/", "convocations/", "prepare/"], 403),
    ]:
        _login(client, username)
        for url in urls:
            assert client.get(base + url).status_code == status, (username, url)


def test_assembly_page_and_desk_queries_do_not_grow_with_the_agenda_or_the_roll(
    client: Any, django_assert_max_num_queries: Any
) -> None:
    from assemblies import services
    from tests.assemblies.factories import small_coop
    from tests.governance.factories import add_member

    coop = small_coop({"Workers": 3, "Users": 3})
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=["A", "B"])
    client.force_login(coop.chair)
    page, desk = f"/assemblies/{assembly.pk}/", f"/assemblies/{assembly.pk}/desk/?q=a"
    with django_assert_max_num_queries(80) as few_page:
        client.get(page)
    for title in ("C", "D", "E", "F"):
        services.agenda_item_add(
            actor=coop.chair, assembly=assembly, kind="resolution", title=title
        )
    with django_assert_max_num_queries(len(few_page.captured_queries)):
        client.get(page)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    with django_assert_max_num_queries(80) as few_desk:
        client.get(desk)
    for _ in range(8):
        add_member(coop.cooperative, "Users")
    with django_assert_max_num_queries(len(few_desk.captured_queries)):
        client.get(desk)


def test_searches_of_the_desk_and_of_proxy_holders_never_list_the_roll_in_a_statement(
    client: Any,
) -> None:
    """The roll is read by the database, as a subquery: a statement listing every member
    with a vote failed past 65,535 members (the bound of a statement's parameters) and
    grew with the cooperative. No statement carries more ids than a page of results."""
    import re

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assemblies import services
    from frontend.selectors.assemblies import SEARCH_RESULTS_MAX
    from tests.assemblies.factories import small_coop
    from tests.governance.factories import add_member

    coop = small_coop({"Workers": 3, "Users": 3})
    for number in range(SEARCH_RESULTS_MAX + 10):
        add_member(coop.cooperative, "Users", display_name=f"Voter {number}")
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=["A"])
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    for who, url in (
        (coop.chair, f"/assemblies/{assembly.pk}/desk/?q=Voter"),
        (coop.people["Workers"][0], f"/assemblies/{assembly.pk}/?holder=Voter"),
    ):
        client.force_login(who)
        with CaptureQueriesContext(connection) as statements:
            answer = client.get(url)
        assert answer.status_code == 200
        longest = max(
            (
                group.count(",") + 1
                for statement in statements.captured_queries
                for group in re.findall(r"\bIN \(([^()]*)\)", statement["sql"])
            ),
            default=0,
        )
        assert longest <= SEARCH_RESULTS_MAX, (url, longest)


def test_searches_of_the_desk_read_the_kept_quorum_and_never_count_the_roll(
    client: Any,
) -> None:
    """The desk's page and its live quorum read the call's kept counts (a few rows): no
    statement they run counts the members of the roll, however many there are, and the
    figures are those of the roll."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assemblies import services
    from assemblies.selectors import call_attendance, current_call
    from tests.assemblies.factories import check_in, small_coop
    from tests.governance.factories import add_member

    coop = small_coop({"Workers": 3, "Users": 3})
    for number in range(12):
        add_member(coop.cooperative, "Users", display_name=f"Voter {number}")
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=["A"])
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.usernames("Workers"), at=FIRST_CALL, by=coop.chair)
    client.force_login(coop.chair)
    base = f"/assemblies/{assembly.pk}/"
    for url in (base + "desk/?q=Voter", base + "desk/", base + "live/quorum/"):
        with CaptureQueriesContext(connection) as statements:
            answer = client.get(url)
        assert answer.status_code == 200, url
        counting = [s["sql"] for s in statements.captured_queries if "COALESCE(a.mode" in s["sql"]]
        assert not counting, (url, counting)
    live = client.get(base + "live/quorum/").context["quorum"]["live"]
    assert (live["present"], live["eligible"]) == (3, 18)
    counted = call_attendance(assembly, current_call(assembly), recount=True).as_dict()
    assert live == counted


def test_member_says_how_they_will_attend_and_the_desk_sees_the_counts(
    client: Any, at: Any
) -> None:
    from assemblies import services
    from assemblies.models import AttendanceIntent

    cooperative = demo()
    assembly = make_assembly(cooperative)
    services.assembly_convene(actor=person("claire"), assembly=assembly, now=T0)
    url = f"/assemblies/{assembly.pk}/"
    for username, mode in (("lea", "remote"), ("karim", "present"), ("sofia", "present")):
        _login(client, username)
        client.post(url + "intent/", {"mode": mode})
    _login(client, "lea")
    assert 'id="attend-remote-' not in client.get(url).content.decode(), "not before the day"
    client.post(url + "intent/", {"mode": "absent"})
    modes = dict(AttendanceIntent.objects.filter(assembly=assembly).values_list("member", "mode"))
    assert modes[member(cooperative, "lea").pk] == "absent"
    assert sorted(modes.values()) == ["absent", "present", "present"]
    # Saying so is not signing in: nobody counts for the quorum yet.
    _login(client, "claire")
    at(FIRST_CALL)
    desk = client.get(url + "desk/").content.decode()
    assert 'id="expected"' in desk
    quorum = client.get(url + "live/quorum/").context["quorum"]
    assert quorum["expected"] == {"absent": 1, "present": 2}
    assert quorum["live"]["attending"] == 0
    # On the day, the member signs in remotely from the page, once.
    _login(client, "sofia")
    assert 'id="attend-remote-' in client.get(url).content.decode()
    client.post(url + "attend/")
    assert 'id="attend-remote-' not in client.get(url).content.decode()


def test_secret_resolution_in_the_booth_gives_a_tracker_shown_once(client: Any, at: Any) -> None:
    from assemblies import services
    from voting.models import Ballot

    cooperative = demo()
    chair = person("claire")
    assembly = make_assembly(cooperative, resolutions=[])
    services.agenda_item_add(
        actor=chair, assembly=assembly, kind="resolution", title="Vote secret", is_secret=True
    )
    services.assembly_convene(actor=chair, assembly=assembly, now=T0)
    at(FIRST_CALL)
    services.assembly_record_no_quorum(actor=chair, assembly=assembly)
    services.assembly_convene_second_call(actor=chair, assembly=assembly)
    at(SECOND_CALL)
    for username in ("claire", "lea"):
        services.attendance_check_in(
            actor=chair,
            assembly=assembly,
            mode="present",
            member_id=member(cooperative, username).pk,
        )
    services.assembly_open(actor=chair, assembly=assembly)
    item = AgendaItem.objects.get(assembly=assembly)
    services.item_open(actor=chair, item=item)
    res = resolution(assembly)
    _login(client, "lea")
    booth = client.get(f"/assemblies/{assembly.pk}/live/booth/").content.decode()
    # A sealed ballot is changed without any code: the booth asks for none.
    assert 'name="receipt"' not in booth
    answer = client.post(
        f"/assemblies/{assembly.pk}/resolutions/{res.pk}/ballot/", {"choice": "for"}
    )
    assert answer.status_code == 200
    receipt = answer.context["receipt"]
    assert receipt and receipt in answer.content.decode()
    assert len(receipt) == 64 and set(receipt) <= set("0123456789abcdef"), "a sha256 tracker"
    assert not Ballot.objects.filter(vote=res.vote).exists(), "a secret vote keeps no open ballot"


def test_convocations_page_reads_each_call_by_pages_and_counts_every_row(
    client: Any, at: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The proof of sending is read a page at a time per call, in the order of the
    members' names, and counted by the database: the counts cover every row."""
    import html
    import re

    from assemblies import services
    from frontend.views import assembly_board

    monkeypatch.setattr(assembly_board, "CONVOCATIONS_PER_PAGE", 7)
    cooperative = demo()
    assembly = make_assembly(cooperative)
    services.assembly_convene(actor=person("claire"), assembly=assembly, now=T0)
    _login(client, "claire")
    base = f"/assemblies/{assembly.pk}/convocations/"
    calls = {row["call"].number: row for row in client.get(base).context["calls"]}
    assert calls, "the assembly is convened"
    for number in calls:
        expected = list(
            Convocation.objects.filter(call__assembly=assembly, call__number=number)
            .order_by("member__name", "member_id", "channel", "id")
            .values_list("pk", flat=True)
        )
        assert len(expected) > 7  # More than a page.
        seen: list[int] = []
        url: str | None = base
        while url:
            answer = client.get(url)
            row = next(r for r in answer.context["calls"] if r["call"].number == number)
            seen.extend(c.pk for c in row["page"].object_list)
            # Counted over the whole call, not the page.
            in_app = Convocation.objects.filter(
                call__assembly=assembly, call__number=number, channel="in_app", status="sent"
            ).count()
            assert row["in_app"] == in_app
            found = re.search(
                rf'<a href="(\?[^"]*call{number}=[^"]+)" rel="next">', answer.content.decode()
            )
            url = None if found is None else base + html.unescape(found.group(1))
        assert seen == expected
