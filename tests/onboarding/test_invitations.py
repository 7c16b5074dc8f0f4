"""The board adds associates by e-mail; the invited person chooses a password once."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.test import Client
from django.utils import timezone

from governance.models import (
    Category,
    CategoryKind,
    College,
    Cooperative,
    Member,
    Membership,
    MembershipStatus,
    Person,
)
from onboarding.models import Invitation
from tests.governance.factories import PersonFactory, add_member
from tests.onboarding.conftest import api, sent_to, token_in

pytestmark = pytest.mark.django_db(transaction=False)


def _payload(coop: Cooperative, **overrides: Any) -> dict[str, Any]:
    payload = {
        "name": "Nadia Benali",
        "email": "nadia@example.org",
        "kind": "natural",
        "college": College.objects.get(cooperative=coop, name="Workers").pk,
        "category": Category.objects.get(cooperative=coop, kind=CategoryKind.EMPLOYEES).pk,
        "shares": 2,
    }
    payload.update(overrides)
    return payload


def _invite(coop: Cooperative, chair: Person, capture: Any, **overrides: Any) -> Any:
    with capture(execute=True):
        return api(chair).post(
            f"/api/v1/cooperatives/{coop.slug}/invitations/", _payload(coop, **overrides)
        )


def test_board_adds_an_associate_who_is_admitted_and_invited_once_committed(
    coop: Cooperative, chair: Person, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = api(chair).post(f"/api/v1/cooperatives/{coop.slug}/invitations/", _payload(coop))
        # Nothing leaves before the commit.
        assert mail.outbox == []
    assert response.status_code == 201, response.json()
    for callback in callbacks:
        callback()
    body = response.json()
    assert body["state"] == "pending" and body["email"] == "nadia@example.org"
    person = Person.objects.get(email="nadia@example.org")
    assert not person.has_usable_password()
    membership = Membership.objects.get(member__person=person)
    assert membership.status == MembershipStatus.ACTIVE and membership.shares == 2
    [message] = sent_to("nadia@example.org")
    assert coop.name in message.subject
    token = token_in(message)
    invitation = Invitation.objects.get()
    assert token not in invitation.token_digest
    expiry = invitation.expires_at - invitation.sent_at
    assert dt.timedelta(days=6, hours=23) < expiry <= dt.timedelta(days=7)


def test_the_link_sets_a_password_once_and_verifies_the_email(
    coop: Cooperative, chair: Person, django_capture_on_commit_callbacks: Any
) -> None:
    _invite(coop, chair, django_capture_on_commit_callbacks)
    token = token_in(sent_to("nadia@example.org")[0])
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = browser.get(f"/invitations/{token}/")
    assert page.status_code == 200 and b"Choose a password" in page.content
    done = browser.post(
        f"/invitations/{token}/",
        {"password1": "long-enough-pw-42", "password2": "long-enough-pw-42"},
    )
    assert done.status_code == 302 and done["Location"] == f"/c/{coop.slug}/"
    person = Person.objects.get(email="nadia@example.org")
    assert person.check_password("long-enough-pw-42")
    assert EmailAddress.objects.get(user=person).verified
    assert Invitation.objects.get().state() == "accepted"
    # Used once: the same link now says so, and a new browser cannot use it.
    again = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/invitations/{token}/")
    assert again.status_code == 410 and b"already used" in again.content
    # The person signs in by e-mail as well as by user name.
    signed = Client(HTTP_ACCEPT_LANGUAGE="en")
    login = signed.post(
        "/accounts/login/", {"login": "NADIA@example.org", "password": "long-enough-pw-42"}
    )
    assert login.status_code == 302 and "_auth_user_id" in signed.session


def test_an_expired_link_is_refused_and_a_resend_gives_a_new_one(
    coop: Cooperative, chair: Person, django_capture_on_commit_callbacks: Any
) -> None:
    invitation_id = _invite(coop, chair, django_capture_on_commit_callbacks).json()["id"]
    old = token_in(sent_to("nadia@example.org")[0])
    Invitation.objects.filter(pk=invitation_id).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    page = Client(HTTP_ACCEPT_LANGUAGE="en").get(f"/invitations/{old}/")
    assert page.status_code == 410 and b"expired" in page.content
    listed = api(chair).get(f"/api/v1/cooperatives/{coop.slug}/invitations/").json()
    assert [i["state"] for i in listed["results"]] == ["expired"]
    with django_capture_on_commit_callbacks(execute=True):
        resent = api(chair).post(
            f"/api/v1/cooperatives/{coop.slug}/invitations/{invitation_id}/resend/"
        )
    assert resent.status_code == 200 and resent.json()["state"] == "pending"
    assert resent.json()["send_count"] == 2
    new = token_in(sent_to("nadia@example.org")[-1])
    assert new != old
    assert Client().get(f"/invitations/{old}/").status_code == 410
    assert Client().get(f"/invitations/{new}/").status_code == 200


def test_a_revoked_invitation_cannot_be_used_nor_resent(
    coop: Cooperative, chair: Person, django_capture_on_commit_callbacks: Any
) -> None:
    invitation_id = _invite(coop, chair, django_capture_on_commit_callbacks).json()["id"]
    token = token_in(sent_to("nadia@example.org")[0])
    revoked = api(chair).post(
        f"/api/v1/cooperatives/{coop.slug}/invitations/{invitation_id}/revoke/"
    )
    assert revoked.status_code == 200 and revoked.json()["state"] == "revoked"
    page = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        f"/invitations/{token}/",
        {"password1": "long-enough-pw-42", "password2": "long-enough-pw-42"},
    )
    assert page.status_code == 410 and b"revoked" in page.content
    assert not Person.objects.get(email="nadia@example.org").has_usable_password()
    again = api(chair).post(f"/api/v1/cooperatives/{coop.slug}/invitations/{invitation_id}/resend/")
    assert again.status_code == 409 and again.json()["code"] == "invitation_state"


def test_an_email_already_used_or_a_member_is_refused_and_nothing_is_created(
    coop: Cooperative, chair: Person, django_capture_on_commit_callbacks: Any
) -> None:
    PersonFactory(username="taken", email="taken@example.org")
    member = add_member(coop, "Workers", email="member@example.org")
    people, members = Person.objects.count(), Member.objects.count()
    used = _invite(coop, chair, django_capture_on_commit_callbacks, email="Taken@Example.org")
    assert used.status_code == 409 and used.json()["code"] == "email_in_use"
    already = _invite(
        coop, chair, django_capture_on_commit_callbacks, email=member.member.person.email
    )
    assert already.status_code == 409 and already.json()["code"] == "already_member"
    assert (Person.objects.count(), Member.objects.count()) == (people, members)
    assert Invitation.objects.count() == 0 and mail.outbox == []


def test_a_failure_after_the_person_was_created_leaves_nothing_behind(
    coop: Cooperative, chair: Person, django_capture_on_commit_callbacks: Any
) -> None:
    people = Person.objects.count()
    # The category is right, the college is not this cooperative's: governance refuses
    # after the account was made inside the transaction.
    other = College.objects.exclude(cooperative=coop).first()
    response = _invite(
        coop, chair, django_capture_on_commit_callbacks, college=other.pk if other else 999999
    )
    assert response.status_code == 400
    assert Person.objects.count() == people and mail.outbox == []


def test_statutes_with_a_vote_of_admission_leave_the_membership_pending(
    coop: Cooperative, chair: Person, django_capture_on_commit_callbacks: Any
) -> None:
    settings_url = f"/api/v1/cooperatives/{coop.slug}/onboarding/"
    assert api(chair).patch(settings_url, {"admission_by_vote": True}).json()["admission_by_vote"]
    assert _invite(coop, chair, django_capture_on_commit_callbacks).status_code == 201
    membership = Membership.objects.get(member__person__email="nadia@example.org")
    assert membership.status == MembershipStatus.APPLICANT
    assert len(sent_to("nadia@example.org")) == 1


def test_only_the_board_invites_and_lists(coop: Cooperative, chair: Person) -> None:
    member = add_member(coop, "Workers").member.person
    url = f"/api/v1/cooperatives/{coop.slug}/invitations/"
    assert api(member).get(url).json()["code"] == "board_only"
    assert api(member).post(url, _payload(coop)).status_code == 403
    assert api().get(url).status_code == 401


def test_invitations_are_rate_limited_with_retry_after(
    coop: Cooperative, chair: Person, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.COLLEGIA = {**settings.COLLEGIA, "INVITATION_RATE_LIMIT": "2/3600"}
    for index in range(2):
        response = _invite(
            coop, chair, django_capture_on_commit_callbacks, email=f"p{index}@example.org"
        )
        assert response.status_code == 201
    limited = _invite(coop, chair, django_capture_on_commit_callbacks, email="p9@example.org")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 3600
    assert not Person.objects.filter(email="p9@example.org").exists()


def test_representative_by_email_invites_a_newcomer_and_notifies_an_account_holder(
    coop: Cooperative, chair: Person, django_capture_on_commit_callbacks: Any
) -> None:
    from onboarding import services
    from tests.governance.factories import add_legal_member

    add_member(coop, "Workers", shares=5)
    commune = add_legal_member(coop, "Authorities", representatives=0).member
    known = PersonFactory(email="agent@ville.example")
    with django_capture_on_commit_callbacks(execute=True):
        services.representative_invite(
            actor=chair, member=commune, email="new@ville.example", name="Jo Martin"
        )
        services.representative_invite(actor=chair, member=commune, email="AGENT@ville.example")
        services.observer_invite_by_email(
            actor=chair, cooperative=coop, email="obs@region.example", name="Ana Obs"
        )
    assert commune.representatives.filter(revoked_at=None).count() == 2
    [invite] = sent_to("new@ville.example")
    assert "/invitations/" in invite.body
    [notice] = sent_to(known.email)
    assert "/invitations/" not in notice.body and f"/c/{coop.slug}/" in notice.body
    assert Invitation.objects.filter(kind="observer", email="obs@region.example").exists()
