"""CSV import of associates: a preview with errors per line, nothing written until confirmed."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from governance.models import Cooperative, Member, Membership, Person
from onboarding.models import Invitation
from tests.governance.factories import PersonFactory
from tests.onboarding.conftest import api

pytestmark = pytest.mark.django_db

GOOD = (
    "name,email,kind,college,category,shares,organisation_type\n"
    "Nadia Benali,nadia@example.org,natural,Workers,Employees,2,\n"
    "Paul Durand,paul@example.org,natural,Users,Beneficiaries,1,\n"
    "Commune de Lyon,maire@lyon.example,legal,Authorities,Local_Authorities,1,local_authority\n"
)


def _preview(coop: Cooperative, chair: Person, content: bytes) -> Any:
    upload = SimpleUploadedFile("associates.csv", content, content_type="text/csv")
    return api(chair).post(
        f"/api/v1/cooperatives/{coop.slug}/invitations/import/",
        {"file": upload},
        format="multipart",
    )


def _counts() -> tuple[int, int, int, int]:
    return (
        Person.objects.count(),
        Member.objects.count(),
        Membership.objects.count(),
        Invitation.objects.count(),
    )


def test_preview_writes_nothing_and_confirm_adds_everyone(
    coop: Cooperative, chair: Person, django_capture_on_commit_callbacks: Any
) -> None:
    before = _counts()
    preview = _preview(coop, chair, GOOD.encode())
    assert preview.status_code == 200, preview.json()
    body = preview.json()
    assert body["errors"] == [] and [r["line"] for r in body["rows"]] == [2, 3, 4]
    assert body["confirmation"]
    assert _counts() == before
    with django_capture_on_commit_callbacks(execute=True):
        done = api(chair).post(
            f"/api/v1/cooperatives/{coop.slug}/invitations/import/confirm/",
            {"confirmation": body["confirmation"]},
        )
    assert done.status_code == 201, done.json()
    assert done.json()["imported"] == 3
    assert Membership.objects.filter(member__name="Commune de Lyon", status="active").exists()
    assert sorted(m.to[0] for m in mail.outbox) == [
        "maire@lyon.example",
        "nadia@example.org",
        "paul@example.org",
    ]


def test_errors_are_listed_per_line_and_no_confirmation_is_given(
    coop: Cooperative, chair: Person
) -> None:
    PersonFactory(email="taken@example.org")
    content = (
        "name,email,kind,college,category,shares\n"
        "Good One,good@example.org,natural,Workers,Employees,1\n"
        "Bad Mail,not-an-address,natural,Workers,Employees,1\n"
        "Nobody,nobody@example.org,natural,Nowhere,Employees,1\n"
        "Taken,taken@example.org,natural,Workers,Employees,1\n"
        "Twice,good@example.org,natural,Workers,Employees,x\n"
    )
    before = _counts()
    body = _preview(coop, chair, content.encode()).json()
    assert body["confirmation"] == ""
    by_line = {e["line"]: e["code"] for e in body["errors"]}
    assert by_line == {
        3: "invalid_email",
        4: "unknown_college",
        5: "email_in_use",
        6: "invalid_shares",
    }
    assert _counts() == before


def test_a_duplicate_email_in_the_file_names_the_first_line(
    coop: Cooperative, chair: Person
) -> None:
    content = (
        "name,email,kind,college,category,shares\n"
        "One,same@example.org,natural,Workers,Employees,1\n"
        "Two,SAME@example.org,natural,Workers,Employees,1\n"
    )
    body = _preview(coop, chair, content.encode()).json()
    assert body["errors"] == [
        {"line": 3, "code": "duplicate_email", "message": "The same e-mail is on line 2."}
    ]


def test_wrong_columns_and_wrong_encoding_are_refused_as_a_whole(
    coop: Cooperative, chair: Person
) -> None:
    wrong = _preview(coop, chair, b"nom,courriel\nA,a@example.org\n")
    assert wrong.status_code == 400 and wrong.json()["code"] == "csv_columns"
    assert "email" in wrong.json()["details"]["missing"]
    assert "courriel" in wrong.json()["details"]["unknown"]
    latin1 = GOOD.replace("Nadia Benali", "Héloïse Benali").encode("latin-1")
    encoding = _preview(coop, chair, latin1)
    assert encoding.status_code == 400 and encoding.json()["code"] == "csv_encoding"
    empty = _preview(coop, chair, b"")
    assert empty.status_code == 400


def test_semicolons_and_a_byte_order_mark_are_read(coop: Cooperative, chair: Person) -> None:
    content = "\ufeff" + GOOD.replace(",", ";")
    body = _preview(coop, chair, content.encode("utf-8")).json()
    assert body["errors"] == [] and len(body["rows"]) == 3


def test_confirm_refuses_everything_if_a_line_became_wrong_meanwhile(
    coop: Cooperative, chair: Person
) -> None:
    body = _preview(coop, chair, GOOD.encode()).json()
    PersonFactory(email="paul@example.org")
    before = _counts()
    done = api(chair).post(
        f"/api/v1/cooperatives/{coop.slug}/invitations/import/confirm/",
        {"confirmation": body["confirmation"]},
    )
    assert done.status_code == 400 and done.json()["code"] == "csv_rows_invalid"
    assert done.json()["details"]["errors"][0]["line"] == 3
    assert _counts() == before


def test_a_tampered_confirmation_is_refused(coop: Cooperative, chair: Person) -> None:
    body = _preview(coop, chair, GOOD.encode()).json()
    done = api(chair).post(
        f"/api/v1/cooperatives/{coop.slug}/invitations/import/confirm/",
        {"confirmation": body["confirmation"][:-3] + "abc"},
    )
    assert done.status_code == 400 and done.json()["code"] == "import_expired"
