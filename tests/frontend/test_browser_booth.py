"""The booth bundle in Chromium: a ballot encrypted in the page is accepted and counted by
the Python verifier, and nothing the page sends carries the choice or the credential; an
audited ballot reveals its choice to the audit check and can no longer be cast.

The page is tests/frontend/booth_page/index.html with the committed bundle, served by a
small local HTTP server of the test (no test route exists in the product's URLs)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.frontend.conftest import _require_chromium
from tests.verifiable.booth_cases import build_case, tally
from verifiable.audit import check_audit
from verifiable.election import tracker

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
FILES = {
    "/": (Path(__file__).parent / "booth_page" / "index.html", "text/html; charset=utf-8"),
    "/booth.bundle.js": (
        ROOT / "frontend" / "static" / "frontend" / "booth.bundle.js",
        "text/javascript",
    ),
}
CASE = "resolution"  # Pour / Contre / Abstention, exactly one


class BoothServer:
    """Serves the page, the bundle and the election; keeps every POST it receives."""

    def __init__(self) -> None:
        self.election, self.credentials = build_case(CASE)
        self.posts: dict[str, list[str]] = {"/cast": [], "/audit": []}
        # every request the page makes, as Chromium saw it: (method, address, body)
        self.sent: list[tuple[str, str, str]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
                if self.path == "/election.json":
                    self._reply(server.election.election_text.encode(), "application/json")
                elif self.path in FILES:
                    path, kind = FILES[self.path]
                    self._reply(path.read_bytes(), kind)
                else:
                    self.send_error(404)

            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"])).decode()
                if self.path not in server.posts:
                    self.send_error(404)
                    return
                server.posts[self.path].append(body)
                self._reply(b"received", "text/plain")

            def _reply(self, body: bytes, kind: str) -> None:
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def booth_server() -> Iterator[BoothServer]:
    _require_chromium()
    server = BoothServer()
    yield server
    server.httpd.shutdown()
    server.httpd.server_close()


@pytest.fixture
def booth_page(booth_server: BoothServer, chromium_browser: Any) -> Iterator[Any]:
    for posts in booth_server.posts.values():
        posts.clear()
    context = chromium_browser.new_context()
    page = context.new_page()
    booth_server.sent = []
    page.on("request", lambda r: booth_server.sent.append((r.method, r.url, r.post_data or "")))
    page.goto(booth_server.url)
    page.wait_for_function("document.getElementById('status').textContent === 'ready'")
    yield page
    context.close()


def _seal(page: Any, credential: str, choice: str) -> str:
    page.get_by_label(choice).check()
    page.fill("#credential", credential)
    page.click("#seal")
    page.wait_for_function("document.getElementById('status').textContent === 'sealed'")
    shown: str = page.text_content("#tracker")
    return shown


def test_ballot_encrypted_in_chromium_is_counted_and_never_carries_the_choice(
    booth_page: Any, booth_server: BoothServer
) -> None:
    credential = booth_server.credentials[1]
    shown_tracker = _seal(booth_page, credential, "Contre")
    booth_page.click("#cast")
    booth_page.wait_for_function("document.getElementById('status').textContent === 'received'")

    [ballot] = booth_server.posts["/cast"]
    assert tracker(ballot) == shown_tracker
    # Python verifies the ballot in a whole election archive and decrypts the tally: the
    # browser encrypted "Contre" (the second choice), and only that.
    checked = tally(CASE, [ballot], [])
    assert checked["accepted"] == 1
    assert checked["result"] == [[0, 1, 0]]

    # What left the page: Belenios' fields only, each choice a pair of group elements...
    sent = json.loads(ballot)
    assert list(sent) == ["election_uuid", "election_hash", "credential", "answers", "signature"]
    for answer in sent["answers"]:
        for ciphertext in answer["choices"]:
            assert list(ciphertext) == ["alpha", "beta"]
            assert all(len(v) == 64 and int(v, 16) >= 0 for v in ciphertext.values())
    # ... and no request, in its address or body, names the choice, carries the 0/1
    # vector, the choice's index or the private credential.
    assert [method for method, _, _ in booth_server.sent].count("POST") == 1
    for method, url, body in booth_server.sent:
        for secret in ("Contre", "[0,1,0]", credential):
            assert secret not in url and secret not in body, (method, url, secret)


def test_audited_ballot_reveals_its_choice_and_is_never_cast(
    booth_page: Any, booth_server: BoothServer
) -> None:
    shown_tracker = _seal(booth_page, booth_server.credentials[2], "Pour")
    booth_page.click("#audit")
    booth_page.wait_for_function("document.getElementById('status').textContent === 'received'")
    [record] = booth_server.posts["/audit"]
    assert json.loads(record)["tracker"] == shown_tracker
    assert check_audit(booth_server.election.election_text, record) == [[1, 0, 0]]

    booth_page.click("#cast")
    booth_page.wait_for_function("document.getElementById('status').textContent === 'spoiled'")
    assert booth_server.posts["/cast"] == []
