"""The webhooks API: the public catalog, and board-only endpoints, messages and attempts."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from core.models import OutboxEvent
from governance import services as governance_services
from governance.models import Cooperative, Person
from tests.governance.factories import PersonFactory, add_member, chair_of, make_cooperative
from tests.webhooks.helpers import T0, deliver, emit, endpoint_for
from tests.webhooks.receiver import Behaviour, WebhookReceiver
from webhooks import catalog, worker
from webhooks.models import Endpoint, Message, MessageStatus
from webhooks.worker import _body

pytestmark = pytest.mark.django_db

URL = "https://plateforme.example.org/collegia"


def _base(cooperative: Cooperative) -> str:
    return f"/api/v1/cooperatives/{cooperative.slug}/webhooks/endpoints/"


def _client(person: Person | None) -> APIClient:
    client = APIClient()
    if person is not None:
        client.force_authenticate(person)
    return client


def _people(cooperative: Cooperative) -> dict[str, Person | None]:
    chair = chair_of(cooperative)
    member = add_member(cooperative, "Workers").member.person
    observer = PersonFactory()
    governance_services.observer_invite(actor=chair, cooperative=cooperative, person=observer)
    return {
        "board": chair,
        "member": member,
        "observer": observer,
        "outsider": PersonFactory(),
        "anonymous": None,
    }


EXPECTED = {"board": 200, "member": 403, "observer": 403, "outsider": 404, "anonymous": 401}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_only_the_board_reads_or_changes_endpoints(role: str) -> None:
    cooperative = make_cooperative()
    person = _people(cooperative)[role]
    endpoint = endpoint_for(URL, cooperative=cooperative)
    worker.dispatch_pending(now=T0)
    message = Message.objects.filter(endpoint=endpoint).first()
    assert message is not None
    client = _client(person)
    base = _base(cooperative)
    detail = f"{base}{endpoint.pk}/"
    reads = [
        base,
        detail,
        detail + "secret/",
        detail + "messages/",
        f"{detail}messages/{message.msg_id}/",
        f"{detail}messages/{message.msg_id}/attempts/",
    ]
    writes: list[tuple[str, str, dict[str, Any]]] = [
        ("patch", detail, {"description": "x"}),
        ("post", detail + "rotate-secret/", {}),
        ("post", detail + "test/", {}),
        ("post", detail + "replay-failed/", {"since": "2026-01-01T00:00:00Z"}),
        ("post", f"{detail}messages/{message.msg_id}/replay/", {}),
        ("post", base, {"url": URL}),
        ("delete", detail, {}),
    ]

    for url in reads:
        assert client.get(url).status_code == EXPECTED[role], url
    for method, url, body in writes:
        answer = getattr(client, method)(url, body, format="json")
        if EXPECTED[role] == 200:
            assert answer.status_code in {200, 201, 204}, (url, answer.content)
        else:
            assert answer.status_code == EXPECTED[role], url
            assert answer.json()["code"]


def test_an_endpoint_of_another_cooperative_is_not_found() -> None:
    mine = make_cooperative()
    theirs = endpoint_for(URL)
    client = _client(chair_of(mine))

    answer = client.get(f"{_base(mine)}{theirs.pk}/")
    missing = client.get(f"{_base(mine)}999999/")

    assert answer.status_code == missing.status_code == 404
    assert answer.json() == missing.json()
    delete = client.delete(f"{_base(mine)}{theirs.pk}/")
    assert delete.status_code == 404
    assert Endpoint.objects.filter(pk=theirs.pk).exists()


def test_create_returns_the_secret_which_lists_never_show() -> None:
    cooperative = make_cooperative()
    client = _client(chair_of(cooperative))

    created = client.post(
        _base(cooperative),
        {"url": URL, "description": "Livraisons", "event_types": ["decision.adopted"]},
        format="json",
    )

    assert created.status_code == 201, created.content
    body = created.json()
    endpoint = Endpoint.objects.get()
    assert body["secret"] == endpoint.secret
    assert body["event_types"] == ["decision.adopted"]
    assert body["is_enabled"] is True
    assert body["pending_count"] == 0
    listed = client.get(_base(cooperative)).json()
    assert len(listed["results"]) == 1
    assert "secret" not in listed["results"][0]
    assert endpoint.secret not in json.dumps(listed)
    assert "secret" not in client.get(f"{_base(cooperative)}{endpoint.pk}/").json()
    secret = client.get(f"{_base(cooperative)}{endpoint.pk}/secret/").json()
    assert secret == {
        "secret": endpoint.secret,
        "previous_secret": None,
        "previous_secret_valid_until": None,
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "gopher://example.org/"}, "url"),
        ({"url": URL, "event_types": ["decision.made"]}, "event_types"),
        ({"url": URL, "event_types": "decision.adopted"}, "event_types"),
        ({"url": URL, "description": "x" * 301}, "description"),
        ({"url": "https://example.org/" + "a" * 2000}, "url"),
        ({}, "url"),
    ],
)
def test_invalid_input_is_refused_with_the_field_at_fault(body: dict[str, Any], field: str) -> None:
    cooperative = make_cooperative()

    answer = _client(chair_of(cooperative)).post(_base(cooperative), body, format="json")

    assert answer.status_code == 400
    assert field in answer.json()["details"]
    assert not Endpoint.objects.exists()


def test_a_private_destination_is_refused_by_default() -> None:
    cooperative = make_cooperative()
    client = _client(chair_of(cooperative))

    with override_settings(COLLEGIA={"WEBHOOK_ALLOW_PRIVATE_DESTINATIONS": False}):
        answer = client.post(_base(cooperative), {"url": "http://169.254.169.254/"}, format="json")

    assert answer.status_code == 400
    assert answer.json()["code"] == "url_refused"
    assert answer.json()["details"]["reason"] == "private_address"


def test_rotating_answers_both_secrets_until_the_old_one_expires() -> None:
    endpoint = endpoint_for(URL)
    old = endpoint.secret
    client = _client(chair_of(endpoint.cooperative))
    detail = f"{_base(endpoint.cooperative)}{endpoint.pk}/"

    rotated = client.post(detail + "rotate-secret/").json()

    assert rotated["previous_secret"] == old
    assert rotated["secret"] != old
    assert rotated["previous_secret_valid_until"] is not None
    assert client.get(detail).json()["previous_secret_valid_until"] is not None


def test_disabling_through_the_api_reports_the_reason_and_cancels_waiting_messages() -> None:
    endpoint = endpoint_for(URL)
    worker.dispatch_pending(now=T0)
    client = _client(chair_of(endpoint.cooperative))
    detail = f"{_base(endpoint.cooperative)}{endpoint.pk}/"
    assert client.get(detail).json()["pending_count"] == 1

    answer = client.patch(detail, {"is_enabled": False}, format="json")

    assert answer.status_code == 200
    assert answer.json()["is_enabled"] is False
    assert answer.json()["disabled_reason"] == "board"
    assert answer.json()["pending_count"] == 0
    ping = client.post(detail + "test/")
    assert ping.status_code == 409
    assert ping.json()["code"] == "endpoint_disabled"


def test_the_board_follows_a_test_message_and_its_attempts_and_replays_it() -> None:
    with WebhookReceiver(Behaviour.error(500, body=b"not yet")) as receiver:
        endpoint = endpoint_for(receiver.url)
        OutboxEvent.objects.update(dispatched_at=T0)
        client = _client(chair_of(endpoint.cooperative))
        detail = f"{_base(endpoint.cooperative)}{endpoint.pk}/"

        ping = client.post(detail + "test/")
        assert ping.status_code == 201
        msg_id = ping.json()["id"]
        assert ping.json()["event_type"] == "webhook.test"
        now = timezone.now()
        deliver(now)
        deliver(now + timedelta(minutes=1))
        requests = receiver.requests

    assert [r.headers["webhook-id"] for r in requests] == [msg_id, msg_id]
    messages = client.get(detail + "messages/").json()
    assert [m["id"] for m in messages["results"]] == [msg_id]
    assert messages["results"][0]["status"] == "delivered"
    attempts = client.get(f"{detail}messages/{msg_id}/attempts/").json()
    assert [(a["number"], a["status_code"]) for a in attempts["results"]] == [(2, 200), (1, 500)]
    assert attempts["results"][1]["response_excerpt"] == "not yet"
    assert attempts["results"][1]["duration_ms"] >= 0
    shown = client.get(f"{detail}messages/{msg_id}/").json()
    message = Message.objects.get(msg_id=msg_id)
    assert shown["body"] == json.loads(_body(message.event))
    assert shown["body"]["data"]["endpoint"] == {"id": endpoint.pk}

    replayed = client.post(f"{detail}messages/{msg_id}/replay/")
    assert replayed.status_code == 200
    assert replayed.json()["status"] == "pending"
    assert len(client.get(detail + "messages/?status=pending").json()["results"]) == 1
    assert len(client.get(detail + "messages/?status=delivered").json()["results"]) == 0
    assert client.get(detail + "messages/?status=lost").status_code == 400
    assert client.get(f"{detail}messages/msg_unknown/").status_code == 404


def test_replay_failed_since_a_date_through_the_api() -> None:
    endpoint = endpoint_for(URL)
    emit(endpoint.cooperative, 2)
    worker.dispatch_pending(now=T0)
    Message.objects.update(status=MessageStatus.FAILED, next_attempt_at=None)
    client = _client(chair_of(endpoint.cooperative))
    detail = f"{_base(endpoint.cooperative)}{endpoint.pk}/"

    answer = client.post(detail + "replay-failed/", {"since": T0.isoformat()}, format="json")
    future = client.post(detail + "replay-failed/", {"since": "2999-01-01T00:00:00Z"})

    assert answer.status_code == 200
    assert answer.json() == {"queued": 3}
    assert future.status_code == 400
    assert not Message.objects.exclude(status=MessageStatus.PENDING).exists()


def test_the_event_catalog_is_public_and_complete() -> None:
    answer = APIClient().get("/api/v1/webhooks/event-types/")

    assert answer.status_code == 200
    listed = {item["type"]: item for item in answer.json()}
    assert set(listed) == set(catalog.EVENT_TYPES)
    decision = listed["decision.adopted"]
    assert decision["version"] == 1
    assert decision["app"] == "voting"
    assert "audit_hash" in decision["schema"]["properties"]


def test_the_openapi_schema_documents_the_event_types() -> None:
    answer = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")

    assert answer.status_code == 200
    operation = answer.json()["paths"]["/api/v1/webhooks/event-types/"]["get"]
    for name in catalog.EVENT_TYPES:
        assert f"`{name}`" in operation["description"]


def test_lists_issue_a_constant_number_of_queries(django_assert_max_num_queries: Any) -> None:
    cooperative = make_cooperative()
    client = _client(chair_of(cooperative))
    for _ in range(6):
        endpoint = endpoint_for(URL, cooperative=cooperative)
    emit(cooperative, 30)
    worker.dispatch_pending(now=T0)
    detail = f"{_base(cooperative)}{endpoint.pk}/"

    with django_assert_max_num_queries(8):
        assert len(client.get(_base(cooperative)).json()["results"]) == 6
    with django_assert_max_num_queries(8):
        assert len(client.get(detail + "messages/").json()["results"]) == 31
