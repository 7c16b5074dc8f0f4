"""The desk signs members in by batch, under the rules of a single sign-in."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from assemblies import services
from assemblies.models import Attendance
from core.models import AuditEntry
from governance.models import Member
from tests.assemblies.factories import FIRST_CALL, T0, make_assembly, member, small_coop

pytestmark = pytest.mark.django_db


def _client(person: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(person)
    return client


@pytest.fixture
def convened(monkeypatch: pytest.MonkeyPatch) -> Any:
    from assemblies.services import _common as clock_module

    coop = small_coop()
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    monkeypatch.setattr(clock_module, "clock", lambda: FIRST_CALL)
    return coop, assembly


def _ids(coop: Any, usernames: list[str]) -> list[int]:
    return [member(coop.cooperative, u).pk for u in usernames]


def test_the_board_signs_in_a_list_and_members_already_in_are_left_as_they_are(
    convened: Any, capture_on_commit: Any
) -> None:
    coop, assembly = convened
    first = coop.usernames("Workers")[0]
    services.attendance_check_in(
        actor=coop.chair,
        assembly=assembly,
        mode="present",
        member_id=_ids(coop, [first])[0],
        now=FIRST_CALL,
    )
    wanted = _ids(coop, coop.usernames("Workers") + coop.usernames("Users"))
    with capture_on_commit(execute=True):
        response = _client(coop.chair).post(
            f"/api/v1/assemblies/{assembly.pk}/attendance/batch/",
            {"member_ids": wanted, "mode": "present"},
            format="json",
        )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["already_checked_in"] == _ids(coop, [first])
    assert sorted(row["member"]["id"] for row in body["checked_in"]) == sorted(wanted[1:])
    open_rows = Attendance.objects.filter(call__assembly=assembly, checked_out_at__isnull=True)
    assert sorted(open_rows.values_list("member_id", flat=True)) == sorted(wanted)
    # One audit entry per member signed in, as for single sign-ins.
    assert AuditEntry.objects.filter(verb="assembly.checked_in").count() == 8
    # One push of the counts for the whole batch, counting everybody.
    pushed = assembly.events.filter(type="attendance.changed").order_by("-seq").first()
    assert pushed is not None and pushed.data["present"] == 8


def test_a_member_who_voted_by_post_refuses_the_whole_batch_and_is_named(convened: Any) -> None:
    coop, assembly = convened
    postal = coop.usernames("Users")[0]
    services.postal_vote_submit(
        actor=coop.people["Users"][0],
        assembly=assembly,
        ballots={assembly.items.get().resolutions.get().pk: "for"},
        now=T0,
    )
    wanted = _ids(coop, coop.usernames("Workers") + [postal])
    response = _client(coop.chair).post(
        f"/api/v1/assemblies/{assembly.pk}/attendance/batch/",
        {"member_ids": wanted},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "voted_by_post"
    assert response.json()["details"]["member_ids"] == _ids(coop, [postal])
    assert not Attendance.objects.filter(call__assembly=assembly).exists()


def test_only_the_board_signs_in_by_batch_and_only_members_with_a_vote(convened: Any) -> None:
    coop, assembly = convened
    url = f"/api/v1/assemblies/{assembly.pk}/attendance/batch/"
    worker = coop.people["Workers"][0]
    refused = _client(worker).post(url, {"member_ids": _ids(coop, [worker.username])})
    assert refused.status_code == 403 and refused.json()["code"] == "board_only"
    stranger = small_coop({"Workers": 1}).people["Workers"][0]
    other = Member.objects.get(person=stranger).pk
    unknown = _client(coop.chair).post(url, {"member_ids": [other]}, format="json")
    assert unknown.status_code == 403 and unknown.json()["details"]["member_ids"] == [other]
    empty = _client(coop.chair).post(url, {"member_ids": []}, format="json")
    assert empty.status_code == 400
    assert not Attendance.objects.filter(call__assembly=assembly).exists()


def test_remote_batch_needs_remote_attendance(convened: Any) -> None:
    coop, assembly = convened
    assembly.remote_allowed = False
    assembly.save(update_fields=["remote_allowed"])
    response = _client(coop.chair).post(
        f"/api/v1/assemblies/{assembly.pk}/attendance/batch/",
        {"member_ids": _ids(coop, coop.usernames("Workers")), "mode": "remote"},
        format="json",
    )
    assert response.status_code == 409 and response.json()["code"] == "remote_not_allowed"


def test_the_desk_page_signs_in_the_ticked_members(client: Any, convened: Any) -> None:
    coop, assembly = convened
    client.force_login(coop.chair)
    desk = client.get(f"/assemblies/{assembly.pk}/desk/", {"q": coop.people["Users"][0].username})
    page = desk.content.decode()
    assert 'id="batch-check-in"' in page and 'form="batch-check-in"' in page
    ticked = _ids(coop, coop.usernames("Users"))
    response = client.post(
        f"/assemblies/{assembly.pk}/desk/check-in/batch/",
        {"member_id": [str(pk) for pk in ticked], "mode": "present", "q": "x"},
    )
    assert response.status_code == 302
    open_rows = Attendance.objects.filter(call__assembly=assembly, checked_out_at__isnull=True)
    assert sorted(open_rows.values_list("member_id", flat=True)) == sorted(ticked)
    assert set(open_rows.values_list("mode", flat=True)) == {"present"}
