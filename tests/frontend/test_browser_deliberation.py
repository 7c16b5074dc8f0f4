"""Two members debate and vote live in Chromium; the board closes; both read the result."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.frontend.conftest import Pages, Site, screenshot

pytestmark = pytest.mark.browser


def _wait_live(page: Any) -> None:
    page.locator("#live-status[data-state='connected']").wait_for()


def test_two_members_debate_live_vote_and_read_the_result_by_college(
    site: Site, pages: Pages
) -> None:
    data = site.call("debate_cooperative")
    proposal_url = f"/proposals/{data['proposal']}/"
    alice = pages.open(data["alice"])
    bob = pages.open(data["bob"])
    for page in (alice, bob):
        page.goto(proposal_url)
        _wait_live(page)
        page.evaluate("window.__notReloaded = true")

    # Léa posts; Karim sees the comment appear without reloading his page.
    alice.locator("#new-comment").fill("Je suis pour : 4,50 € reste juste pour les coursiers.")
    alice.locator("#stance-n-for").check()
    alice.locator("form.comment-form button[type=submit]").click()
    comment = bob.locator("#comment-list > li.comment").filter(has_text="4,50 € reste juste")
    comment.wait_for()
    assert "Léa Petit" in comment.inner_text()
    assert bob.evaluate("window.__notReloaded === true")
    # Karim answers in the thread; Léa sees the reply nested under her comment.
    bob.locator("#comment-list > li.comment .comment-actions details summary").first.click()
    reply = bob.locator("#comment-list details[open] form")
    reply.locator("textarea[name=body]").fill("Et pour les restaurants ?")
    reply.locator("button[type=submit]").click()
    alice.locator("#comment-list li.comment .replies li.comment").filter(
        has_text="Et pour les restaurants"
    ).wait_for()
    assert alice.evaluate("window.__notReloaded === true")
    # Presence: each sees two people in the room.
    alice.locator("#presence").filter(has_text="2").wait_for()
    screenshot(alice, "proposal-live-desktop")

    # The board opens the vote; the members' pages show it without a reload.
    board = pages.open(data["chair"])
    board.on("dialog", lambda dialog: dialog.accept())
    board.goto(proposal_url)
    board.locator("#vote details summary").click()
    board.locator("#vote form button[type=submit]").click()
    board.locator("#vote form[action$='/open/'] button").click()
    board.locator("#close-vote").wait_for()
    for page in (alice, bob):
        page.locator("#booth-link").wait_for()
        page.locator("#turnout").wait_for()
        assert page.evaluate("window.__notReloaded === true")

    # Both vote in the booth. Karim, still on the proposal, sees Léa's ballot counted: the
    # turnout event carries the figures, and the panel is updated without fetching it.
    panel_fetches: list[str] = []
    bob.on("request", lambda r: panel_fetches.append(r.url) if "/live/vote/" in r.url else None)
    for page, answer in ((alice, "for"), (bob, "against")):
        page.locator("#booth-link").click()
        page.locator(f"#choice-ballot-{answer}").check()
        page.locator("#cast").click()
        page.locator(".message-success").wait_for()
        if page is alice:
            customers = bob.locator("#turnout tbody tr", has_text="Customers")
            customers.locator("td").nth(1).filter(has_text=re.compile(r"^1$")).wait_for()
            assert " 1 " in bob.locator("#turnout-caption").inner_text()
            assert bob.evaluate("window.__notReloaded === true")
            assert panel_fetches == []
        page.goto(proposal_url)
        _wait_live(page)
    screenshot(alice, "voting-booth-after-vote-desktop")

    # The board closes the vote; both members see the result link appear, then the result.
    board.goto(proposal_url)
    board.locator("#close-vote").click()
    board.wait_for_url("**/results/")
    for page in (alice, bob):
        page.locator("#results-link").wait_for()
        page.locator("#results-link").click()
        page.wait_for_url("**/results/")
        rows = page.locator("#college-breakdown tbody tr")
        assert rows.count() == 4
        customers = page.locator("#college-breakdown tbody tr", has_text="Customers")
        restaurants = page.locator("#college-breakdown tbody tr", has_text="Restaurants")
        assert customers.locator("td").nth(2).inner_text() == "1"
        assert customers.locator("td").nth(3).inner_text() == "1"
        assert restaurants.locator("td").nth(4).inner_text() == "1"
        assert page.locator("svg.chart").count() == 1
        assert page.locator("#explanation").inner_text().strip()
    screenshot(alice, "results-desktop")
    counts = site.call("ballots_of", vote_id=_vote_id(board))
    assert counts["ballots_by_college"] == {"Customers": 1, "Restaurants": 1}


def test_twenty_comments_arrive_without_a_single_request(site: Site, pages: Pages) -> None:
    """Comments are drawn from the room's frames: no fragment is fetched per event."""
    data = site.call("debate_cooperative")
    bob = pages.open(data["bob"])
    bob.goto(f"/proposals/{data['proposal']}/")
    _wait_live(bob)
    requests: list[str] = []
    bob.on("request", lambda r: requests.append(r.url))
    posted = site.call("post_comments", proposal=data["proposal"], username=data["alice"], count=20)
    assert len(posted) == 20
    items = bob.locator("#comment-list > li.comment")
    items.nth(19).wait_for()
    assert items.count() == 20
    assert requests == []
    last = bob.locator(f"#comment-{posted[-1]}")
    assert "Léa Petit" in last.inner_text()
    assert "Avis numéro 19" in last.locator(".rich-text").inner_text()
    # The body arrived sanitized: the script element is gone, the bold kept.
    assert last.locator(".rich-text script").count() == 0
    assert last.locator(".rich-text b").inner_text() == "gras"
    # Karim may reply and react, not edit Léa's comment.
    assert last.locator("form[action$='/edit/']").count() == 0
    assert last.locator(".comment-actions details summary").count() == 1
    # Reacting updates the count in both places, still from the frames.
    last.locator(".reactions button").first.click()
    last.locator(".reactions button[aria-pressed='true'] .count").filter(
        has_text=re.compile(r"^1$")
    ).wait_for()
    assert [url for url in requests if "/comments/" in url and "/react/" not in url] == []


def test_the_booth_turnout_table_updates_live(site: Site, pages: Pages) -> None:
    """Léa waits on the voting page; Karim's ballot shows in her turnout table at once."""
    data = site.call("debate_cooperative", open_vote=True)
    booth = f"/votes/{data['vote']}/"
    alice = pages.open(data["alice"])
    alice.goto(booth)
    alice.locator("#booth-turnout[data-live='true']").wait_for()
    alice.evaluate("window.__notReloaded = true")
    restaurants = alice.locator("#booth-turnout tbody tr", has_text="Restaurants")
    assert restaurants.locator("td").nth(1).inner_text() == "0"
    bob = pages.open(data["bob"])
    bob.goto(booth)
    bob.locator("#choice-ballot-against").check()
    bob.locator("#cast").click()
    bob.locator(".message-success").wait_for()
    restaurants.locator("td").nth(1).filter(has_text=re.compile(r"^1$")).wait_for()
    total = alice.locator("#booth-turnout tfoot tr td").nth(1)
    assert total.inner_text() == "1"
    assert alice.evaluate("window.__notReloaded === true")


def _vote_id(page: Any) -> int:
    return int(page.url.rstrip("/").split("/")[-2])


def test_without_javascript_the_debate_reads_and_forms_still_post(site: Site, pages: Pages) -> None:
    data = site.call("debate_cooperative", open_vote=True)
    page = pages.open(data["alice"], javascript=False)
    page.goto(f"/proposals/{data['proposal']}/")
    assert "4,50" in page.locator(".proposal-text").inner_text()
    page.locator("#new-comment").fill("Sans JavaScript, le formulaire part quand même.")
    page.locator("form.comment-form button[type=submit]").click()
    page.locator(".message-success").wait_for()
    assert page.locator("#comment-list li.comment", has_text="Sans JavaScript").count() == 1
    page.goto(f"/votes/{data['vote']}/")
    page.locator("#choice-ballot-abstain").check()
    page.locator("#cast").click()
    page.locator(".message-success").wait_for()
    counts = site.call("ballots_of", vote_id=data["vote"])
    assert counts["ballots_by_college"] == {"Customers": 1}
