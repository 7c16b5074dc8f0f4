"""The voting endpoints fed generated input on real votes: no server error, no answer outside
the schema."""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from django.urls import resolve
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.views import APIView

from config.wsgi import application
from tests.governance.factories import api_token
from tests.voting.factories import cast, make_coop, make_vote
from voting import services
from voting.models import VoteMethod

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
voting_schema = schema.include(tag_regex="^(voting|decisions)$")


@pytest.fixture
def votes(db: None, keep_test_connection: None) -> dict[str, Any]:
    """An open resolution, an open majority judgment, and a closed secret vote."""
    coop = make_coop({"Workers": 2, "Users": 1, "Suppliers": 1, "Authorities": 1})
    member = coop.person("Workers")
    open_vote = make_vote(coop, results_live=True)
    mj = make_vote(coop, method=VoteMethod.MAJORITY_JUDGMENT, grades=["Bad", "Good"])
    secret = make_vote(coop, is_secret=True)
    cast(member, secret, "for")
    services.vote_close(actor=coop.chair, vote=secret)
    return {
        "slug": coop.cooperative.slug,
        "vote_ids": [open_vote.pk, mj.pk, secret.pk],
        "tokens": [api_token(person) for person in (coop.chair, member)],
    }


OPERATIONS = [result.ok() for result in voting_schema.get_all_operations()]
EXCLUDED = [
    # As in tests/core/test_api_schema.py: input that matches the schema may still break a
    # rule of the domain (a 400), and DRF reads numbers as text where text is expected.
    schemathesis.checks.positive_data_acceptance,
    schemathesis.checks.negative_data_rejection,
]


def _served_by_voting(path: str) -> bool:
    concrete = re.sub(r"\{[^}]+\}", "1", path)
    return resolve(concrete).func.__module__.split(".")[0] == "voting"


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
@settings(max_examples=8, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_voting_endpoints_on_real_votes(
    operation: Any, data: st.DataObject, votes: dict[str, Any]
) -> None:
    """Each operation in turn, so that none is left out by chance; each example picks a
    vote and a caller (the board or a member)."""
    case = data.draw(operation.as_strategy(), label="case")
    params = case.path_parameters or {}
    if "slug" in params:
        params["slug"] = votes["slug"]
    if "vote_id" in params:
        params["vote_id"] = data.draw(st.sampled_from(votes["vote_ids"]), label="vote")
    token = data.draw(st.sampled_from(votes["tokens"]), label="caller")
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, excluded_checks=EXCLUDED)


@settings(max_examples=1, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_every_voting_operation_is_exercised(
    data: st.DataObject, votes: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tested set is every route the voting app serves, the endpoint test above runs
    once per operation of that set, and each operation, called once by the board on a real
    vote, reaches its own view and method (not a routing 404 or a 405)."""
    voting_routes = {
        operation.label
        for operation in (result.ok() for result in schema.get_all_operations())
        if _served_by_voting(operation.path)
    }
    tested = [operation.label for operation in OPERATIONS]
    assert set(tested) == voting_routes
    (parametrized,) = [
        mark
        for mark in test_voting_endpoints_on_real_votes.pytestmark
        if mark.name == "parametrize"
    ]
    assert [operation.label for operation in parametrized.args[1]] == tested
    assert len(OPERATIONS) >= 20

    reached: set[tuple[type, str]] = set()
    dispatch = APIView.dispatch

    def recording_dispatch(view: APIView, request: Any, *args: Any, **kwargs: Any) -> Any:
        reached.add((type(view), request.method))
        return dispatch(view, request, *args, **kwargs)

    monkeypatch.setattr(APIView, "dispatch", recording_dispatch)
    expected = set()
    for operation in OPERATIONS:
        case = data.draw(operation.as_strategy(), label=operation.label)
        params = case.path_parameters or {}
        if "slug" in params:
            params["slug"] = votes["slug"]
        if "vote_id" in params:
            params["vote_id"] = votes["vote_ids"][0]
        response = case.call(headers={"Authorization": f"Token {votes['tokens'][0]}"})
        assert response.status_code not in (405, 500), operation.label
        view = resolve(re.sub(r"\{[^}]+\}", "1", operation.path)).func.view_class  # type: ignore[attr-defined]
        expected.add((view, operation.method.upper()))
    assert reached >= expected
