"""The board's membership list API pages from the membership table's own index: its
statements are pinned at two sizes and its order is (status, id), with no member join
in the sort."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from governance import selectors
from governance.models import Membership
from tests.governance.factories import add_member
from tests.voting.factories import Coop, make_coop, quick_member

pytestmark = pytest.mark.django_db

# The cooperative, the role and the page with its joins: the same at any size.
MEMBERSHIP_API_QUERIES = 3


def _coop(extra: int) -> Coop:
    coop = make_coop({"Workers": 2, "Users": 1, "Suppliers": 1})
    for _ in range(extra):
        coop.members["Users"].append(quick_member(coop.cooperative, "Users"))
    # Two applications waiting: the board's list shows every status.
    for _ in range(2):
        add_member(coop.cooperative, "Users", admit=False)
    return coop


def _board(coop: Coop) -> APIClient:
    client = APIClient()
    client.force_authenticate(coop.chair)
    return client


@pytest.mark.parametrize("extra", [0, 60])
def test_the_board_membership_list_costs_the_same_at_any_size(
    extra: int, django_assert_num_queries: Any
) -> None:
    coop = _coop(extra)
    client = _board(coop)
    url = f"/api/v1/cooperatives/{coop.cooperative.slug}/memberships/"
    client.get(url)  # the role memo and the session warm up outside the count
    with django_assert_num_queries(MEMBERSHIP_API_QUERIES):
        answer = client.get(url, {"page_size": 20})
    body = answer.json()
    assert len(body["results"]) == min(20, 4 + extra + 2)
    assert (body["next"] is None) == (4 + extra + 2 <= 20)
    keys = [(m["status"], m["id"]) for m in body["results"]]
    assert keys == sorted(keys)


def test_pages_follow_status_then_id_and_cover_every_membership_once() -> None:
    coop = _coop(7)
    client = _board(coop)
    url: str | None = f"/api/v1/cooperatives/{coop.cooperative.slug}/memberships/?page_size=4"
    seen: list[tuple[str, int]] = []
    while url:
        body = client.get(url).json()
        seen += [(m["status"], m["id"]) for m in body["results"]]
        url = body["next"]
    stored = list(
        Membership.objects.filter(cooperative=coop.cooperative)
        .order_by("status", "id")
        .values_list("status", "id")
    )
    assert seen == stored
    assert [status for status, _id in seen].count("applicant") == 2


def test_a_member_pages_through_active_memberships_only() -> None:
    coop = _coop(3)
    client = APIClient()
    client.force_authenticate(coop.person("Users"))
    body = client.get(
        f"/api/v1/cooperatives/{coop.cooperative.slug}/memberships/", {"status": "applicant"}
    ).json()
    assert {m["status"] for m in body["results"]} == {"active"}
    assert [m["id"] for m in body["results"]] == sorted(m["id"] for m in body["results"])


def test_the_selector_orders_by_membership_columns_only() -> None:
    """The ORDER BY names the membership table's own columns: the index's order."""
    coop = _coop(0)
    queryset = selectors.membership_list_by_status(coop.cooperative)
    sql = str(queryset.query)
    order = sql.split("ORDER BY")[1]
    table = Membership._meta.db_table
    assert f'"{table}"."status"' in order and f'"{table}"."id"' in order
    assert "name" not in order
