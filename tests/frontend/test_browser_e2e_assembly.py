"""The assembly's booth for a point counted end to end, in Chromium: a member signed in to
the call encrypts in the page, the assembly's endpoint takes the ballot and its tracker is
among the bulletin board's counted ones; no request carries the choice."""

from __future__ import annotations

import pytest

from tests.frontend.conftest import Pages, Site

pytestmark = pytest.mark.browser

SCENARIOS = "tests.frontend.scenarios_e2e"
PLAINTEXT = ["against", "Contre", "e2e-", "[[0,1,0]]", "[[0, 1, 0]]"]
AGAINST = 1


def test_a_member_casts_an_encrypted_ballot_in_the_assembly_booth(site: Site, pages: Pages) -> None:
    data = site.call("assembly_e2e_booth", module=SCENARIOS)
    page = pages.open(data["username"])
    sent: list[tuple[str, str]] = []
    page.on("request", lambda r: sent.append((r.url, r.post_data or "")))
    page.goto(f"/assemblies/{data['assembly']}/")
    page.locator("#e2e-booth").wait_for(state="visible")
    # The sealed form of the member voting encrypted is the fallback, hidden by the script.
    assert not page.locator("form[data-e2e-fallback]").first.is_visible()
    form = page.locator(".e2e-form").first
    form.locator(f'input[data-answer="{AGAINST}"]').check()
    form.locator(".e2e-credential").fill(data["credential"])
    form.locator(".e2e-encrypt").click()
    form.locator(".e2e-sealed").wait_for(state="visible")
    shown = form.locator(".e2e-tracker").inner_text()
    with page.expect_response(lambda r: "/encrypted-ballots/" in r.url) as answer:
        form.locator(".e2e-cast").click()
    assert answer.value.status == 201, answer.value.text()
    form.locator(".e2e-counted").wait_for(state="visible")
    assert form.locator(".e2e-counted-tracker").inner_text() == shown
    assert site.call("counted_trackers", module=SCENARIOS, uuid=data["uuid"]) == [shown]
    posted = [body for url, body in sent if body]
    assert posted, sent
    for body in posted:
        assert data["credential"] not in body
        assert not any(word in body for word in PLAINTEXT), body
