"""What a person sees on the pages they must trust, in Chromium: the result on a phone,
the booth of every method with JavaScript off, the audit log, the member list."""

from __future__ import annotations

from typing import Any

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


METHODS: list[tuple[str, str, str, str, Any]] = [
    # (method, title, options, grades, Léa's ballot as stored)
    ("resolution", "Ouvrir le samedi", "", "", "for"),
    ("consent", "Charte des livraisons", "", "", None),
    ("approval", "Nouveaux quartiers", "Croix-Luizet\nGratte-Ciel\nCusset", "", None),
    ("majority_judgment", "Couleur des sacs", "Vert\nOrange", "Non\nPeut-être\nOui", None),
    ("ranked", "Ordre des chantiers", "Vélos\nEntrepôt\nSite web", "", None),
]


def test_the_board_creates_each_method_from_the_web_and_each_booth_works_without_javascript(
    site: Site, pages: Pages
) -> None:
    demo = site.call("demo_everything")
    slug = "coursiers-solidaires"
    board = pages.open("claire", password=demo["password"], javascript=False)
    lea = pages.open("lea", password=demo["password"], javascript=False)
    for method, title, options, grades, expected in METHODS:
        board.goto(f"/c/{slug}/votes/")
        form = board.locator("#poll-form")
        form.locator("#id_title").fill(title)
        form.locator("#id_method").select_option(method)
        form.locator("#id_options").fill(options)
        form.locator("#id_grades").fill(grades)
        form.locator("button[type=submit]").click()
        board.wait_for_url(lambda url: "/votes/" in url and f"/c/{slug}/" not in url)
        board.get_by_role("button", name="Ouvrir le vote").click()
        board.locator(".alert-ok, .messages .success, [role=status]").first.wait_for()
        vote_url = board.url.split("#")[0]

        lea.goto(vote_url)
        ballot = lea.locator("#ballot-form")
        if method == "resolution":
            ballot.get_by_label("Pour", exact=True).check()
        elif method == "consent":
            ballot.locator("input[name=choice]").first.check()
        elif method == "approval":
            ballot.get_by_label("Gratte-Ciel").check()
            ballot.get_by_label("Cusset").check()
        elif method == "majority_judgment":
            # The board's own grades, worst first, are the booth's columns.
            headers = ballot.locator("thead th").all_inner_texts()
            assert headers[1:] == ["Non", "Peut-être", "Oui"]
            ballot.locator("#grade-ballot-0-2").check()
            ballot.locator("#grade-ballot-1-0").check()
        else:
            ballot.locator("#rank-ballot-1").select_option("1")
            ballot.locator("#rank-ballot-0").select_option("2")
        ballot.locator("#cast").click()
        lea.wait_for_load_state()
        vote_id = int(vote_url.rstrip("/").split("/")[-1])
        [[voter, choice]] = site.call("current_choices", vote_id=vote_id)
        assert voter == "Léa Dubois", method
        if method == "resolution":
            assert choice == expected
        elif method == "consent":
            assert isinstance(choice, str) and choice
        elif method == "approval":
            assert sorted(choice) == ["Cusset", "Gratte-Ciel"]
        elif method == "majority_judgment":
            assert choice == {"Vert": "Oui", "Orange": "Non"}
        else:
            assert choice[0] == ["Entrepôt"] and choice[1] == ["Vélos"]


def test_the_audit_log_on_a_phone_reads_whole_sentences_and_folds_the_hashes(
    site: Site, pages: Pages
) -> None:
    demo = site.call("demo_everything")
    page = pages.open("claire", password=demo["password"], phone=True)
    page.goto("/c/coursiers-solidaires/board/audit/?kind=members&person=L%C3%A9a")
    first = page.locator("#audit-list li.audit-line").first
    sentence = first.locator(".audit-sentence")
    assert "Léa Dubois" in sentence.inner_text()
    # Nothing cut: the sentence wraps inside the phone's width, the page does not scroll
    # sideways, and the hash stays folded until asked for.
    box = sentence.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    proof = first.locator("details.audit-proof")
    assert not proof.locator(".hash").first.is_visible()
    proof.locator("summary").click()
    assert proof.locator(".hash").first.is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    screenshot(page, "audit-phone")


def test_the_member_search_works_without_javascript(site: Site, pages: Pages) -> None:
    demo = site.call("demo_everything")
    page = pages.open("claire", password=demo["password"], javascript=False)
    page.goto("/c/coursiers-solidaires/board/members/?status=active")
    page.locator("#member-search").fill("Dubois")
    page.locator("form[role=search] button[type=submit]").click()
    page.locator("#search-summary").wait_for()
    assert "1 résultat" in page.locator("#search-summary").inner_text()
    assert page.locator(".membership-list > li").count() == 1
    assert "Léa Dubois" in page.locator(".membership-list").inner_text()


def test_the_representative_sees_herself_for_her_commune(site: Site, pages: Pages) -> None:
    demo = site.call("demo_everything")
    page = pages.open("mairie.villeurbanne", password=demo["password"], phone=True)
    page.goto("/c/coursiers-solidaires/")
    who = page.locator(".signout .who")
    assert who.is_visible()
    assert "Nadia Ferrand" in who.inner_text()
    assert "pour Commune de Villeurbanne" in who.inner_text()
    icon = page.locator("link[rel=icon]").get_attribute("href")
    assert icon and page.request.get(icon).ok
