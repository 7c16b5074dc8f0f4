"""The colleges-and-weights editor in Chromium: the live check names the colleges at fault."""

from __future__ import annotations

from typing import Any

import pytest

from tests.frontend.conftest import Pages, Site, screenshot

pytestmark = pytest.mark.browser

NAMES = ["Couriers", "Customers", "Restaurants", "Local authorities", "Volunteers", "Partners"]


def _fill(page: Any, weights: list[str]) -> None:
    for index, weight in enumerate(weights):
        page.locator(f"#weight-{index}").fill(weight)


def test_board_cannot_save_30_30_15_15_5_5_then_saves_corrected_weights(
    site: Site, pages: Pages
) -> None:
    data = site.call("board_cooperative")
    before = site.call("colleges_current", slug=data["slug"])
    page = pages.open(data["chair"])
    page.goto(f"/c/{data['slug']}/board/colleges/")

    # Four colleges exist; the two new ones are added with the page's own button.
    for index in (4, 5):
        assert page.locator(f"#name-{index}").is_hidden()
        page.locator("#add-row").click()
        page.locator(f"#name-{index}").fill(NAMES[index])
    _fill(page, ["30", "30", "15", "15", "5", "5"])

    errors = page.locator("#live-check .alert-error li")
    errors.first.wait_for()
    texts = errors.all_inner_texts()
    assert len(texts) == 2, texts
    assert "Volunteers" in texts[0] and "Partners" in texts[1]
    assert not any(name in " ".join(texts) for name in NAMES[:4])
    for index in range(6):
        invalid = page.locator(f"#weight-{index}").get_attribute("aria-invalid")
        assert (invalid == "true") == (index >= 4)
    assert page.locator("#save-colleges").is_disabled()
    screenshot(page, "colleges-editor-refused-desktop")

    # Pressing Enter in a field does not send the refused configuration either.
    page.locator("#weight-5").press("Enter")
    page.wait_for_timeout(300)
    assert page.url.endswith("/board/colleges/")
    assert site.call("colleges_current", slug=data["slug"]) == before

    _fill(page, ["30", "20", "15", "15", "10", "10"])
    page.locator("#live-check .alert-ok").wait_for()
    assert page.locator("#live-check .alert-error").count() == 0
    assert page.locator("#save-colleges").is_enabled()
    page.locator("#reason").fill("Assemblée générale extraordinaire")
    page.locator("#save-colleges").click()
    page.locator(".message-success").wait_for()

    assert site.call("colleges_current", slug=data["slug"]) == [
        ["Couriers", "30"],
        ["Customers", "20"],
        ["Restaurants", "15"],
        ["Local authorities", "15"],
        ["Volunteers", "10"],
        ["Partners", "10"],
    ]


CONFIGURATIONS = [
    [("A", "30"), ("B", "30"), ("C", "15"), ("D", "15"), ("E", "5"), ("F", "5")],
    [("A", "60"), ("B", "40")],
    [("A", "50"), ("B", "50")],
    [("A", "33,33"), ("B", "33.33"), ("C", "33.34")],
    [("A", "40"), ("B", "40"), ("C", "19.99")],
    [("A", "40"), ("a ", "40"), ("C", "20")],
    [("", "50"), ("B", "50")],
    [("Only", "100")],
    [("A", "9.99"), ("B", "50.01"), ("C", "40")],
    [(f"C{i}", "9") for i in range(10)],
]


def test_live_check_says_exactly_what_the_server_says(site: Site, pages: Pages) -> None:
    """The browser's check and governance.validation give the same messages, in French."""
    data = site.call("board_cooperative")
    page = pages.open(data["chair"])
    page.goto(f"/c/{data['slug']}/board/colleges/")
    for configuration in CONFIGURATIONS:
        entries = [{"name": name, "weight": weight} for name, weight in configuration]
        browser = page.evaluate(
            "(entries) => { const r = window.CollegiaColleges.check(entries);"
            " return {errors: r.errors.map(p => p.message),"
            " warnings: r.warnings.map(p => p.message)}; }",
            entries,
        )
        server = site.call("validation_messages", colleges=configuration)
        assert browser == server, configuration
