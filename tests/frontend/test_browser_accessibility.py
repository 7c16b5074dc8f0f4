"""axe-core on every page, at desktop and phone width, with screenshots of each."""

from __future__ import annotations

from typing import Any

import pytest

from tests.frontend.conftest import Pages, Site, screenshot, serious_violations

pytestmark = pytest.mark.browser


def _pages(data: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """(screenshot name, who looks, address) for every page of the interface."""
    slug, proposal = data["slug"], data["proposal"]
    votes = data["votes"]
    return [
        ("sign-in", None, "/accounts/login/"),
        ("home", data["alice"], "/"),
        ("cooperative", data["alice"], f"/c/{slug}/"),
        ("local-authority", data["mayor"], "/organisations/"),
        ("notifications", data["alice"], "/notifications/"),
        ("api-tokens", data["alice"], "/accounts/tokens/"),
        ("observer-organisations", data["observer"], "/organisations/"),
        ("proposals", data["alice"], f"/c/{slug}/proposals/"),
        ("proposal", data["alice"], f"/proposals/{proposal}/"),
        ("proposal-board", data["chair"], f"/proposals/{proposal}/"),
        ("proposal-version", data["alice"], f"/proposals/{proposal}/versions/2/"),
        ("votes", data["chair"], f"/c/{slug}/votes/"),
        ("booth-majority-judgment", data["alice"], f"/votes/{votes['majority_judgment']}/"),
        ("booth-approval-proxy", data["alice"], f"/votes/{votes['approval']}/"),
        ("booth-ranked", data["alice"], f"/votes/{votes['ranked']}/"),
        ("booth-consent", data["bob"], f"/votes/{votes['consent']}/"),
        ("results", data["alice"], f"/votes/{data['closed_vote']}/results/"),
        ("results-secret", data["alice"], f"/votes/{data['secret_vote']}/results/"),
        ("secret-box", data["alice"], f"/votes/{data['secret_vote']}/box/"),
        ("secret-trackers", data["alice"], f"/votes/{data['secret_vote']}/trackers/"),
        *[
            (f"board-{url.strip('/').split('/', 3)[-1].replace('/', '-')}", data["chair"], url)
            for url in data["board_pages"]
        ],
    ]


def test_every_page_has_no_serious_accessibility_violation(site: Site, pages: Pages) -> None:
    data = site.call("showcase")
    found: dict[str, Any] = {}
    signed_in: dict[tuple[str | None, bool], Any] = {}
    for name, who, url in _pages(data):
        for phone in (False, True):
            key = (who, phone)
            if key not in signed_in:
                signed_in[key] = pages.open(who, phone=phone)
            page = signed_in[key]
            response = page.goto(url)
            assert response is not None and response.status == 200, (url, response)
            violations = serious_violations(page)
            if violations:
                found[f"{name} ({'phone' if phone else 'desktop'})"] = violations
            screenshot(page, f"{name}-{'phone' if phone else 'desktop'}")
    assert not found, found


def test_secret_ballot_tracker_is_found_counted(site: Site, pages: Pages) -> None:
    data = site.call("showcase")
    page = pages.open(data["alice"])
    page.goto(f"/votes/{data['secret_vote']}/results/")
    page.locator("#receipt-code").fill(data["receipt"])
    page.locator("#receipt-check button[type=submit]").click()
    result = page.locator("#receipt-result.alert-ok")
    result.wait_for()
    # Counted, and nothing about the choice.
    assert "Claire" not in result.inner_text()
    page.locator("#receipt-code").fill("NOT-A-RECEIPT")
    page.locator("#receipt-check button[type=submit]").click()
    page.locator("#receipt-result.alert-error").wait_for()


def test_keyboard_reaches_the_content_first_and_sees_where_it_is(site: Site, pages: Pages) -> None:
    """The first Tab lands on the skip link, which moves focus to the main content; every
    focused control shows a visible outline."""
    data = site.call("debate_cooperative")
    page = pages.open(data["alice"])
    page.goto(f"/proposals/{data['proposal']}/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip-link"
    assert page.evaluate("getComputedStyle(document.activeElement).top") != "-48px"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline == "solid", outline
    # The comment form is reached with the keyboard alone and posts.
    for _ in range(40):
        if page.evaluate("document.activeElement.id") == "new-comment":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "new-comment"
    page.keyboard.type("Envoyé au clavier.")
    page.keyboard.press("Tab")
    while page.evaluate("document.activeElement.type") != "submit":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator("#comment-list li.comment", has_text="Envoyé au clavier.").wait_for()
