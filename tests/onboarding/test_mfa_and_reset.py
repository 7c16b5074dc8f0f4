"""Two-factor authentication required of the board, and password reset by e-mail."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.test import Client

from governance.models import Cooperative, Person
from tests.governance.factories import PersonFactory, add_member
from tests.onboarding.conftest import api

pytestmark = pytest.mark.django_db


def _require_mfa(coop: Cooperative, chair: Person) -> None:
    response = api(chair).patch(
        f"/api/v1/cooperatives/{coop.slug}/onboarding/", {"board_requires_mfa": True}
    )
    assert response.status_code == 200 and response.json()["board_requires_mfa"]


def _give_totp(person: Person) -> None:
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(person, generate_totp_secret())


def test_a_board_member_without_two_factor_is_refused_with_a_clear_code(
    coop: Cooperative, chair: Person
) -> None:
    _require_mfa(coop, chair)
    refused = api(chair).get(f"/api/v1/cooperatives/{coop.slug}/invitations/")
    assert refused.status_code == 403 and refused.json()["code"] == "mfa_required"
    # Membership rights are not the board's: reading the cooperative still works.
    assert api(chair).get(f"/api/v1/cooperatives/{coop.slug}/").status_code == 200
    _give_totp(chair)
    assert Authenticator.objects.filter(user=chair).exists()
    assert api(chair).get(f"/api/v1/cooperatives/{coop.slug}/invitations/").status_code == 200


def test_on_the_web_a_board_page_sends_the_member_to_set_up_two_factor(
    coop: Cooperative, chair: Person
) -> None:
    _require_mfa(coop, chair)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(chair)
    page = browser.get(f"/c/{coop.slug}/board/members/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/2fa/totp/activate/?next=")
    home = browser.get(f"/c/{coop.slug}/")
    assert b'id="board-mfa-required"' in home.content
    _give_totp(chair)
    assert browser.get(f"/c/{coop.slug}/board/members/").status_code == 200


def test_the_rule_is_off_by_default_and_spares_members(coop: Cooperative, chair: Person) -> None:
    member = add_member(coop, "Workers").member.person
    assert api(chair).get(f"/api/v1/cooperatives/{coop.slug}/invitations/").status_code == 200
    _require_mfa(coop, chair)
    assert api(member).get(f"/api/v1/cooperatives/{coop.slug}/").status_code == 200


def test_password_reset_by_api_sends_a_link_and_is_rate_limited(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.COLLEGIA = {**settings.COLLEGIA, "PASSWORD_RESET_RATE_LIMIT": "2/300"}
    PersonFactory(username="rita", email="rita@example.org")
    client = api(address="198.51.100.77")
    for _attempt in range(2):
        response = client.post("/api/v1/auth/password-reset/", {"email": "rita@example.org"})
        assert response.status_code == 202
    assert any("/accounts/password/reset/key/" in m.body for m in mail.outbox)
    unknown = api(address="198.51.100.78").post(
        "/api/v1/auth/password-reset/", {"email": "nobody@example.org"}
    )
    assert unknown.status_code == 202
    limited = client.post("/api/v1/auth/password-reset/", {"email": "rita@example.org"})
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 300


def test_the_web_reset_page_follows_the_link_to_a_new_password() -> None:
    import re

    person = PersonFactory(username="rita", email="rita@example.org")
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    page = browser.post("/accounts/password/reset/", {"email": "rita@example.org"})
    assert page.status_code == 302
    [message] = mail.outbox
    link = re.search(r"https?://\S+(/accounts/password/reset/key/\S+/)", message.body)
    assert link, message.body
    form = browser.get(link.group(1), follow=True)
    assert form.status_code == 200
    done = browser.post(
        form.redirect_chain[-1][0] if form.redirect_chain else link.group(1),
        {"password1": "brand-new-pw-42", "password2": "brand-new-pw-42"},
    )
    assert done.status_code == 302
    person.refresh_from_db()
    assert person.check_password("brand-new-pw-42")


def test_sign_in_pages_are_french_first() -> None:
    page = Client().get("/accounts/login/")
    assert b"Identifiant ou adresse e-mail" in page.content
    reset = Client().get("/accounts/password/reset/")
    assert reset.status_code == 200 and b"Mot de passe" in reset.content


def test_changing_the_email_takes_effect_once_the_new_address_is_verified(
    django_capture_on_commit_callbacks: Any,
) -> None:
    import re

    from allauth.account.models import EmailAddress

    person = PersonFactory(username="rita", email="old@example.org")
    EmailAddress.objects.create(user=person, email="old@example.org", verified=True, primary=True)
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    browser.force_login(person)
    with django_capture_on_commit_callbacks(execute=True):
        response = browser.post("/accounts/email/", {"action_add": "", "email": "new@example.org"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.email == "old@example.org"
    [message] = [m for m in mail.outbox if "new@example.org" in m.to]
    link = re.search(r"https?://\S+(/accounts/confirm-email/\S+/)", message.body)
    assert link, message.body
    browser.post(link.group(1))
    person.refresh_from_db()
    assert person.email == "new@example.org"
    assert EmailAddress.objects.get(user=person, email="new@example.org").verified


def test_the_web_reset_page_is_rate_limited_with_a_429_page(settings: Any) -> None:
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "2/m/ip"}
    browser = Client(HTTP_ACCEPT_LANGUAGE="en", REMOTE_ADDR="198.51.100.200")
    for _attempt in range(2):
        page = browser.post("/accounts/password/reset/", {"email": "x@example.org"})
        assert page.status_code == 302
    limited = browser.post("/accounts/password/reset/", {"email": "x@example.org"})
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0
    assert b"Too many requests" in limited.content
