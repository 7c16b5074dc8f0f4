"""Under /api/ every error is JSON in the one error shape, whatever the body or the path."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client, override_settings
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from core.parsers import MAX_JSON_DEPTH
from governance.demo import DEMO_SLUG
from governance.models import Person
from tests.core.routes import CONVERTER, fill, ids_in, write_operations
from tests.governance.factories import chair_of, make_cooperative

pytestmark = pytest.mark.django_db

ERROR_KEYS = {"code", "message", "details"}


def _assert_error(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.content[:300]
    assert answer["Content-Type"].startswith("application/json")
    body = answer.json()
    assert set(body) == ERROR_KEYS
    assert body["code"] == code
    assert body["message"]
    return body


@pytest.fixture
def board_client() -> tuple[Client, str]:
    cooperative = make_cooperative()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(chair_of(cooperative))
    return client, f"/api/v1/cooperatives/{cooperative.slug}/webhooks/endpoints/"


def test_a_hundred_thousand_nested_brackets_are_a_parse_error(
    board_client: tuple[Client, str],
) -> None:
    client, url = board_client
    answer = client.generic("POST", url, b"[" * 100_000, content_type="application/json")
    body = _assert_error(answer, 400, "parse_error")
    assert "nested too deeply" in body["message"]


def test_nesting_is_refused_past_the_limit_even_when_the_decoder_copes(
    board_client: tuple[Client, str],
) -> None:
    client, url = board_client
    deep = json.dumps({"url": json.loads("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))})
    _assert_error(
        client.generic("POST", url, deep, content_type="application/json"), 400, "parse_error"
    )
    shallow = json.dumps({"url": [[["x"]]]})
    _assert_error(
        client.generic("POST", url, shallow, content_type="application/json"), 400, "invalid"
    )


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"url": ', "application/json"),
        (b'{"url": 1e999}', "application/json"),
        (b'{"url": NaN}', "application/json"),
        (b'{"url": ' + b"9" * 5000 + b"}", "application/json"),
        (b'{"url": "\xff\xfe"}', "application/json"),
        ('{"url": "é"}'.encode("utf-16"), "application/json; charset=utf-8"),
    ],
)
def test_malformed_json_is_a_parse_error(
    board_client: tuple[Client, str], body: bytes, content_type: str
) -> None:
    client, url = board_client
    _assert_error(client.generic("POST", url, body, content_type=content_type), 400, "parse_error")


def test_a_body_over_the_limit_is_413_in_the_error_shape(
    board_client: tuple[Client, str],
) -> None:
    client, url = board_client
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        answer = client.generic(
            "POST", url, b'"' + b"x" * 2000 + b'"', content_type="application/json"
        )
    body = _assert_error(answer, 413, "request_too_large")
    assert body["details"] == {"max_bytes": 1000}


def test_a_ten_megabyte_body_is_413(board_client: tuple[Client, str]) -> None:
    client, url = board_client
    answer = client.generic("POST", url, b"x" * (10 * 1024 * 1024), content_type="application/json")
    _assert_error(answer, 413, "request_too_large")


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize(
    "path", ["/api/v1/no-such-thing/", "/api/v2/", "/api/", "/api/v1/cooperatives/x/y/z/"]
)
def test_an_unknown_api_route_is_a_json_404(path: str, debug: bool) -> None:
    with override_settings(DEBUG=debug):
        answer = Client(enforce_csrf_checks=True).post(
            path, {"a": 1}, content_type="application/json"
        )
    body = _assert_error(answer, 404, "not_found")
    assert body["details"] == {}


def test_a_missing_final_slash_is_pointed_out() -> None:
    answer = Client().get("/api/v1/webhooks/event-types")
    body = _assert_error(answer, 404, "not_found")
    assert body["details"] == {"did_you_mean": "/api/v1/webhooks/event-types/"}


def test_wrong_method_and_media_type_are_json(board_client: tuple[Client, str]) -> None:
    client, url = board_client
    _assert_error(client.put(url, "{}", content_type="application/json"), 405, "method_not_allowed")
    _assert_error(
        client.generic("POST", url, b"url=x", content_type="text/plain"),
        415,
        "unsupported_media_type",
    )


def test_pages_outside_the_api_keep_the_html_404() -> None:
    answer = Client().get("/no-such-page/")
    assert answer.status_code == 404
    assert answer["Content-Type"].startswith("text/html")


def test_the_schema_documents_413_on_writes_and_parse_errors() -> None:
    schema = Client().get("/api/schema/?format=json").json()
    create = schema["paths"]["/api/v1/cooperatives/{slug}/webhooks/endpoints/"]["post"]
    assert "413" in create["responses"]
    assert "parse_error" in create["responses"]["400"]["description"]
    assert "port_not_allowed" in create["description"]
    listing = schema["paths"]["/api/v1/cooperatives/{slug}/webhooks/endpoints/"]["get"]
    assert "413" not in listing["responses"]


# Generated bodies against every write endpoint of the API.

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "url",
                    "title",
                    "body",
                    "text",
                    "choice",
                    "choices",
                    "kind",
                    "name",
                    "person",
                    "member",
                    "college",
                    "shares",
                    "weights",
                    "rules",
                    "event_types",
                    "opens_at",
                    "closes_at",
                    "reason",
                    "parent",
                    "proposal",
                    "amount",
                    "note",
                    "ids",
                    "x",
                ]
            )
            | st.text(max_size=8),
            inner,
            max_size=5,
        )
    ),
    max_leaves=12,
)
_encodings = st.sampled_from(["utf-8", "utf-16", "utf-32", "latin-1", "cp1252"])
_bodies = st.one_of(
    st.binary(max_size=400),
    _json_values.map(lambda value: json.dumps(value).encode()),
    st.tuples(_json_values, _encodings).map(
        lambda pair: json.dumps(pair[0], ensure_ascii=False).encode(pair[1], "replace")
    ),
    st.integers(min_value=1, max_value=200_000).map(lambda n: b"[" * n),
    st.integers(min_value=1, max_value=5_000).map(lambda n: b'{"a":' * n),
    st.integers(min_value=1, max_value=6_000).map(lambda n: b'{"title": 1' + b"0" * n + b"}"),
    st.sampled_from([b"1e999", b"-1e999", b'{"amount": 1e400}', b"[NaN]", b"Infinity", b""]),
)
_content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "application/json; charset=utf-16",
        "application/json; charset=latin-1",
        "application/json; charset=bogus-charset",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz",
        "",
    ]
)


@pytest.fixture
def demo_client() -> tuple[Client, dict[str, int]]:
    call_command("load_demo", stdout=None)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(Person.objects.get(username="claire"))
    return client, ids_in(DEMO_SLUG)


def test_every_write_operation_of_the_schema_is_enumerated() -> None:
    operations = write_operations()
    schema = Client().get("/api/schema/?format=json").json()
    # The schema names path parameters its own way ({id} for <int:pk>): compare shapes.
    documented = {
        (method.upper(), re.sub(r"\{\w+\}", "{}", path.lstrip("/")))
        for path, item in schema["paths"].items()
        for method in item
        if method in {"post", "put", "patch", "delete"}
    }
    enumerated = {(method, CONVERTER.sub("{}", route)) for method, route in operations}
    assert documented == enumerated
    assert ("POST", "api/v1/proposals/<int:pk>/comments/") in operations
    assert ("PATCH", "api/v1/cooperatives/<slug:slug>/rules/") in operations


@settings(
    max_examples=600,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    operation=st.sampled_from(write_operations()),
    body=_bodies,
    content_type=_content_types,
)
@example(
    operation=("POST", "api/v1/proposals/<int:pk>/comments/"),
    body=b"[" * 100_000,
    content_type="application/json",
)
@example(
    operation=("PUT", "api/v1/cooperatives/<slug:slug>/colleges/"),
    body='{"colleges": [{"name": "é"}]}'.encode("utf-16"),
    content_type="application/json; charset=utf-16",
)
def test_generated_bodies_never_cause_a_server_error(
    demo_client: tuple[Client, dict[str, int]],
    operation: tuple[str, str],
    body: bytes,
    content_type: str,
) -> None:
    client, ids = demo_client
    method, route = operation
    answer = client.generic(method, fill(route, ids, DEMO_SLUG), body, content_type=content_type)
    assert answer.status_code < 500, (method, route, answer.status_code, answer.content[:300])
    if answer.status_code >= 400:
        assert set(answer.json()) == ERROR_KEYS


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"--xyz\r\nContent-Disposition: form-data\r\n\r\n", "multipart/form-data; boundary=xyz"),
        (b"--xyz", "multipart/form-data"),
        (b"a=1", "application/x-www-form-urlencoded; charset=utf-16"),
        (b"\xff\xfe=\xff", "application/x-www-form-urlencoded"),
    ],
)
def test_form_bodies_read_by_the_csrf_check_are_client_errors(
    body: bytes, content_type: str
) -> None:
    """A browser session's POST has its form body read by the CSRF check before DRF parses."""
    cooperative = make_cooperative()
    client = Client(enforce_csrf_checks=True, HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(chair_of(cooperative))
    url = f"/api/v1/cooperatives/{cooperative.slug}/webhooks/endpoints/"
    answer = client.generic("POST", url, body, content_type=content_type)
    assert 400 <= answer.status_code < 500
    assert set(answer.json()) == ERROR_KEYS
