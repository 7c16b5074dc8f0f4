"""The deliberation endpoints fed generated input on a real debate: no 500, nothing off-schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis

from config.wsgi import application
from deliberation import services
from tests.api_fuzz import EXCLUDED_CHECKS, each_operation, operations_of, run_cases
from tests.deliberation.factories import make_room
from tests.governance.factories import api_token

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
deliberation_schema = schema.include(tag_regex="^(deliberation|notifications)$")


@pytest.fixture
def debate(db: None, keep_test_connection: None) -> dict[str, Any]:
    room = make_room()
    comment = services.comment_create(actor=room.member, proposal=room.proposal, body="<p>Pour</p>")
    services.comment_create(
        actor=room.observer, proposal=room.proposal, body="<p>Oui</p>", parent=comment
    )
    amendment = services.amendment_propose(
        actor=room.member, proposal=room.proposal, body="<p>Autre texte</p>"
    )
    return {
        "slug": room.cooperative.slug,
        "proposal": room.proposal.pk,
        "comment": comment.pk,
        "amendment": amendment.pk,
        "person": room.member.pk,
        "tokens": [api_token(person) for person in (room.chair, room.member)],
    }


OPERATIONS = operations_of(deliberation_schema)


@each_operation(OPERATIONS)
def test_deliberation_endpoints_on_a_real_debate(
    operation: Any, debate: dict[str, Any], settings: Any
) -> None:
    settings.COLLEGIA = {**settings.COLLEGIA, "COMMENT_RATE_LIMIT": "100000/60"}
    run_cases(operation, lambda case: _call(case, debate), examples=6)


def _call(case: Any, debate: dict[str, Any]) -> None:
    params = case.path_parameters or {}
    path = case.path
    if "slug" in params:
        params["slug"] = debate["slug"]
    if "pk" in params:
        if path.startswith("/api/v1/comments/"):
            params["pk"] = debate["comment"]
        elif path.startswith("/api/v1/amendments/"):
            params["pk"] = debate["amendment"]
        else:
            params["pk"] = debate["proposal"]
    if "person_id" in params:
        params["person_id"] = debate["person"]
    for token in debate["tokens"]:
        case.call_and_validate(
            headers={"Authorization": f"Token {token}"}, excluded_checks=EXCLUDED_CHECKS
        )
