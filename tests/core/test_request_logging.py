"""An ordinary 403 or 404 is one line in the log; a server error keeps its traceback."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from tests.governance.factories import PersonFactory, add_member, make_cooperative

pytestmark = pytest.mark.django_db


def _lines_of(caplog: pytest.LogCaptureFixture, path: str) -> list[str]:
    """What the request loggers wrote about `path`, as printed (tracebacks included)."""
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    records = [r for r in caplog.records if r.name.startswith("django.") and path in r.getMessage()]
    return "\n".join(formatter.format(r) for r in records).splitlines()


@pytest.fixture
def coop() -> Any:
    return make_cooperative()


def test_a_refused_page_is_one_warning_line(
    client: Any, coop: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client.force_login(add_member(coop, "Workers").member.person)
    path = f"/c/{coop.slug}/board/members/"
    with caplog.at_level(logging.INFO):
        assert client.get(path).status_code == 403
    assert _lines_of(caplog, path) == [
        f"WARNING django.request Forbidden (Permission denied): {path}"
    ]


def test_a_missing_page_is_one_warning_line(
    client: Any, coop: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client.force_login(PersonFactory())
    path = f"/c/{coop.slug}/board/members/"
    with caplog.at_level(logging.INFO):
        assert client.get(path).status_code == 404
    assert _lines_of(caplog, path) == [f"WARNING django.request Not Found: {path}"]


def test_refused_and_missing_api_calls_are_one_warning_line_each(
    client: Any, coop: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client.force_login(add_member(coop, "Workers").member.person)
    refused = f"/api/v1/cooperatives/{coop.slug}/webhooks/endpoints/"
    missing = "/api/v1/cooperatives/no-such-cooperative/"
    with caplog.at_level(logging.INFO):
        assert client.get(refused).status_code == 403
        assert client.get(missing).status_code == 404
    assert _lines_of(caplog, refused) == [f"WARNING django.request Forbidden: {refused}"]
    assert _lines_of(caplog, missing) == [f"WARNING django.request Not Found: {missing}"]


def test_a_server_error_keeps_its_traceback(
    client: Any, coop: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    from frontend.views import pages

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the disk is on fire")

    monkeypatch.setattr(pages, "cooperative_for", broken)
    client.raise_request_exception = False
    client.force_login(add_member(coop, "Workers").member.person)
    path = f"/c/{coop.slug}/"
    with caplog.at_level(logging.INFO):
        assert client.get(path).status_code == 500
    lines = _lines_of(caplog, path)
    assert lines[0] == f"ERROR django.request Internal Server Error: {path}"
    assert "Traceback (most recent call last):" in lines
    assert lines[-1] == "RuntimeError: the disk is on fire"
