"""A Content-Security-Policy on every page, and nothing inline that it would have to allow.

The browser test (test_browser_csp.py) shows the pages run under the policy; these tests
pin the header, and scan the templates, the pages as rendered and the scripts for what
would need 'unsafe-inline': inline script bodies, on*= handlers, style attributes and
<style> elements.
"""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.template.loader import render_to_string

from assemblies.api.documents import stored_page_policy
from governance.demo import DEMO_SLUG, load_demo
from governance.models import Person
from voting.demo import load_demo_activity

ROOT = Path(settings.BASE_DIR)
PROJECT_APPS = (
    "config",
    "core",
    "governance",
    "deliberation",
    "voting",
    "webhooks",
    "assemblies",
    "frontend",
)
TEMPLATE_ROOTS = [ROOT / app / "templates" for app in PROJECT_APPS]
# The stored minutes are a record kept byte for byte (their digest is audited) and read
# by the PDF engine, which needs their <style> element; the page that serves them allows
# that element by its digest and nothing else (stored_page_policy, tested below).
STORED_DOCUMENTS = {ROOT / "assemblies/templates/assemblies/minutes.html"}
# E-mails are not pages: no policy applies to them.
EMAILS = "/email/"
JSON_TYPES = {"application/json", "application/ld+json"}


class InlineFinder(HTMLParser):
    """Collects what a strict Content-Security-Policy refuses in a piece of HTML."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script: str | None = None
        self._body: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = {name.lower(): value for name, value in attrs}
        for name in names:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...> (event handler attribute)")
        if "style" in names:
            self.found.append(f"<{tag} style=...> (style attribute)")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script" and "src" not in names and names.get("type") not in JSON_TYPES:
            self._script, self._body = tag, []

    def handle_data(self, data: str) -> None:
        if self._script:
            self._body.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._script:
            if "".join(self._body).strip():
                self.found.append("<script> with an inline body")
            self._script = None


def inline_in(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    finder.close()
    return finder.found


def _template_markup(source: str) -> str:
    """A template as HTML: comments dropped, tags removed, variables replaced by a word."""
    source = re.sub(r"{%\s*comment\s*%}.*?{%\s*endcomment\s*%}", "", source, flags=re.S)
    source = re.sub(r"{#.*?#}", "", source, flags=re.S)
    source = re.sub(r"{%.*?%}", "", source, flags=re.S)
    return re.sub(r"{{.*?}}", "x", source, flags=re.S)


def _templates() -> list[Path]:
    found = [path for root in TEMPLATE_ROOTS if root.exists() for path in root.rglob("*.html")]
    assert len(found) > 30, found  # the scan really reads the project's templates
    return sorted(found)


def test_the_scanner_sees_each_kind_of_inline_code() -> None:
    assert inline_in('<p style="color:red">x</p>') == ["<p style=...> (style attribute)"]
    assert inline_in('<a href="#" onclick="go()">x</a>') == [
        "<a onclick=...> (event handler attribute)"
    ]
    assert inline_in("<script>alert(1)</script>") == ["<script> with an inline body"]
    assert inline_in("<style>p{}</style>") == ["<style> element"]
    assert inline_in('<script src="/static/a.js"></script>') == []
    assert inline_in('<script type="application/json">{"a": 1}</script>') == []
    assert inline_in('<p data-one="x" class="a">on="x" style=</p>') == []


def test_no_template_holds_inline_script_handler_or_style() -> None:
    found = {}
    for path in _templates():
        if path in STORED_DOCUMENTS or EMAILS in str(path):
            continue
        problems = inline_in(_template_markup(path.read_text()))
        if problems:
            found[str(path.relative_to(ROOT))] = problems
    assert not found, found


def test_no_script_writes_a_style_attribute_or_inline_markup_with_one() -> None:
    scripts = sorted(
        path
        for app in PROJECT_APPS
        if (ROOT / app / "static").exists()
        for path in (ROOT / app / "static").rglob("*.js")
    )
    assert scripts
    found = {}
    for path in scripts:
        code = path.read_text()
        hits = re.findall(
            r"setAttribute\(\s*[\"']style[\"']|style\s*=\s*\\?[\"']|\bon\w+\s*=\s*\\?[\"']", code
        )
        if hits:
            found[str(path.relative_to(ROOT))] = hits
    assert not found, found


@pytest.fixture
def demo(db: None) -> dict[str, Any]:
    from deliberation.models import Proposal
    from voting.models import Vote

    cooperative, _created = load_demo()
    load_demo_activity(cooperative)
    return {
        "proposals": list(
            Proposal.objects.filter(cooperative=cooperative).values_list("pk", flat=True)
        ),
        "votes": list(Vote.objects.filter(cooperative=cooperative).values_list("pk", "status")),
    }


def _main_pages(demo: dict[str, Any]) -> list[tuple[str | None, str, int]]:
    """(who, address, expected status) for the main pages of the demo."""
    member = ["/", "/organisations/", "/notifications/", f"/c/{DEMO_SLUG}/"]
    member += [f"/c/{DEMO_SLUG}/proposals/", f"/c/{DEMO_SLUG}/votes/"]
    board = [
        f"/c/{DEMO_SLUG}/board/{part}/"
        for part in ("colleges", "rules", "members", "representatives", "observers", "audit")
    ]
    proposals = [f"/proposals/{pk}/" for pk in demo["proposals"]]
    votes = [
        f"/votes/{pk}/results/" if status == "closed" else f"/votes/{pk}/"
        for pk, status in demo["votes"]
    ]
    pages: list[tuple[str | None, str, int]] = [
        (None, "/accounts/login/", 200),
        (None, "/api/docs/", 200),
        (None, "/no-such-page/", 404),
        ("lea", f"/c/{DEMO_SLUG}/board/members/", 403),
        ("admin", "/admin/", 200),
        ("admin", "/admin/governance/membership/", 200),
    ]
    pages += [("claire", url, 200) for url in member + board + proposals + votes]
    pages += [("lea", url, 200) for url in member + proposals + votes]
    pages += [("region.aura", url, 200) for url in member]
    return pages


def test_every_main_page_has_the_policy_and_no_inline_code(
    client: Any, demo: dict[str, Any]
) -> None:
    seen = set()
    problems = {}
    for who, url, status in _main_pages(demo):
        client.logout()
        if who:
            client.force_login(Person.objects.get(username=who))
        response = client.get(url)
        assert response.status_code == status, (who, url)
        policy = response.get("Content-Security-Policy", "")
        directives = dict((part.split(" ", 1) + [""])[:2] for part in policy.split("; ") if part)
        assert directives.get("default-src") == "'self'", (url, policy)
        assert directives.get("script-src") == "'self'", (url, policy)
        assert directives.get("style-src", "").startswith("'self'"), (url, policy)
        assert directives.get("object-src") == "'none'", (url, policy)
        assert directives.get("frame-ancestors") == "'none'", (url, policy)
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, (url, policy)
        if not url.startswith("/admin/"):
            found = inline_in(response.content.decode())
            if found:
                problems[url] = found
        seen.add(url)
    assert len(seen) > 20
    assert not problems, problems


def test_only_the_docs_page_allows_data_images(client: Any, db: None) -> None:
    docs = client.get("/api/docs/")["Content-Security-Policy"]
    login = client.get("/accounts/login/")["Content-Security-Policy"]
    assert "img-src 'self' data:" in docs
    assert "img-src 'self';" in login


def test_the_stored_minutes_allow_exactly_their_own_style_element() -> None:
    html = render_to_string("assemblies/minutes.html", {"calls": [], "colleges": []})
    bodies = re.findall(r"<style[^>]*>(.*?)</style>", html, flags=re.S)
    assert len(bodies) == 1 and "@page" in bodies[0]
    digest = base64.b64encode(hashlib.sha256(bodies[0].encode()).digest()).decode()
    policy = stored_page_policy(html)
    assert policy.startswith(f"default-src 'none'; style-src 'sha256-{digest}';")
    assert "unsafe-inline" not in policy
    # A style element the record does not hold is not allowed, nor is any script.
    tampered = html.replace("</style>", "body { display: none }</style>")
    assert f"'sha256-{digest}'" not in stored_page_policy(tampered)
    assert "script-src" not in policy
    assert stored_page_policy("<p>no style</p>").startswith("default-src 'none'; style-src 'none'")
