"""A local authority's representatives vote for their commune: one ballot, in its college."""

from __future__ import annotations

import pytest

from tests.frontend.conftest import Pages, Site, screenshot

pytestmark = pytest.mark.browser


def test_representative_votes_for_the_commune_which_counts_once_in_its_college(
    site: Site, pages: Pages
) -> None:
    data = site.call("debate_cooperative", open_vote=True, second_representative=True)

    mayor = pages.open(data["mayor"])
    mayor.goto("/organisations/")
    card = mayor.locator(".card", has_text="Commune de Villeurbanne")
    card.wait_for()
    assert "Local authorities" in card.inner_text()
    screenshot(mayor, "local-authority-desktop")
    card.get_by_role("link", name="Tarif des livraisons en 2027").first.click()
    mayor.wait_for_url(f"**/votes/{data['vote']}/")
    assert "Commune de Villeurbanne" in mayor.locator("#ballot-heading + p").inner_text()
    mayor.locator("#choice-ballot-for").check()
    mayor.locator("#cast").click()
    mayor.locator(".message-success").wait_for()

    # The other representative finds the commune's ballot cast; changing it replaces it.
    deputy = pages.open(data["deputy"])
    deputy.goto(f"/votes/{data['vote']}/")
    status = deputy.locator("#ballot-heading + p").inner_text()
    assert "Commune de Villeurbanne" in status
    deputy.locator("#choice-ballot-against").check()
    deputy.locator("#cast").click()
    deputy.locator(".message-success").wait_for()

    counts = site.call("ballots_of", vote_id=data["vote"])
    assert counts["voted_members"] == ["Commune de Villeurbanne"]
    assert counts["voted_by_college"] == {"Local authorities": 1}
    assert counts["ballots_by_college"] == {"Local authorities": 1}

    board = pages.open(data["chair"])
    board.on("dialog", lambda dialog: dialog.accept())
    board.goto(f"/votes/{data['vote']}/")
    board.locator("#close-vote").click()
    board.wait_for_url("**/results/")
    row = board.locator("#college-breakdown tbody tr", has_text="Local authorities")
    cells = row.locator("td")
    assert [cells.nth(i).inner_text() for i in (1, 2, 3, 4)] == ["1", "1", "0", "1"]
    for college in ("Couriers", "Customers", "Restaurants"):
        other = board.locator("#college-breakdown tbody tr", has_text=college).locator("td")
        assert other.nth(2).inner_text() == "0"
