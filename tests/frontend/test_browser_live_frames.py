"""Every event of a debate reaches the open proposal pages as a frame and is drawn from it:
amendments proposed and decided, a new text version, the vote's opening, turnout and close
change three people's pages in Chromium without a single request, and each page shows
what its reader's rights give."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.frontend.conftest import Pages, Site, screenshot

pytestmark = pytest.mark.browser

LIVE = "tests.frontend.scenarios_live"


def _text(locator: Any) -> str:
    """The text shown, with French typography's no-break spaces read as spaces."""
    return " ".join(str(locator.inner_text()).replace("\u00a0", " ").split())


def _open(pages: Pages, username: str, url: str) -> tuple[Any, list[str]]:
    page = pages.open(username)
    page.goto(url)
    page.locator("#live-status[data-state='connected']").wait_for()
    page.evaluate("window.__notReloaded = true")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    return page, requests


def test_amendments_a_new_version_and_the_vote_arrive_without_a_request(
    site: Site, pages: Pages
) -> None:
    data = site.call("debate_cooperative")
    url = f"/proposals/{data['proposal']}/"
    # Karim is a member; Léa too, and she proposes; Claire chairs the board and wrote the
    # proposal, so she decides amendments and runs the vote.
    bob, bob_requests = _open(pages, data["bob"], url)
    alice, alice_requests = _open(pages, data["alice"], url)
    chair, chair_requests = _open(pages, data["chair"], url)
    everyone = ((bob, bob_requests), (alice, alice_requests), (chair, chair_requests))

    # Léa proposes an amendment: each page draws it, with the forms its reader may use.
    first = site.call(
        "propose_amendment",
        module=LIVE,
        proposal=data["proposal"],
        username=data["alice"],
        body="Porter le tarif minimum à 5 € <script>alert(1)</script>au 1er janvier 2027.",
        title="Tarif des livraisons en 2027 : 5 €",
        reason="L'inflation <b>depuis</b> 2024",
    )
    for page, _requests in everyone:
        item = page.locator(f"#amendment-{first}")
        item.wait_for()
        assert item.locator(".amendment-heading").inner_text() == "Amendement 1 de Léa Petit"
        assert item.locator(".amendment-status").inner_text() == "Proposé"
        assert item.locator(".amendment-base").inner_text() == "sur la version 1"
        # The reason is text: the tag typed in it shows as typed, it is not markup.
        assert item.locator(".amendment-reason span").inner_text() == (
            "L'inflation <b>depuis</b> 2024"
        )
        item.locator("summary").click()
        assert _text(item.locator(".amendment-title-change")) == (
            "Titre : « Tarif des livraisons en 2027 » devient "
            "« Tarif des livraisons en 2027 : 5 € »."
        )
        # The changes come as the server escaped and marked them: insertions, deletions.
        assert item.locator(".diff ins").count() >= 1 and item.locator(".diff del").count() >= 1
        assert "tarif minimum" in _text(item.locator(".diff"))
        assert item.locator(".diff script").count() == 0
        assert page.locator("#no-amendments").count() == 0
    assert chair.locator(f"#amendment-{first} form[action$='/accept/']").count() == 1
    assert bob.locator(f"#amendment-{first} form").count() == 0
    assert alice.locator(f"#amendment-{first} form[action$='/withdraw/']").count() == 1
    assert alice.locator(f"#amendment-{first} form[action$='/accept/']").count() == 0

    # A second one, from Karim, which the board rejects with a note.
    second = site.call(
        "propose_amendment",
        module=LIVE,
        proposal=data["proposal"],
        username=data["bob"],
        body="Porter le tarif minimum à 6 €.",
        title="Tarif des livraisons en 2027",
        reason="",
    )
    bob.locator(f"#amendment-{second} form[action$='/withdraw/']").wait_for()
    assert bob.locator(f"#amendment-{second} .amendment-reason").count() == 0
    assert bob.locator(f"#amendment-{second} .amendment-heading").inner_text() == (
        "Amendement 2 de Karim Benali"
    )
    site.call(
        "decide_amendment",
        module=LIVE,
        amendment=second,
        username=data["chair"],
        accept=False,
        note="Trop haut",
    )
    for page, _requests in everyone:
        rejected = page.locator(f"#amendment-{second}")
        rejected.locator(".amendment-status.badge-error").wait_for()
        assert rejected.locator(".amendment-note span").inner_text() == "Trop haut"
        assert rejected.locator("form").count() == 0

    # The board accepts Léa's: a new text version, drawn from the frame's sanitized text.
    site.call("decide_amendment", module=LIVE, amendment=first, username=data["chair"], accept=True)
    for page, _requests in everyone:
        page.locator("#proposal-header[data-version='2']").wait_for()
        accepted = page.locator(f"#amendment-{first}")
        accepted.locator(".amendment-status.badge-ok").wait_for()
        assert accepted.locator(".amendment-status").inner_text() == "Accepté"
        assert accepted.locator("form").count() == 0
        assert page.locator("h1").inner_text() == "Tarif des livraisons en 2027 : 5 €"
        body = page.locator("#proposal-body")
        assert "5 €" in body.inner_text() and "4,50" not in body.inner_text()
        assert body.locator("script").count() == 0
        assert "texte en version 2" in page.locator("#proposal-version-line").inner_text()
        versions = page.locator("#proposal-versions a")
        assert versions.is_visible()
        assert _text(versions) == "2 versions : voir les modifications"
        assert versions.get_attribute("href") == f"{url}versions/2/"
    # The amendment form now offers the text in force.
    assert "5 €" in bob.locator("#amend-body").input_value()

    # The board opens the vote: the panel is drawn from the frame's figures.
    vote = site.call(
        "open_vote",
        module=LIVE,
        proposal=data["proposal"],
        username=data["chair"],
        title="Le tarif",
    )
    for page, _requests in everyone:
        page.locator(f"#turnout[data-vote='{vote}']").wait_for()
        assert page.locator("#vote .vote-title").inner_text() == "Le tarif"
        assert page.locator("#vote-status").inner_text() == "Ouvert"
        assert page.locator("#vote .vote-secret").count() == 1
        assert page.locator("#booth-link").get_attribute("href") == f"/votes/{vote}/"
        rows = page.locator("#turnout tbody tr")
        assert rows.count() == 4
        customers = page.locator("#turnout tbody tr", has_text="Customers")
        assert customers.locator("td").nth(0).inner_text() == "1"
        assert customers.locator("td").nth(1).inner_text() == "0"
        assert _text(page.locator("#turnout-caption")) == "Participation : 0 sur 4 associés"
        assert page.locator("#results-link").count() == 0
        assert page.locator("#proposal-status").inner_text() == "Au vote"
    assert chair.locator(f"#vote form[action='/votes/{vote}/close/'] #close-vote").count() == 1
    assert bob.locator("#close-vote").count() == 0
    assert bob.locator("#my-entries li").all_inner_texts() == ["Karim Benali n'a pas encore voté."]
    assert alice.locator("#my-entries li").all_inner_texts() == ["Léa Petit n'a pas encore voté."]

    # Léa votes: the turnout arrives with its figures.
    site.call("cast_as", username=data["alice"], vote_id=vote, choice="for")
    for page, _requests in everyone:
        customers = page.locator("#turnout tbody tr", has_text="Customers")
        customers.locator("td").nth(1).filter(has_text=re.compile(r"^1$")).wait_for()
        assert _text(page.locator("#turnout-caption")) == "Participation : 1 sur 4 associés"

    # The board closes it: the result link appears, the booth's goes.
    site.call("close_vote", module=LIVE, vote=vote, username=data["chair"])
    for page, _requests in everyone:
        page.locator("#results-link").wait_for()
        assert page.locator("#results-link").get_attribute("href") == f"/votes/{vote}/results/"
        assert page.locator("#booth-link").count() == 0
        assert page.locator("#close-vote").count() == 0
        page.locator("#proposal-status.badge-ok").wait_for()
        # "Not voted yet" is gone with the open vote.
        assert page.locator("#my-entries").count() == 0
    screenshot(bob, "proposal-live-frames-desktop")

    # Not one request from any of the three pages: no section was read again, nothing
    # reloaded.
    for page, requests in everyone:
        assert [r for r in requests if "/live/" in r] == []
        assert requests == []
        assert page.evaluate("window.__notReloaded === true")


def test_a_page_without_the_markup_reads_the_section_again(site: Site, pages: Pages) -> None:
    """The fallback stays for a state the page cannot draw: with its list of amendments
    gone, the next amendment is read from the server (and still shown)."""
    data = site.call("debate_cooperative")
    url = f"/proposals/{data['proposal']}/"
    bob, requests = _open(pages, data["bob"], url)
    bob.evaluate("document.getElementById('amendment-list').remove()")
    amendment = site.call(
        "propose_amendment",
        module=LIVE,
        proposal=data["proposal"],
        username=data["alice"],
        body="Porter le tarif minimum à 5 €.",
        title="Tarif des livraisons en 2027",
        reason="",
    )
    bob.locator(f"#amendment-{amendment}").wait_for()
    assert [r for r in requests if "/live/" in r] == [f"{site.url}{url}live/amendments/"]
    # The section read again brings its list and template back: the next one is drawn
    # from its frame again.
    again = site.call(
        "propose_amendment",
        module=LIVE,
        proposal=data["proposal"],
        username=data["alice"],
        body="Porter le tarif minimum à 6 €.",
        title="Tarif des livraisons en 2027",
        reason="",
    )
    bob.locator(f"#amendment-{again}").wait_for()
    assert len([r for r in requests if "/live/" in r]) == 1
