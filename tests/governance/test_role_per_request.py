"""The viewer's role in a cooperative is read once per request, and a grant changed in the
request is read again."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.test.utils import CaptureQueriesContext

from core.request_memo import RequestMemoMiddleware
from governance.permissions import cooperative_role
from tests.governance.factories import PersonFactory, add_member
from tests.voting.factories import make_coop, make_proposal, make_vote

pytestmark = pytest.mark.django_db

GRANTS = "content_object_id AS cooperative_id"


def _grant_reads(context: CaptureQueriesContext) -> int:
    return sum(1 for query in context.captured_queries if GRANTS in query["sql"])


@pytest.mark.parametrize("page", ["proposal", "booth", "cooperative"])
def test_a_page_reads_the_viewers_grants_once(client: Any, page: str) -> None:
    coop = make_coop({"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1})
    proposal = make_proposal(coop)
    vote = make_vote(coop)
    client.force_login(coop.person("Workers"))
    url = {
        "proposal": f"/proposals/{proposal.pk}/",
        "booth": f"/votes/{vote.pk}/",
        "cooperative": f"/c/{coop.cooperative.slug}/",
    }[page]
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    assert _grant_reads(context) == 1


def test_without_a_request_every_call_reads_the_grants() -> None:
    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    person = coop.person("Workers")
    with CaptureQueriesContext(connection) as context:
        cooperative_role(person, coop.cooperative)
        cooperative_role(person, coop.cooperative)
    assert _grant_reads(context) == 2


def test_a_grant_changed_during_the_request_is_read_again() -> None:
    coop = make_coop({"Workers": 1, "Users": 1, "Suppliers": 1, "Authorities": 1})
    newcomer = PersonFactory()
    seen: list[bool] = []

    def view(request: HttpRequest) -> HttpResponse:
        seen.append(cooperative_role(newcomer, coop.cooperative).is_member)
        seen.append(cooperative_role(newcomer, coop.cooperative).is_member)
        add_member(coop.cooperative, "Workers", person=newcomer)
        seen.append(cooperative_role(newcomer, coop.cooperative).is_member)
        return HttpResponse()

    RequestMemoMiddleware(view)(HttpRequest())
    assert seen == [False, False, True]
