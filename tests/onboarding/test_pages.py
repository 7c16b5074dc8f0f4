"""The board's onboarding page: add, import with a preview, resend, revoke, designate."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from governance.models import Category, CategoryKind, College, Cooperative, Observer, Person
from onboarding.models import Invitation
from tests.governance.factories import add_member

pytestmark = pytest.mark.django_db


def _board(chair: Person) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(chair)
    return client


def test_the_board_adds_imports_resends_and_revokes_from_the_page(
    coop: Cooperative, chair: Person, django_capture_on_commit_callbacks: Any
) -> None:
    url = f"/c/{coop.slug}/board/onboarding/"
    board = _board(chair)
    page = board.get(url)
    assert page.status_code == 200 and b'id="associate-add"' in page.content
    employees = Category.objects.get(cooperative=coop, kind=CategoryKind.EMPLOYEES)
    workers = College.objects.get(cooperative=coop, name="Workers")
    with django_capture_on_commit_callbacks(execute=True):
        added = board.post(
            url,
            {
                "action": "add",
                "name": "Nadia Benali",
                "email": "nadia@example.org",
                "kind": "natural",
                "college": workers.pk,
                "category": employees.pk,
                "shares": 1,
            },
        )
    assert added.status_code == 302
    assert [m.to for m in mail.outbox] == [["nadia@example.org"]]
    again = board.post(
        url,
        {
            "action": "add",
            "name": "Nadia Again",
            "email": "nadia@example.org",
            "kind": "natural",
            "college": workers.pk,
            "category": employees.pk,
            "shares": 1,
        },
    )
    assert again.status_code == 200 and b"already an associate" in again.content

    csv = (
        b"name,email,kind,college,category,shares\n"
        b"Paul,paul@example.org,natural,Workers,Employees,1\n"
    )
    preview = board.post(
        url, {"action": "import", "file": SimpleUploadedFile("a.csv", csv, "text/csv")}
    )
    assert preview.status_code == 200 and b'id="import-preview"' in preview.content
    assert not Person.objects.filter(email="paul@example.org").exists()
    confirmation = preview.context["preview"].confirmation
    with django_capture_on_commit_callbacks(execute=True):
        done = board.post(url, {"action": "import_confirm", "confirmation": confirmation})
    assert done.status_code == 302 and Person.objects.filter(email="paul@example.org").exists()

    invitation = Invitation.objects.get(email="paul@example.org")
    act = f"/c/{coop.slug}/board/onboarding/invitations/{invitation.pk}/"
    with django_capture_on_commit_callbacks(execute=True):
        assert board.post(act + "resend/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.send_count == 2
    assert board.post(act + "revoke/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.state() == "revoked"


def test_an_observer_is_designated_by_email_and_members_cannot_reach_the_page(
    coop: Cooperative, chair: Person, django_capture_on_commit_callbacks: Any
) -> None:
    board = _board(chair)
    with django_capture_on_commit_callbacks(execute=True):
        response = board.post(
            f"/c/{coop.slug}/board/onboarding/designate/observer/",
            {"email": "agent@region.example", "name": "Ana Agent", "target": "Région"},
        )
    assert response.status_code == 302
    assert Observer.objects.filter(person__email="agent@region.example").exists()
    assert [m.to for m in mail.outbox] == [["agent@region.example"]]
    member = add_member(coop, "Workers").member.person
    outsider = Client()
    outsider.force_login(member)
    assert outsider.get(f"/c/{coop.slug}/board/onboarding/").status_code == 403
