"""The Content-Security-Policy holds in a real browser: the main pages, for each demo login,
the admin and the API documentation load without a single CSP violation."""

from __future__ import annotations

from typing import Any

import pytest

from tests.frontend.conftest import Pages, Site, sign_in

pytestmark = pytest.mark.browser

# Runs in every page before its own scripts: keeps the violations the browser reports.
WATCH_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (event) {
  window.__cspViolations.push({
    directive: event.effectiveDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
  });
}, true);
"""


class Watched:
    """A signed-in page that collects CSP violations and console errors as it goes."""

    def __init__(self, pages: Pages, username: str | None, password: str) -> None:
        self.page = pages.open()
        self.page.context.add_init_script(WATCH_VIOLATIONS)
        self.problems: list[str] = []
        self.error_pages: set[str] = set()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        if username:
            sign_in(self.page, username, password)

    def _console(self, message: Any) -> None:
        # The browser reports the error status of a page it was sent to on purpose (404).
        source = message.location.get("url", "")
        expected = message.text.startswith("Failed to load resource") and (
            any(source.endswith(url) for url in self.error_pages)
            # No page names an icon, so the browser asks for the conventional one.
            or source.endswith("/favicon.ico")
        )
        if (message.type == "error" and not expected) or "Content Security Policy" in message.text:
            self.problems.append(f"console: {message.text} ({message.location.get('url')})")

    def visit(self, url: str, *, status: int = 200, ready: str | None = None) -> None:
        if status != 200:
            self.error_pages.add(url)
        response = self.page.goto(url)
        assert response is not None and response.status == status, (url, response)
        assert "unsafe-inline" not in response.headers["content-security-policy"], url
        if ready:
            self.page.locator(ready).first.wait_for()
        self.page.wait_for_load_state("networkidle")
        for violation in self.page.evaluate("window.__cspViolations"):
            self.problems.append(f"{url}: {violation}")


def _member_pages(slug: str) -> list[str]:
    return [
        "/",
        "/organisations/",
        "/notifications/",
        f"/c/{slug}/",
        f"/c/{slug}/proposals/",
        f"/c/{slug}/votes/",
    ]


def test_main_pages_raise_no_csp_violation_for_the_demo_logins(site: Site, pages: Pages) -> None:
    demo = site.call("demo_pages")
    slug, password = demo["slug"], demo["password"]
    proposals = [f"/proposals/{pk}/" for pk in demo["proposals"]]
    booths = [f"/votes/{pk}/" for pk in demo["open_votes"]]
    results = [f"/votes/{pk}/results/" for pk in demo["closed_votes"]]
    board = [
        f"/c/{slug}/board/{part}/"
        for part in (
            "colleges",
            "rules",
            "members",
            "representatives",
            "observers",
            "audit",
            "webhooks",
        )
    ]
    assert proposals and booths and results, demo
    problems: dict[str, list[str]] = {}

    visitor = Watched(pages, None, password)
    visitor.visit("/accounts/login/")
    visitor.visit("/no-such-page/", status=404)
    # Swagger UI draws the operations of the schema it fetched: its scripts ran.
    visitor.visit("/api/docs/", ready="#swagger-ui .opblock")
    problems["anonymous"] = visitor.problems

    for username, extra in (
        ("claire", [*board, *proposals, *booths, *results]),
        ("lea", [*proposals, *booths, *results]),
        ("mairie.villeurbanne", [*proposals, *booths]),
        ("region.aura", []),
    ):
        person = Watched(pages, username, password)
        for url in _member_pages(slug) + extra:
            # The proposal page is live: wait until its WebSocket is connected.
            ready = "#live-status[data-state=connected]" if url in proposals else None
            person.visit(url, ready=ready)
        problems[username] = person.problems

    member = Watched(pages, "lea", password)
    member.visit(f"/c/{slug}/board/members/", status=403)
    problems["lea (403)"] = member.problems

    assert not {who: found for who, found in problems.items() if found}, problems


def test_the_admin_works_under_the_policy(site: Site, pages: Pages) -> None:
    demo = site.call("demo_pages")
    operator = Watched(pages, None, demo["password"])
    operator.visit("/admin/login/")
    operator.page.locator("#id_username").fill("admin")
    operator.page.locator("#id_password").fill(demo["password"])
    operator.page.locator("input[type=submit]").click()
    operator.page.wait_for_url("**/admin/")
    for url in (
        "/admin/",
        "/admin/governance/membership/",
        f"/admin/governance/membership/{demo['membership']}/change/",
        "/admin/governance/person/add/",
        "/admin/voting/vote/",
        "/admin/governance/cooperative/",
        f"/admin/governance/cooperative/{demo['cooperative']}/change/",
        f"/admin/governance/cooperative/{demo['cooperative']}/permissions/",
    ):
        operator.visit(url)
    # The changelist's filters and action bar are drawn by the admin's scripts.
    operator.page.goto("/admin/governance/membership/")
    operator.page.locator("#changelist-filter").wait_for()
    operator.page.locator("select[name=action]").wait_for()
    assert not operator.problems, operator.problems


def _serve(body: str, headers: dict[str, str]) -> Any:
    return lambda route: route.fulfill(status=200, body=body, headers=headers)


def test_the_stored_minutes_keep_their_look_under_their_own_policy(browser: Any) -> None:
    """The minutes page is served with a policy that allows its <style> element by digest:
    Chromium applies those styles, and refuses a style the record does not hold."""
    from django.template.loader import render_to_string

    from assemblies.api.documents import stored_page_policy

    html = render_to_string("assemblies/minutes.html", {"calls": []})
    tampered = html.replace("<body>", '<body><p id="added" style="color: red">x</p>')
    context = browser.new_context()
    try:
        # Both served with the policy of the record as stored, not of what was added to it.
        headers = {
            "Content-Type": "text/html; charset=utf-8",
            "Content-Security-Policy": stored_page_policy(html),
        }
        for path, body in (("/minutes", html), ("/tampered", tampered)):
            context.route(f"http://minutes.test{path}", _serve(body, headers))
        context.add_init_script(WATCH_VIOLATIONS)
        page = context.new_page()
        page.goto("http://minutes.test/minutes")
        assert page.evaluate("window.__cspViolations") == []
        assert "Helvetica" in page.evaluate("getComputedStyle(document.body).fontFamily")
        # 10pt, where the browser's own default is 16px.
        assert page.evaluate("getComputedStyle(document.body).fontSize") == "13.3333px"
        page.goto("http://minutes.test/tampered")
        page.wait_for_function("window.__cspViolations.length > 0")
        assert page.evaluate("getComputedStyle(document.getElementById('added')).color") != (
            "rgb(255, 0, 0)"
        )
    finally:
        context.close()
