"""Onboarding in Chromium against real servers started by the test: an SMTP server
(aiosmtpd) that receives the invitation, and an OpenID Connect provider (Authlib) that
signs an agent in."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.frontend.conftest import Pages, Site, _require_chromium, launch_site, screenshot
from tests.frontend.oidc_provider import RunningProvider, start_provider

pytestmark = pytest.mark.browser

SCENARIOS = "tests.frontend.scenarios_onboarding"
CLIENT_ID = "collegia-test"
CLIENT_SECRET = "s3cret-of-the-test-client"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Inbox:
    """What the SMTP server received."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(message)  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def wait_for(self, address: str, timeout: float = 30) -> email.message.EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for message in self.messages:
                if address in str(message["To"]):
                    return message
            time.sleep(0.1)
        raise AssertionError(f"No e-mail reached {address}: {[m['To'] for m in self.messages]}")


@pytest.fixture(scope="module")
def smtp() -> Iterator[tuple[Inbox, int]]:
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture(scope="module")
def onboarding_site(
    tmp_path_factory: pytest.TempPathFactory, smtp: tuple[Inbox, int]
) -> Iterator[tuple[Site, RunningProvider]]:
    """The test server, sending its e-mail by SMTP to the test's server and offering single
    sign-on with the test's provider."""
    _require_chromium()
    port = _free_port()
    provider = start_provider(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_prefix=f"http://127.0.0.1:{port}/accounts/oidc/",
    )
    env = {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(smtp[1]),
        "DEFAULT_FROM_EMAIL": "collegia@coop.example",
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}",
        "OIDC_SERVER_URL": provider.url,
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_PROVIDER_ID": "metropole",
        "OIDC_PROVIDER_NAME": "Métropole",
    }
    database = tmp_path_factory.mktemp("onboarding") / "browser.sqlite3"
    try:
        with launch_site(database, port, env, ready_timeout=300) as site:
            yield site, provider
    finally:
        provider.close()


class _PatientPages(Pages):
    """Pages with longer waits: the machine running the suite may be busy."""

    def open(self, username: str | None = None, **kwargs: Any) -> Any:
        page = super().open(None, **kwargs)
        page.context.set_default_timeout(60_000)
        if username:
            from tests.frontend.conftest import sign_in

            sign_in(page, username)
        return page


@pytest.fixture
def browser_pages(
    onboarding_site: tuple[Site, RunningProvider], chromium_browser: Any
) -> Iterator[Pages]:
    opened = _PatientPages(chromium_browser, onboarding_site[0])
    try:
        yield opened
    finally:
        opened.close()


def test_the_board_invites_by_email_and_the_link_leads_to_a_first_sign_in(
    onboarding_site: tuple[Site, RunningProvider],
    smtp: tuple[Inbox, int],
    browser_pages: Pages,
) -> None:
    site, _provider = onboarding_site
    inbox = smtp[0]
    data = site.call("onboarding_cooperative", module=SCENARIOS)

    board = browser_pages.open(data["chair"])
    board.goto(f"/c/{data['slug']}/board/onboarding/")
    form = board.locator("#associate-add")
    form.get_by_label("Nom").fill("Nadia Benali")
    form.get_by_label("Adresse e-mail").fill("nadia@coop.example")
    form.get_by_label("Collège").select_option(label="Workers")
    form.get_by_label("Catégorie").select_option(label="Salariés")
    form.get_by_label("Parts").fill("2")
    form.get_by_role("button", name="Ajouter et inviter").click()
    board.locator(".message-success").wait_for()
    row = board.locator("#invitations tbody tr", has_text="nadia@coop.example")
    assert "En attente" in row.inner_text()
    screenshot(board, "onboarding-board-desktop")

    message = inbox.wait_for("nadia@coop.example")
    assert data["name"] in str(message["Subject"])
    body = message.get_body(preferencelist=("plain",)).get_content()  # type: ignore[union-attr]
    link = re.search(r"http://127\.0\.0\.1:\d+/invitations/[\w-]+/", body)
    assert link, body

    newcomer = browser_pages.open()
    newcomer.goto(link.group(0))
    newcomer.locator("#id_password1").fill("un-mot-de-passe-solide-42")
    newcomer.locator("#id_password2").fill("un-mot-de-passe-solide-42")
    newcomer.get_by_role("button", name="Enregistrer mon mot de passe").click()
    newcomer.wait_for_url(f"**/c/{data['slug']}/")
    assert "Nadia Benali" in newcomer.locator(".signout .who").inner_text()
    screenshot(newcomer, "onboarding-first-sign-in-desktop")

    # The link was used once; later the person signs in by e-mail with the password.
    used = browser_pages.open()
    used.goto(link.group(0))
    assert "déjà servi" in used.locator("#invitation-error").inner_text()
    used.goto("/accounts/login/")
    used.locator("#id_username").fill("nadia@coop.example")
    used.locator("#id_password").fill("un-mot-de-passe-solide-42")
    used.locator("form[action='/accounts/login/'] button[type=submit]").click()
    used.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))
    assert "Nadia Benali" in used.locator(".signout .who").inner_text()
    state = site.call("person_state", module=SCENARIOS, email="nadia@coop.example")
    assert state["verified"] and state["memberships"] == ["active"]


def test_an_agent_signs_in_through_the_organisations_openid_connect_provider(
    onboarding_site: tuple[Site, RunningProvider], browser_pages: Pages
) -> None:
    site, provider = onboarding_site
    data = site.call("onboarding_cooperative", module=SCENARIOS)
    # The board named the agent an observer by e-mail before they ever signed in.
    site.call(
        "observer_by_email",
        module=SCENARIOS,
        slug=data["slug"],
        chair=data["chair"],
        email="agent@metropole.example",
        person_name="Agathe Agent",
    )
    provider.add_agent("agent@metropole.example", "Agathe Agent")

    page = browser_pages.open()
    page.goto("/accounts/login/")
    page.get_by_role("button", name="Se connecter avec Métropole").click()
    page.wait_for_url(f"{provider.url}/authorize**")
    page.locator("#email").fill("agent@metropole.example")
    page.locator("#approve").click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/$"))
    assert "Agathe Agent" in page.locator(".signout .who").inner_text()
    # The observer's cooperative is on the agent's home page.
    assert data["name"] in page.locator("main").inner_text()
    screenshot(page, "onboarding-sso-home-desktop")

    state = site.call("person_state", module=SCENARIOS, email="agent@metropole.example")
    # One account: the one the invitation made, now connected to the provider.
    assert state["people"] == 1 and state["social"] == 1
    # Discovery, keys, token exchange and userinfo really went over HTTP.
    for call in ("GET /.well-known/openid-configuration", "POST /token", "GET /userinfo"):
        assert call in provider.provider.requests, provider.provider.requests


def test_the_login_page_offers_the_provider_and_the_reset_link(
    onboarding_site: tuple[Site, RunningProvider], browser_pages: Pages
) -> None:
    page = browser_pages.open()
    page.goto("/accounts/login/")
    assert page.get_by_role("button", name="Se connecter avec Métropole").is_visible()
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.wait_for_url("**/accounts/password/reset/")
    assert page.locator("h1").inner_text().strip() != ""
    screenshot(page, "onboarding-reset-desktop")


del asyncio
