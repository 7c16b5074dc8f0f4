"""The booth of a vote counted end to end, in Chromium: a member encrypts, proves and
signs in the page; no request carries the choice or the credential; the tracker shown is
among the bulletin board's counted ones; an audited ballot reveals randomness that the
Python audit check accepts and is never cast; a revote supersedes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.frontend.conftest import Pages, Site, screenshot
from verifiable.audit import check_audit
from verifiable.election import tracker

pytestmark = pytest.mark.browser

SCENARIOS = "tests.frontend.scenarios_e2e"
# What a choice would look like in a request: the stored values, the French labels, the
# input names of the booth's questions, and the vectors the booth encrypts.
PLAINTEXT = ["against", "abstain", "Contre", "Abstention", "e2e-", "[[0,1,0]]", "[[0, 1, 0]]"]
AGAINST, FOR, ABSTAIN = 1, 0, 2


def _status(form: Any) -> str:
    return form.locator(".e2e-status").inner_text()


def _encrypt(form: Any, answer: int, credential: str) -> None:
    form.locator(f'input[data-answer="{answer}"]').check()
    form.locator(".e2e-credential").fill(credential)
    form.locator(".e2e-encrypt").click()


def _cast(page: Any, form: Any) -> str:
    shown = form.locator(".e2e-tracker").inner_text()
    with page.expect_response(lambda r: "/ballots/" in r.url) as answer:
        form.locator(".e2e-cast").click()
    assert answer.value.status == 201, answer.value.text()
    form.locator(".e2e-counted").wait_for(state="visible")
    assert form.locator(".e2e-counted-tracker").inner_text() == shown
    return str(shown)


def test_a_member_casts_audits_and_revotes_in_the_browser(site: Site, pages: Pages) -> None:
    data = site.call("e2e_vote", module=SCENARIOS)
    credential = data["credential"]
    page = pages.open(data["username"])
    sent: list[tuple[str, str, str]] = []
    page.on("request", lambda r: sent.append((r.method, r.url, r.post_data or "")))
    page.goto(f"/votes/{data['vote']}/")
    page.locator("#e2e-booth").wait_for(state="visible")
    assert not page.locator("#ballot-form").is_visible()
    assert len(page.locator("#booth-sha256").inner_text()) == 64
    form = page.locator(".e2e-form").first

    # Another voter's credential is caught in the browser, before anything is encrypted.
    _encrypt(form, AGAINST, data["other_credential"])
    assert "pas votre" in _status(form) or "not your" in _status(form)
    assert not form.locator(".e2e-sealed").is_visible()

    _encrypt(form, AGAINST, credential)
    form.locator(".e2e-sealed").wait_for(state="visible")
    first = _cast(page, form)
    assert first in _status(form)
    # The "Your ballot" line follows the cast without a reload.
    line = page.locator(f"#ballot-entry-{form.get_attribute('data-entry')}").inner_text()
    assert first in line and ("a voté" in line or "has voted" in line), line
    assert site.call("counted_trackers", module=SCENARIOS, uuid=data["uuid"]) == [first]
    screenshot(page, "e2e-booth-cast")

    # Benaloh's audit: the revealed randomness checks, and the audited ballot is not cast.
    _encrypt(form, FOR, credential)
    form.locator(".e2e-sealed").wait_for(state="visible")
    form.locator(".e2e-audit").click()
    form.locator(".e2e-audit-record").wait_for(state="visible")
    record = json.loads(form.locator(".e2e-audit-text").input_value())
    assert record["election"] == data["election"]
    assert check_audit(data["election"], record) == [[1, 0, 0]]
    assert not form.locator(".e2e-sealed").is_visible()
    assert site.call("ballots_received", module=SCENARIOS, uuid=data["uuid"]) == 1

    # A revote supersedes: only the last ballot counts.
    _encrypt(form, ABSTAIN, credential)
    form.locator(".e2e-sealed").wait_for(state="visible")
    second = _cast(page, form)
    assert second != first and second != record["tracker"]
    assert second in page.locator(f"#ballot-entry-{form.get_attribute('data-entry')}").inner_text()
    assert site.call("counted_trackers", module=SCENARIOS, uuid=data["uuid"]) == [second]

    # The bulletin board shows it among the counted trackers.
    page.goto(f"/votes/{data['vote']}/bulletin/{data['uuid']}/")
    assert page.locator("#counted-trackers").inner_text().split() == [second]

    posts = [(url, body) for method, url, body in sent if method == "POST"]
    casts = [json.loads(body) for url, body in posts if url.endswith("/ballots/")]
    assert len(casts) == 2 and [tracker(c["ballot"]) for c in casts] == [first, second]
    for body in casts:
        assert list(body) == ["ballot"]
        ballot = json.loads(body["ballot"])
        assert [list(a) for a in ballot["answers"]] == [
            ["choices", "individual_proofs", "overall_proof"]
        ]
    for _method, url, body in sent:
        for secret in [credential, data["other_credential"], *PLAINTEXT]:
            assert secret not in body and secret not in url, (url, secret)


def test_without_javascript_the_sealed_ballot_is_offered_as_server_encrypted(
    site: Site, pages: Pages
) -> None:
    data = site.call("e2e_vote", module=SCENARIOS)
    page = pages.open(data["username"], javascript=False)
    page.goto(f"/votes/{data['vote']}/")
    assert not page.locator("#e2e-booth").is_visible()
    assert page.locator("#server-encrypted-note").is_visible()
    page.locator("#ballot-form input[value=for]").check()
    page.locator("#cast").click()
    page.wait_for_load_state()
    page.goto(f"/votes/{data['vote']}/bulletin/{data['uuid']}/")
    assert page.locator("#server-encrypted").inner_text() == "1"
