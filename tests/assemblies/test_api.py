"""The assemblies API: preparing, convening, taking part, the booth, the minutes' downloads."""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from assemblies import services
from assemblies.models import Assembly, AssemblyProxy, PostalVote
from assemblies.services import _common as clock_module
from governance.models import Member, Person
from governance.services import observer_invite
from tests.api_pages import every_row
from tests.assemblies.factories import SmallCoop, small_coop
from tests.governance.factories import PersonFactory

pytestmark = pytest.mark.django_db


def client_for(person: Person) -> APIClient:
    client = APIClient()
    client.force_authenticate(person)
    return client


def _member_id(person: Person) -> int:
    return Member.objects.get(person=person).pk


@pytest.fixture
def coop() -> SmallCoop:
    return small_coop()


def _create(coop: SmallCoop, **extra: Any) -> dict[str, Any]:
    first = timezone.now() + dt.timedelta(days=20)
    response = client_for(coop.chair).post(
        f"/api/v1/cooperatives/{coop.cooperative.slug}/assemblies/",
        {
            "kind": "ordinary",
            "title": "AG 2027",
            "first_call_at": first.isoformat(),
            "place": "Lyon",
            "remote_url": "https://visio.example.org/ag",
            **extra,
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def _add_resolution(coop: SmallCoop, assembly_id: int, title: str = "Accounts") -> dict[str, Any]:
    response = client_for(coop.chair).post(
        f"/api/v1/assemblies/{assembly_id}/items/",
        {"kind": "resolution", "title": title, "text": "<p>ok</p><script>x()</script>"},
        format="json",
    )
    assert response.status_code == 201, response.json()
    return response.json()


def test_preparing_and_convening_through_the_api(coop: SmallCoop) -> None:
    worker = coop.people["Workers"][0]
    board = client_for(coop.chair)
    created = _create(coop)
    assembly_id = created["id"]
    assert created["status"] == "draft" and created["calls"][0]["number"] == 1
    item = _add_resolution(coop, assembly_id)
    assert item["text"] == "<p>ok</p>" and item["resolutions"][0]["board_backed"] is True
    # A draft is the board's: a member gets the same 404 as for a missing assembly.
    assert client_for(worker).get(f"/api/v1/assemblies/{assembly_id}/").status_code == 404
    assert (
        client_for(worker)
        .post(
            f"/api/v1/cooperatives/{coop.cooperative.slug}/assemblies/",
            {
                "kind": "ordinary",
                "title": "x",
                "first_call_at": created["calls"][0]["scheduled_at"],
            },
            format="json",
        )
        .status_code
        == 403
    )

    too_soon = (timezone.now() + dt.timedelta(days=3)).isoformat()
    assert (
        board.patch(
            f"/api/v1/assemblies/{assembly_id}/", {"first_call_at": too_soon}, format="json"
        ).status_code
        == 200
    )
    refused = board.post(f"/api/v1/assemblies/{assembly_id}/convene/", format="json")
    assert refused.status_code == 409
    assert refused.json()["code"] == "notice_too_short"
    assert refused.json()["details"]["required_days"] == 15

    later = (timezone.now() + dt.timedelta(days=20)).isoformat()
    board.patch(f"/api/v1/assemblies/{assembly_id}/", {"first_call_at": later}, format="json")
    convened = board.post(f"/api/v1/assemblies/{assembly_id}/convene/", format="json")
    assert convened.status_code == 200, convened.json()
    assert convened.json()["status"] == "convened" and convened.json()["rules_version"] == 1
    proof = every_row(board, f"/api/v1/assemblies/{assembly_id}/convocations/")
    assert len(proof) == 32  # 16 members, in-app and email each
    assert (
        client_for(worker).get(f"/api/v1/assemblies/{assembly_id}/convocations/").status_code == 403
    )
    listed = (
        client_for(worker).get(f"/api/v1/cooperatives/{coop.cooperative.slug}/assemblies/").json()
    )
    assert [a["id"] for a in listed["results"]] == [assembly_id]


def test_members_give_proxies_and_vote_by_post_through_the_api(coop: SmallCoop) -> None:
    workers, users = coop.people["Workers"], coop.people["Users"]
    assembly_id = _create(coop)["id"]
    resolution_id = _add_resolution(coop, assembly_id)["resolutions"][0]["id"]
    services.assembly_convene(actor=coop.chair, assembly=Assembly.objects.get(pk=assembly_id))

    given = client_for(users[0]).post(
        f"/api/v1/assemblies/{assembly_id}/proxies/",
        {"holder_id": _member_id(workers[0])},
        format="json",
    )
    assert given.status_code == 201, given.json()
    assert given.json()["holder"]["id"] == _member_id(workers[0])
    blank = client_for(users[1]).post(
        f"/api/v1/assemblies/{assembly_id}/proxies/", {"holder_id": None}, format="json"
    )
    assert blank.status_code == 201 and blank.json()["holder"] is None
    mine = client_for(workers[0]).get(f"/api/v1/assemblies/{assembly_id}/proxies/").json()
    assert [p["principal"]["id"] for p in mine["results"]] == [_member_id(users[0])]
    revoked = client_for(users[1]).post(
        f"/api/v1/assemblies/{assembly_id}/proxies/{blank.json()['id']}/revoke/", format="json"
    )
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    # Someone else's proxy looks missing.
    assert (
        client_for(users[2])
        .post(
            f"/api/v1/assemblies/{assembly_id}/proxies/{given.json()['id']}/revoke/", format="json"
        )
        .status_code
        == 404
    )

    postal = client_for(users[1]).post(
        f"/api/v1/assemblies/{assembly_id}/postal-votes/",
        {"ballots": [{"resolution_id": resolution_id, "choice": "against"}]},
        format="json",
    )
    assert postal.status_code == 201, postal.json()
    assert postal.json()["results"][0]["choice"] == "against"
    conflict = client_for(users[0]).post(
        f"/api/v1/assemblies/{assembly_id}/postal-votes/",
        {"ballots": [{"resolution_id": resolution_id, "choice": "for"}]},
        format="json",
    )
    assert conflict.status_code == 409 and conflict.json()["code"] == "proxy_given"
    assert AssemblyProxy.objects.filter(revoked_at__isnull=True).count() == 1
    assert PostalVote.objects.get().choice == "against"


def test_the_session_the_booth_and_the_minutes_through_the_api(
    coop: SmallCoop, monkeypatch: pytest.MonkeyPatch, capture_on_commit: Any
) -> None:
    workers = coop.people["Workers"]
    observer = PersonFactory()
    observer_invite(actor=coop.chair, cooperative=coop.cooperative, person=observer)
    assembly_id = _create(coop)["id"]
    resolution_id = _add_resolution(coop, assembly_id)["resolutions"][0]["id"]
    assembly = Assembly.objects.get(pk=assembly_id)
    board = client_for(coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly)
    assert (
        board.get(f"/api/v1/assemblies/{assembly_id}/minutes/").json()["code"]
        == "minutes_not_ready"
    )

    # The meeting day: requests from here on run at the time of the call.
    meeting = assembly.calls.get(number=1).scheduled_at
    monkeypatch.setattr(clock_module, "clock", lambda: meeting)
    for person in workers:
        services.attendance_check_in(
            actor=coop.chair,
            assembly=assembly,
            mode="present",
            member_id=_member_id(person),
            now=meeting,
        )
    quorum = client_for(observer).get(f"/api/v1/assemblies/{assembly_id}/quorum/").json()
    assert (quorum["present"], quorum["eligible"], quorum["quorum"]["reached"]) == (4, 16, True)
    assert (
        client_for(observer).get(f"/api/v1/assemblies/{assembly_id}/attendance/").status_code == 403
    )
    remote = client_for(coop.people["Users"][0]).post(
        f"/api/v1/assemblies/{assembly_id}/attendance/", {"mode": "remote"}, format="json"
    )
    assert remote.status_code == 201, remote.json()
    services.assembly_open(actor=coop.chair, assembly=assembly, now=meeting)

    item_id = assembly.items.get().pk
    opened = board.post(f"/api/v1/assemblies/{assembly_id}/items/{item_id}/open/", format="json")
    assert opened.status_code == 200 and opened.json()["status"] == "open"
    booth = f"/api/v1/assemblies/{assembly_id}/resolutions/{resolution_id}/ballots/"
    # The turnout reaches the room after each cast commits.
    with capture_on_commit(execute=True):
        for person in workers:
            response = client_for(person).post(booth, {"choice": "for"}, format="json")
            assert response.status_code == 201
    assert (
        client_for(coop.people["Users"][0])
        .post(booth, {"choice": "abstain"}, format="json")
        .status_code
        == 201
    )
    absent = client_for(coop.people["Users"][1]).post(booth, {"choice": "for"}, format="json")
    assert absent.status_code == 403 and absent.json()["code"] == "not_attending"
    closed = board.post(f"/api/v1/assemblies/{assembly_id}/items/{item_id}/close/", format="json")
    decision = closed.json()["resolutions"][0]["decision"]
    assert decision["adopted"] is True and decision["outcome"] == "adopted"

    done = board.post(f"/api/v1/assemblies/{assembly_id}/close/", format="json")
    assert done.status_code == 200 and done.json()["status"] == "closed"
    links = done.json()["minutes"]
    meta = client_for(observer).get(f"/api/v1/assemblies/{assembly_id}/minutes/").json()
    pdf = client_for(workers[1]).get(f"/api/v1/assemblies/{assembly_id}/minutes/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == meta["pdf_sha256"]
    html = client_for(workers[1]).get(f"/api/v1/assemblies/{assembly_id}/minutes/html/")
    assert html["Content-Type"].startswith("text/html")
    assert hashlib.sha256(html.content).hexdigest() == meta["html_sha256"]
    # The stored page allows its own style element by digest, and nothing inline else.
    policy = html["Content-Security-Policy"]
    assert policy.startswith("default-src 'none'; style-src 'sha256-")
    assert "unsafe-inline" not in policy and "script-src" not in policy
    assert links["pdf"].endswith(f"/api/v1/assemblies/{assembly_id}/minutes/pdf/")
    # Errors of the document endpoints stay JSON.
    missing = board.get(f"/api/v1/assemblies/{assembly_id + 1000}/minutes/pdf/")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"

    events = board.get(f"/api/v1/assemblies/{assembly_id}/events/?since=0").json()["results"]
    types = [e["type"] for e in events]
    assert types[0] == "assembly.convened" and types[-1] == "assembly.closed"
    assert "item.opened" in types and "resolution.turnout" in types
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))


def test_the_board_s_lists_of_an_assembly_go_by_member_name_every_row_once(
    coop: SmallCoop,
) -> None:
    """Convocations, attendance and postal ballots page by member name (then call,
    channel or resolution): small pages, followed to the end, give every row once, in
    that order."""
    from assemblies.models import Attendance, Convocation
    from assemblies.selectors import current_call

    assembly_id = _create(coop)["id"]
    first = _add_resolution(coop, assembly_id, "Accounts")["resolutions"][0]["id"]
    second = _add_resolution(coop, assembly_id, "Budget")["resolutions"][0]["id"]
    assembly = Assembly.objects.get(pk=assembly_id)
    services.assembly_convene(actor=coop.chair, assembly=assembly)
    members = list(Member.objects.filter(cooperative=coop.cooperative))
    call = current_call(assembly)
    now = timezone.now()
    for member in members:
        Attendance.objects.create(
            call=call,
            member=member,
            mode="present",
            person=coop.chair,
            checked_in_by=coop.chair,
            checked_in_at=now,
        )
        for resolution_id in (second, first):
            PostalVote.objects.create(
                resolution_id=resolution_id,
                assembly=assembly,
                member=member,
                choice="for",
                submitted_by=coop.chair,
                received_at=now,
            )
    board = client_for(coop.chair)
    by_name = {m.pk: (m.name, m.pk) for m in members}
    base = f"/api/v1/assemblies/{assembly_id}"

    convocations = every_row(board, f"{base}/convocations/", {"page_size": 3})
    expected = sorted(
        Convocation.objects.filter(call__assembly=assembly).select_related("call"),
        key=lambda c: (*by_name[c.member_id], c.call.number, c.channel, c.pk),
    )
    assert [c["id"] for c in convocations] == [c.pk for c in expected]

    attendance = every_row(board, f"{base}/attendance/", {"page_size": 3})
    assert [a["member"]["id"] for a in attendance] == sorted(by_name, key=by_name.__getitem__)

    postal = every_row(board, f"{base}/postal-votes/", {"page_size": 3})
    expected_postal = sorted(
        PostalVote.objects.filter(assembly=assembly).select_related("resolution__item"),
        key=lambda v: (*by_name[v.member_id], v.resolution.item.position, v.resolution_id, v.pk),
    )
    assert [v["id"] for v in postal] == [v.pk for v in expected_postal]
    assert len(postal) == 2 * len(members)
