"""What a person sees on the pages they must trust, in Chromium: the result on a phone,
the booth of every method with JavaScript off, the audit log, the member list."""

from __future__ import annotations

import pytest

from tests.frontend.conftest import Pages, Site, screenshot

pytestmark = pytest.mark.browser


def test_results_on_a_phone_are_cards_with_the_weighted_support(site: Site, pages: Pages) -> None:
    data = site.call("showcase")
    page = pages.open(data["alice"], phone=True)
    page.goto(f"/votes/{data['closed_vote']}/results/")
    cards = page.locator("#college-cards")
    assert cards.is_visible()
    assert not page.locator("#college-breakdown").is_visible()
    assert cards.locator("li.college-card[data-college]").count() == 4
    first = cards.locator("li.college-card[data-college]").first
    assert "Soutien pondéré" in first.inner_text()
    assert "Soutien pondéré, tous collèges" in cards.inner_text()
    # Nothing on the page is wider than the phone: no hidden scrolling to find a figure.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    # The key line says what the bars show; the threshold is labelled inside the chart.
    assert "voix exprimées" in page.locator("#chart-key").inner_text()
    label = page.locator("#result-chart .threshold-label")
    assert (label.text_content() or "").startswith("Seuil de majorité")
    chart = page.locator("#result-chart").bounding_box()
    box = label.bounding_box()
    assert (
        chart
        and box
        and box["x"] >= chart["x"]
        and box["x"] + box["width"] <= (chart["x"] + chart["width"] + 1)
    )
    screenshot(page, "results-cards-phone")

    desktop = pages.open(data["alice"])
    desktop.goto(f"/votes/{data['closed_vote']}/results/")
    assert desktop.locator("#college-breakdown").is_visible()
    assert not desktop.locator("#college-cards").is_visible()
