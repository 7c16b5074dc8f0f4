"""In Chromium: older threads of a long debate come in place ("more" without a reload) or
by link without JavaScript; the booth's proxy holder is found by a search, with or without
JavaScript."""

from __future__ import annotations

from typing import Any

import pytest

from tests.frontend.conftest import Pages, Site

pytestmark = pytest.mark.browser

THREADS = 25  # more than one page of threads (20)


def _thread_numbers(page: Any) -> list[int]:
    texts = page.locator("#comment-list > li.comment > article .rich-text").all_inner_texts()
    return [int(text.split()[-1]) for text in texts if text.startswith("Fil numéro")]


def test_older_threads_load_in_place(site: Site, pages: Pages) -> None:
    data = site.call("debate_cooperative")
    site.call("long_debate", proposal_id=data["proposal"], threads=THREADS)
    page = pages.open(data["alice"])
    page.goto(f"/proposals/{data['proposal']}/")
    page.evaluate("window.__notReloaded = true")
    assert _thread_numbers(page) == list(range(THREADS - 1, THREADS - 21, -1))
    page.locator("a[data-more-threads]").click()
    page.locator("#comment-list > li.comment", has_text="Fil numéro 0").wait_for()
    assert _thread_numbers(page) == list(range(THREADS - 1, -1, -1))
    assert page.locator("a[data-more-threads]").count() == 0
    assert page.locator(".replies > li.comment", has_text="Réponse au fil 0").count() == 1
    assert page.evaluate("window.__notReloaded === true")


def test_older_threads_by_link_without_javascript(site: Site, pages: Pages) -> None:
    data = site.call("debate_cooperative")
    site.call("long_debate", proposal_id=data["proposal"], threads=THREADS)
    page = pages.open(data["alice"], javascript=False)
    page.goto(f"/proposals/{data['proposal']}/")
    page.locator("a[data-more-threads]").click()
    page.wait_for_url("**before=*")
    assert _thread_numbers(page) == list(range(THREADS - 21, -1, -1))


@pytest.mark.parametrize("javascript", [True, False])
def test_the_proxy_holder_is_found_by_a_search(site: Site, pages: Pages, javascript: bool) -> None:
    data = site.call("debate_cooperative", open_vote=True)
    page = pages.open(data["alice"], javascript=javascript)
    page.goto(f"/votes/{data['vote']}/")
    assert page.locator("#proxy-holder option[value]:not([value=''])").count() == 0
    page.locator("#holder-search").fill("karim")
    if javascript:
        page.locator("#proxy-holder option", has_text="Karim Benali").wait_for(state="attached")
    else:
        page.locator("#holder-search-form button[type=submit]").click()
        page.wait_for_url("**holder_search=karim*")
    members = page.locator("#proxy-holder option[value]:not([value=''])")
    assert members.all_inner_texts() == ["Karim Benali (Restaurants)"]
    # Nobody is preselected: the giver chooses the holder.
    page.locator("#proxy-holder").select_option(label="Karim Benali (Restaurants)")
    page.locator("#proxy-give-form button[type=submit]").click()
    page.locator(".message-success").wait_for()
    assert site.call("proxies_of", vote_id=data["vote"]) == [["Léa Petit", "Karim Benali"]]
