"""Keyset pagination: every row once, in the list's order, both ways; a page reads its rows
from its position (no COUNT, no OFFSET); a cursor is the server's, for one list."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.db.models import F
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext
from rest_framework.request import Request
from rest_framework.test import APIClient, APIRequestFactory

from core.errors import InvalidInput
from core.models import Notification
from core.pagination import Pagination, count_up_to
from tests.governance.factories import PersonFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


def _page(queryset: Any, **params: Any) -> tuple[list[Any], Pagination]:
    request = Request(APIRequestFactory().get("/api/v1/things/", params))
    paginator = Pagination()
    rows = paginator.paginate_queryset(queryset, request)
    assert rows is not None
    return rows, paginator


def _cursor(link: str | None) -> str | None:
    return None if link is None else parse_qs(urlsplit(link).query)["cursor"][0]


def _links(paginator: Pagination) -> tuple[str | None, str | None]:
    body = paginator.get_paginated_response([]).data
    return _cursor(body["next"]), _cursor(body["previous"])


def _walk(queryset: Any, size: int) -> tuple[list[list[int]], list[list[int]]]:
    """The pages forward from the first, then back from the last: ids of each page."""
    forward: list[list[int]] = []
    cursor: str | None = None
    while True:
        rows, paginator = _page(queryset, page_size=size, **({"cursor": cursor} if cursor else {}))
        forward.append([r.pk for r in rows])
        cursor, previous = _links(paginator)
        if cursor is None:
            break
    backward = [forward[-1]]
    while previous is not None:
        rows, paginator = _page(queryset, page_size=size, cursor=previous)
        backward.append([r.pk for r in rows])
        _next, previous = _links(paginator)
    return forward, backward


def _notices(count: int, **fields: Any) -> list[Notification]:
    person = PersonFactory()
    return [Notification.objects.create(person=person, kind="k", **fields) for _ in range(count)]


def _stored(queryset: Any, key: Any) -> list[int]:
    """The ids in the expected order, computed in Python from the rows themselves."""
    return [n.pk for n in sorted(queryset, key=key)]


def _nulls_last(value: dt.datetime | None) -> tuple[bool, dt.datetime]:
    return (value is None, value or T0)


@pytest.mark.parametrize("size", [1, 3, 7, 50])
def test_every_row_comes_once_in_order_forward_and_back_through_ties_and_nulls(
    size: int,
) -> None:
    notices = _notices(17)
    # Four distinct values, each shared by several rows, and NULLs in between.
    for number, notice in enumerate(notices):
        read_at = None if number % 5 == 0 else T0 + dt.timedelta(minutes=number % 4)
        Notification.objects.filter(pk=notice.pk).update(read_at=read_at)
    queryset = Notification.objects.order_by("read_at")
    expected = _stored(queryset.all(), lambda n: (*_nulls_last(n.read_at), n.pk))

    forward, backward = _walk(queryset, size)

    assert [pk for page in forward for pk in page] == expected
    assert all(len(page) == size for page in forward[:-1])
    assert backward == forward[::-1]


def test_a_descending_nullable_order_puts_nulls_first_on_every_database() -> None:
    notices = _notices(9)
    for number, notice in enumerate(notices):
        when = None if number in (2, 6) else T0 + dt.timedelta(seconds=number % 3)
        Notification.objects.filter(pk=notice.pk).update(email_next_at=when)
    queryset = Notification.objects.order_by("-email_next_at", "-id")

    forward, backward = _walk(queryset, 2)

    rows = list(Notification.objects.all())
    nulls = sorted((n.pk for n in rows if n.email_next_at is None), reverse=True)
    rest = sorted(
        (n for n in rows if n.email_next_at is not None),
        key=lambda n: (n.email_next_at, n.pk),
        reverse=True,
    )
    assert [pk for page in forward for pk in page] == nulls + [n.pk for n in rest]
    assert backward == forward[::-1]


def test_values_a_microsecond_apart_are_kept_apart() -> None:
    notices = _notices(6)
    for number, notice in enumerate(notices):
        stamp = T0 + dt.timedelta(microseconds=number // 2)
        Notification.objects.filter(pk=notice.pk).update(created_at=stamp)
    queryset = Notification.objects.order_by("-created_at")

    forward, _backward = _walk(queryset, 1)

    stamps = {n.pk: n.created_at for n in Notification.objects.all()}
    assert len(set(stamps.values())) == 3
    expected = sorted(stamps, key=lambda pk: (stamps[pk], -pk), reverse=True)
    assert [pk for page in forward for pk in page] == expected


def test_an_order_across_a_relation_and_the_default_order_both_page() -> None:
    for name in ("carol", "alice", "bob"):
        person = PersonFactory(username=name)
        for _ in range(2):
            Notification.objects.create(person=person, kind="k")
    by_name = Notification.objects.select_related("person").order_by("person__username")
    expected = [n.pk for n in sorted(by_name, key=lambda n: (n.person.username, n.pk))]

    assert [pk for page in _walk(by_name, 4)[0] for pk in page] == expected
    default = Notification.objects.all()  # Meta.ordering: newest first
    assert [pk for page in _walk(default, 4)[0] for pk in page] == sorted(expected)[::-1]


def test_a_page_reads_from_its_position_without_count_or_offset() -> None:
    _notices(12)
    queryset = Notification.objects.order_by("created_at")
    _rows, first = _page(queryset, page_size=5)
    cursor, _previous = _links(first)

    with CaptureQueriesContext(connection) as captured:
        rows, _paginator = _page(queryset, page_size=5, cursor=cursor)

    assert len(rows) == 5
    (statement,) = [q["sql"].upper() for q in captured.captured_queries]
    assert "COUNT(" not in statement and "OFFSET" not in statement
    assert "LIMIT 6" in statement  # The page and one row to know whether more follow.


def test_rows_that_change_between_pages_neither_repeat_nor_skip_one_that_stayed() -> None:
    notices = _notices(8)
    queryset = Notification.objects.order_by("id")
    rows, first = _page(queryset, page_size=3)
    cursor, _previous = _links(first)
    shown = [r.pk for r in rows]
    Notification.objects.filter(pk=shown[1]).delete()  # Gone from the first page.
    notices[0].person.notifications.create(kind="late")  # Arrives at the end.

    rows, _paginator = _page(queryset, page_size=3, cursor=cursor)

    assert [r.pk for r in rows] == [n.pk for n in notices[3:6]]


def test_past_the_end_the_way_back_includes_the_position() -> None:
    notices = _notices(4)
    queryset = Notification.objects.order_by("id")
    _rows, first = _page(queryset, page_size=2)
    cursor, _previous = _links(first)
    Notification.objects.filter(pk__in=[n.pk for n in notices[2:]]).delete()

    rows, paginator = _page(queryset, page_size=2, cursor=cursor)
    following, back = _links(paginator)
    rows_back, _paginator = _page(queryset, page_size=2, cursor=back)

    assert rows == [] and following is None
    assert [r.pk for r in rows_back] == [n.pk for n in notices[:2]]


@pytest.mark.parametrize(
    ("asked", "given"), [("", 50), ("0", 50), ("-3", 50), ("x", 50), ("7", 7), ("5000", 200)]
)
def test_page_size_is_bounded(asked: str, given: int) -> None:
    _notices(210)
    rows, _paginator = _page(Notification.objects.order_by("id"), page_size=asked)

    assert len(rows) == given


def test_a_forged_or_foreign_cursor_is_refused_with_its_code() -> None:
    _notices(5)
    by_id = Notification.objects.order_by("id")
    _rows, first = _page(by_id, page_size=2)
    cursor, _previous = _links(first)
    assert cursor is not None
    forged = cursor[:-3] + ("AAA" if not cursor.endswith("AAA") else "BBB")

    for queryset, bad in [
        (by_id, forged),
        (by_id, "not-a-cursor"),
        (Notification.objects.order_by("-created_at"), cursor),  # Another list's order.
        (Notification.objects.order_by(F("read_at").asc()), cursor),
    ]:
        with pytest.raises(InvalidInput) as refused:
            _page(queryset, cursor=bad)
        assert refused.value.code == "invalid_cursor"


def test_the_api_answers_a_bad_cursor_with_400_and_its_code() -> None:
    person = PersonFactory()
    client = APIClient()
    client.force_authenticate(person)

    answer = client.get("/api/v1/notifications/", {"cursor": "forged"})

    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid_cursor"
    assert answer.json()["message"]


@pytest.mark.parametrize(("rows", "shown"), [(0, "0"), (3, "3"), (4, "4"), (5, "4+"), (9, "4+")])
def test_a_list_is_counted_no_further_than_its_cap(rows: int, shown: str) -> None:
    _notices(rows)
    queryset = Notification.objects.order_by("-created_at")

    with CaptureQueriesContext(connection) as captured:
        counted = count_up_to(queryset, cap=4)

    assert (counted.value, counted.capped, str(counted)) == (min(rows, 4), rows > 4, shown)
    (statement,) = [q["sql"].upper() for q in captured.captured_queries]
    assert "LIMIT 5" in statement and "ORDER BY" not in statement


def test_the_notices_badge_says_99_plus_past_99(client: Any) -> None:
    person = PersonFactory()
    client.force_login(person)
    Notification.objects.bulk_create(Notification(person=person, kind="k") for _ in range(99))
    assert "99 unread" in client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    Notification.objects.create(person=person, kind="k")
    body = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "99+ unread" in body and "100 unread" not in body


def test_an_order_by_a_bare_expression_pages_ascending() -> None:
    notices = _notices(5)
    queryset = Notification.objects.order_by(Lower("kind"), F("id"))

    forward, backward = _walk(queryset, 2)

    assert [pk for page in forward for pk in page] == [n.pk for n in notices]
    assert backward == forward[::-1]
