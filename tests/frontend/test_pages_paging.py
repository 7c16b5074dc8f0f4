"""Lists on web pages go by position: "Next page" and "Previous page" walk every row once,
keep the page's filters, read no COUNT, and a link that is not valid shows the first page."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEntry
from governance.demo import DEMO_SLUG
from governance.models import Cooperative

pytestmark = pytest.mark.django_db

AUDIT = f"/c/{DEMO_SLUG}/board/audit/"


@pytest.fixture
def chair(demo_chair: Any) -> Any:
    return demo_chair


def _link(body: str, rel: str) -> str | None:
    found = re.search(rf'<a href="(\?[^"]+)" rel="{rel}">', body)
    return None if found is None else AUDIT + html.unescape(found.group(1))


def _ids(page: Any) -> list[int]:
    return [line.entry.pk for line in page.context["lines"]]


def test_the_audit_log_walks_every_entry_once_both_ways_keeping_its_filter(chair: Any) -> None:
    cooperative = Cooperative.objects.get(slug=DEMO_SLUG)
    expected = list(
        AuditEntry.objects.filter(cooperative_id=cooperative.pk)
        .order_by("-id")
        .values_list("pk", flat=True)
    )
    assert len(expected) > 50  # More than one page.

    pages: list[list[int]] = []
    url: str | None = AUDIT
    while url:
        answer = chair.get(url)
        pages.append(_ids(answer))
        url = _link(answer.content.decode(), "next")
    back: list[list[int]] = []
    url = _link(answer.content.decode(), "prev")
    while url:
        answer = chair.get(url)
        back.append(_ids(answer))
        url = _link(answer.content.decode(), "prev")

    assert [pk for page in pages for pk in page] == expected
    assert back == pages[-2::-1]

    url = AUDIT + "?kind=members"
    while url:
        answer = chair.get(url)
        assert {line.kind for line in answer.context["lines"]} == {"members"}
        url = _link(answer.content.decode(), "next")
        assert url is None or "kind=members" in url


def test_a_later_page_reads_no_count_and_no_offset(chair: Any) -> None:
    following = _link(chair.get(AUDIT).content.decode(), "next")
    assert following is not None

    with CaptureQueriesContext(connection) as captured:
        answer = chair.get(following)

    assert answer.status_code == 200
    statements = [q["sql"].upper() for q in captured.captured_queries]
    assert not [s for s in statements if "COUNT(" in s and "AUDIT" in s]
    assert not [s for s in statements if " OFFSET " in s]


def test_a_link_that_is_not_valid_shows_the_first_page(chair: Any) -> None:
    first = _ids(chair.get(AUDIT))

    answer = chair.get(AUDIT, {"cursor": "forged"})

    assert answer.status_code == 200
    assert _ids(answer) == first


def test_the_audit_log_s_pages_do_not_run_the_chain_check_again(chair: Any) -> None:
    verified = chair.get(AUDIT, {"verify": "1", "kind": "members"})
    assert verified.context["verification"].ok
    following = _link(verified.content.decode(), "next")
    assert following is not None and "kind=members" in following

    assert "verify" not in following
    assert chair.get(following).context["verification"] is None
