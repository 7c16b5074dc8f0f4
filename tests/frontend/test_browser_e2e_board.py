"""The board's pages of votes counted end to end, in Chromium and in both languages: the
chair names an electoral board through the form, follows the key ceremony as trustees
post their steps with the trustee tool's code, then sets a secret vote up end to end."""

from __future__ import annotations

import pytest

from tests.frontend.conftest import PHONE, Pages, Site, screenshot

pytestmark = pytest.mark.browser

SCENARIOS = "tests.frontend.scenarios_e2e"
WORDS = {
    "fr": {"named": "Le bureau de vote est nommé", "set up": "dépouillé de bout en bout"},
    "en": {"named": "The electoral board is named", "set up": "counted end to end"},
}


@pytest.mark.parametrize("locale,lang", [("fr-FR", "fr"), ("en-GB", "en")])
def test_the_chair_names_a_board_follows_its_ceremony_and_sets_a_vote_up(
    site: Site, pages: Pages, locale: str, lang: str
) -> None:
    data = site.call("e2e_board_coop", module=SCENARIOS)
    page = pages.open(data["chair"], locale=locale)
    page.goto(f"/c/{data['slug']}/board/electoral-boards/")
    assert page.evaluate("document.documentElement.lang") == lang

    # The search narrows the lists of people, without any script.
    page.locator("#trustee-search").fill(data["names"][0])
    page.locator("#trustee-search-form button[type=submit]").click()
    options = page.locator("#seat-0-person option").all_inner_texts()
    assert any(data["names"][0] in o for o in options)
    assert not any(data["names"][1] in o for o in options)
    page.goto(f"/c/{data['slug']}/board/electoral-boards/")

    for i, person in enumerate(data["people"]):
        page.locator(f"#seat-{i}-person").select_option(str(person))
    assert page.locator("#seat-0-role").input_value() == "chair"
    assert page.locator("#id_threshold").input_value() == "3"
    screenshot(page, f"e2e-board-form-{lang}")
    page.locator("#name-board-button").click()
    page.wait_for_url("**/board/electoral-boards/*/")
    assert WORDS[lang]["named"] in page.content()
    board = int(page.url.rstrip("/").rsplit("/", 1)[1])
    assert page.locator("#ceremony-step").get_attribute("data-step") == "certificates"
    assert page.locator('#ceremony-trustees [data-posted="yes"]').count() == 0
    assert f"--board {board} " in page.locator("#ceremony-command").inner_text()

    site.call("e2e_board_certificates", module=SCENARIOS, board=board)
    page.reload()
    assert page.locator("#ceremony-step").get_attribute("data-step") == "commitments"
    assert page.locator('#ceremony-trustees [data-posted="yes"]').count() == 5
    screenshot(page, f"e2e-board-ceremony-{lang}")

    public_key = site.call("e2e_board_finish", module=SCENARIOS, board=board)
    page.reload()
    assert page.locator("#ceremony-step").get_attribute("data-step") == "done"
    assert page.locator('#ceremony-trustees [data-posted="yes"]').count() == 15
    assert page.locator("#board-public-key").inner_text() == public_key
    screenshot(page, f"e2e-board-ready-{lang}")

    page.goto(f"/votes/{data['vote']}/")
    page.locator("#e2e-board").select_option(str(board))
    page.locator("#e2e-setup").click()
    page.locator("#e2e-elections").wait_for(state="visible")
    assert WORDS[lang]["set up"] in page.content()
    rows = page.locator("#e2e-elections tbody tr")
    assert rows.count() == 4
    assert {rows.nth(i).get_attribute("data-status") for i in range(4)} == {"credentials"}
    assert not page.locator("#close-vote").count()
    screenshot(page, f"e2e-vote-setup-{lang}")

    # On a phone, the board's page and the vote's panel fit the screen's width.
    phone = pages.open(data["chair"], locale=locale, phone=True)
    for path, name in (
        (f"/c/{data['slug']}/board/electoral-boards/{board}/", f"e2e-board-ready-{lang}-phone"),
        (f"/votes/{data['vote']}/", f"e2e-vote-setup-{lang}-phone"),
    ):
        phone.goto(path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (name, width)
        screenshot(phone, name)
