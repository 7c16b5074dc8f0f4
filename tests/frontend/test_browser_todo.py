"""The "To do" list of the home page, as a member, a commune's representative and a proxy
holder see it in Chromium."""

from __future__ import annotations

from typing import Any

import pytest

from tests.frontend.conftest import Pages, Site, screenshot

pytestmark = pytest.mark.browser


def _items(page: Any) -> list[dict[str, str]]:
    page.goto("/")
    page.locator("#todo-heading").wait_for()
    rows = []
    for item in page.locator("#todo-list .todo-item").all():
        rows.append(
            {
                "kind": item.get_attribute("data-kind") or "",
                "state": item.get_attribute("data-state") or "",
                "title": item.locator("strong").inner_text(),
                "why": item.locator(".todo-why").inner_text(),
                "mark": item.locator(".mark").inner_text(),
            }
        )
    return rows


def test_each_person_sees_what_waits_for_them_and_why(site: Site, pages: Pages) -> None:
    data = site.call("todo_cooperative")

    # Léa, a member who holds Karim's proxy for the sooner vote.
    lea = pages.open(data["alice"])
    items = _items(lea)
    assert lea.locator("#todo-heading").inner_text() == "À faire"
    soon = [i for i in items if i["title"] == "Horaires de la permanence"]
    assert [(i["kind"], i["mark"]) for i in soon] == [("vote", "à voter"), ("proxy", "à voter")]
    assert "Vous êtes sur la liste des votants." in soon[0]["why"]
    assert "Karim Benali vous a donné son pouvoir" in soon[1]["why"]
    # Sorted by deadline: the vote closing in two days comes before the one without a close.
    titles = [i["title"] for i in items if i["state"] == "todo"]
    assert titles.index("Horaires de la permanence") < titles.index("Tarif des livraisons en 2027")
    screenshot(lea, "todo-member-proxy-holder")

    site.call("cast_as", username=data["alice"], vote_id=data["vote"], choice="for")
    after = {(i["kind"], i["title"]): i for i in _items(lea)}
    assert after[("vote", "Tarif des livraisons en 2027")]["mark"] == "a voté"
    assert after[("vote", "Tarif des livraisons en 2027")]["state"] == "done"
    # The lists of votes mark the same for the reader.
    lea.goto(f"/c/{data['slug']}/votes/")
    marks = lea.locator("[data-mark]").all_inner_texts()
    assert "a voté" in marks and "à voter" in marks

    # The commune's representative: the votes are the commune's, and the list says so.
    mayor = pages.open(data["mayor"])
    for_commune = [i for i in _items(mayor) if i["kind"] == "vote"]
    assert {i["title"] for i in for_commune} == {
        "Horaires de la permanence",
        "Tarif des livraisons en 2027",
    }
    assert all("Vous représentez Commune de Villeurbanne." in i["why"] for i in for_commune)
    screenshot(mayor, "todo-representative")

    # Karim gave his proxy: his own ballot still waits for him on that vote.
    karim = pages.open(data["bob"], locale="en-GB")
    mine = [i for i in _items(karim) if i["title"] == "Horaires de la permanence"]
    assert [(i["kind"], i["mark"]) for i in mine] == [("vote", "to vote")]
