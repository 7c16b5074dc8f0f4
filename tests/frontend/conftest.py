"""Browser fixtures: a Daphne server with its own database, Chromium, pages and screenshots."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import re
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
PASSWORD = "pw"
PREFIX = "@@harness "


def _require_chromium() -> None:
    """Browser tests skip on a laptop without Chromium, and fail in CI, where it must be."""
    if shutil.which(CHROMIUM) or Path(CHROMIUM).exists():
        return
    problem = f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    if IN_CI:
        pytest.fail(f"CI must run the browser tests: {problem}")
    pytest.skip(problem)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Site:
    """The running server: its address, and scenario calls run inside its process."""

    def __init__(self, process: subprocess.Popen[str], url: str) -> None:
        self.process = process
        self.url = url
        self._ids = itertools.count(1)
        self._replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self.log: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.startswith(PREFIX):
                self._replies.put(json.loads(line[len(PREFIX) :]))
            else:
                self.log.append(line)

    def wait_ready(self, timeout: float = 90) -> None:
        reply = self._next(timeout)
        assert reply.get("ready"), reply
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(self.url + "/accounts/login/", timeout=5).read()
                return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def _next(self, timeout: float) -> dict[str, Any]:
        try:
            return self._replies.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                "The browser-test server did not answer. Its output:\n" + "".join(self.log[-50:])
            ) from None

    def call(self, name: str, *, module: str = "tests.frontend.scenarios", **kwargs: Any) -> Any:
        """Run `<module>.<name>(**kwargs)` in the server and return its result (the module
        is tests.frontend.scenarios unless said)."""
        request_id = next(self._ids)
        assert self.process.stdin is not None
        self.process.stdin.write(
            json.dumps({"id": request_id, "kwargs": kwargs, "call": f"{module}:{name}"}) + "\n"
        )
        self.process.stdin.flush()
        reply = self._next(120)
        assert reply["id"] == request_id, reply
        if "error" in reply:
            raise AssertionError("Scenario failed in the server:\n" + reply["error"])
        return reply["result"]


@pytest.fixture(autouse=True)
def _fresh_cache() -> Iterator[None]:
    """Posting limits live in the cache under ids that a rolled-back test hands out again."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@contextlib.contextmanager
def launch_site(
    database: Path,
    port: int | None = None,
    env: dict[str, str] | None = None,
    ready_timeout: float = 90,
) -> Iterator[Site]:
    """Start the test server (its own database, a free port) with extra environment, such
    as mail or single sign-on settings pointing at servers a test started."""
    port = port or _free_port()
    full_env = {**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})}
    full_env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.frontend.harness",
            "--port",
            str(port),
            "--database",
            str(database),
        ],
        cwd=ROOT,
        env=full_env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    )
    server = Site(process, f"http://127.0.0.1:{port}")
    try:
        server.wait_ready(ready_timeout)
        yield server
    finally:
        if process.stdin:
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    _require_chromium()
    database = tmp_path_factory.mktemp("browser") / "browser.sqlite3"
    with launch_site(database) as server:
        yield server


@pytest.fixture(scope="session")
def chromium_browser() -> Iterator[Any]:
    """The one Chromium of the session: Playwright's sync API runs one driver per thread,
    so every browser test, whatever site it serves, opens its pages in this browser."""
    from playwright.sync_api import sync_playwright

    from tests.conftest import give_back_browser_loop

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        # The last test may have had no browser: its loop was set aside (tests/conftest.py).
        give_back_browser_loop()
        chromium.close()


@pytest.fixture(scope="session")
def browser(site: Site, chromium_browser: Any) -> Any:
    return chromium_browser


class Pages:
    """Opens signed-in pages in separate browser contexts (separate cookies, like two people)."""

    def __init__(self, browser: Any, site: Site) -> None:
        self.browser = browser
        self.site = site
        self.contexts: list[Any] = []

    def open(
        self,
        username: str | None = None,
        *,
        phone: bool = False,
        locale: str = "fr-FR",
        javascript: bool = True,
        password: str = PASSWORD,
    ) -> Any:
        options: dict[str, Any] = {
            "viewport": PHONE if phone else DESKTOP,
            "locale": locale,
            "java_script_enabled": javascript,
        }
        if phone:
            options.update(is_mobile=True, has_touch=True, device_scale_factor=1)
        context = self.browser.new_context(base_url=self.site.url, **options)
        context.set_default_timeout(15_000)
        self.contexts.append(context)
        page = context.new_page()
        if username:
            sign_in(page, username, password)
        return page

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def sign_in(page: Any, username: str, password: str = PASSWORD) -> None:
    page.goto("/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    page.locator("form[action='/accounts/login/'] button[type=submit]").click()
    page.wait_for_url(re.compile(r"^(?!.*/accounts/login/).*$"))


@pytest.fixture
def pages(browser: Any, site: Site) -> Iterator[Pages]:
    opened = Pages(browser, site)
    yield opened
    opened.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under artifacts/screenshots/ (kept by CI as an artifact)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the page as it stands."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results.response["violations"]
        if v.get("impact") in {"serious", "critical"}
    ]


@pytest.fixture
def demo_chair(client: Any) -> Any:
    """The test client signed in as the demo cooperative's chair, the demo loaded."""
    from governance.demo import load_demo
    from governance.models import Person

    load_demo()
    client.force_login(Person.objects.get(username="claire"))
    return client
