"""Every endpoint of the OpenAPI schema, fed generated and malformed input by schemathesis.

No answer may be a server error or fall outside the schema. New endpoints are covered
as soon as they appear in the schema, each as a test of its own (tests.api_fuzz).
"""

from __future__ import annotations

import pytest
import schemathesis

from config.wsgi import application
from tests.api_fuzz import EXCLUDED_CHECKS, each_operation, operations_of, run_cases
from tests.governance.factories import (
    PersonFactory,
    add_legal_member,
    add_member,
    api_token,
    chair_of,
    make_cooperative,
)

schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)

SLUG = "schema-coop"


@pytest.fixture
def board_token(db: None, keep_test_connection: None) -> str:
    coop = make_cooperative(slug=SLUG)
    add_member(coop, "Workers", shares=10)
    add_member(coop, "Users")
    add_legal_member(coop, "Authorities")
    add_member(coop, "Suppliers", admit=False)
    PersonFactory(username="someone")
    return api_token(chair_of(coop))


OPERATIONS = operations_of(schema)


@each_operation(OPERATIONS)
def test_no_server_error_and_no_answer_outside_the_schema(operation, board_token):
    def check(case):
        if "slug" in (case.path_parameters or {}):
            case.path_parameters["slug"] = SLUG
        case.call_and_validate(
            headers={"Authorization": f"Token {board_token}"}, excluded_checks=EXCLUDED_CHECKS
        )

    run_cases(operation, check, examples=12)


def test_every_operation_of_the_schema_is_a_test_of_its_own():
    methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
    declared = {
        f"{method.upper()} {path}"
        for path, item in schema.raw_schema["paths"].items()
        for method in item
        if method in methods
    }
    assert {operation.label for operation in OPERATIONS} == declared


def test_the_schema_documents_the_error_shape_on_every_operation():
    raw = schema.raw_schema
    assert "Error" in raw["components"]["schemas"]
    for path, operations in raw["paths"].items():
        for method, operation in operations.items():
            assert "404" in operation["responses"], (method, path)
            assert "400" in operation["responses"], (method, path)
