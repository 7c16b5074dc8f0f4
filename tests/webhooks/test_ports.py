"""Webhook destination ports: 80, 443 and 1024-65535 by default, WEBHOOK_ALLOWED_PORTS else."""

from __future__ import annotations

import socket
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from rest_framework.test import APIClient

from core.errors import InvalidInput
from tests.governance.factories import chair_of, make_cooperative
from webhooks import services
from webhooks.models import Endpoint
from webhooks.netguard import (
    DEFAULT_ALLOWED_PORTS,
    PortPolicy,
    UnsafeDestination,
    resolve_and_check,
    validate_url_syntax,
)
from webhooks.transport import deliver


@pytest.mark.parametrize("port", [80, 443, 1024, 8080, 8443, 65535])
def test_web_ports_and_the_unprivileged_range_are_allowed_by_default(port: int) -> None:
    validate_url_syntax(f"https://hooks.example.org:{port}/collegia")


@pytest.mark.parametrize("port", [1, 21, 22, 25, 53, 110, 445, 1023])
def test_privileged_ports_other_than_80_and_443_are_refused_by_default(port: int) -> None:
    with pytest.raises(UnsafeDestination) as caught:
        validate_url_syntax(f"https://hooks.example.org:{port}/collegia")
    assert caught.value.code == "port_not_allowed"
    assert str(port) in caught.value.message


def test_the_scheme_default_port_is_the_one_checked() -> None:
    only_https = PortPolicy.parse("443")
    validate_url_syntax("https://hooks.example.org/", allowed_ports=only_https)
    with pytest.raises(UnsafeDestination) as caught:
        validate_url_syntax("http://hooks.example.org/", allowed_ports=only_https)
    assert caught.value.code == "port_not_allowed"


def test_the_port_is_refused_before_any_name_is_resolved(monkeypatch: pytest.MonkeyPatch) -> None:
    looked_up: list[str] = []

    def fake_getaddrinfo(host: str, *args: Any, **kwargs: Any) -> Any:
        looked_up.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", 22))]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    with pytest.raises(UnsafeDestination) as caught:
        resolve_and_check("http://hooks.example.org:22/", allow_private=False)
    assert caught.value.code == "port_not_allowed"
    assert looked_up == []
    # Private destinations being allowed (development) does not open other ports.
    with pytest.raises(UnsafeDestination):
        resolve_and_check("http://hooks.example.org:22/", allow_private=True)


def test_port_lists_are_read_with_ranges() -> None:
    policy = PortPolicy.parse(" 443, 8000-8099 ,9443")
    assert [p for p in (80, 443, 7999, 8000, 8050, 8099, 8100, 9443) if policy.allows(p)] == [
        443,
        8000,
        8050,
        8099,
        9443,
    ]
    assert policy.describe() == "443, 8000-8099, 9443"
    assert DEFAULT_ALLOWED_PORTS.describe() == "80, 443, 1024-65535"


@pytest.mark.parametrize("text", ["", " , ", "http", "0", "65536", "90-80", "1-2-3", "22;80"])
def test_malformed_port_lists_are_rejected(text: str) -> None:
    with pytest.raises(ValueError):
        PortPolicy.parse(text)


def test_a_malformed_setting_is_a_configuration_error() -> None:
    with (
        override_settings(COLLEGIA={"WEBHOOK_ALLOWED_PORTS": "ssh"}),
        pytest.raises(ImproperlyConfigured, match="WEBHOOK_ALLOWED_PORTS"),
    ):
        services.allowed_ports()


def test_delivery_refuses_a_port_outside_the_policy_without_connecting() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        listener.setblocking(False)
        result = deliver(
            url=f"http://127.0.0.1:{port}/hook",
            headers={},
            body=b"{}",
            timeout=2.0,
            allow_private=True,
            allowed_ports=PortPolicy.parse("443"),
        )
        with pytest.raises(BlockingIOError):
            listener.accept()
    assert result.status is None
    assert result.error is not None
    assert "port_not_allowed" in result.error


@pytest.mark.django_db
def test_the_api_refuses_port_22_with_its_own_code() -> None:
    cooperative = make_cooperative()
    client = APIClient()
    client.force_authenticate(chair_of(cooperative))
    base = f"/api/v1/cooperatives/{cooperative.slug}/webhooks/endpoints/"

    answer = client.post(base, {"url": "https://plateforme.example.org:22/hook"}, format="json")

    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "port_not_allowed"
    assert body["details"]["reason"] == "port_not_allowed"
    assert body["details"]["allowed_ports"] == "80, 443, 1024-65535"
    assert body["message"]
    assert not Endpoint.objects.exists()


@pytest.mark.django_db
def test_the_setting_widens_or_narrows_the_allowed_ports() -> None:
    cooperative = make_cooperative()
    chair = chair_of(cooperative)

    with override_settings(COLLEGIA={"WEBHOOK_ALLOWED_PORTS": "443,22"}):
        assert services.endpoint_create(
            actor=chair, cooperative=cooperative, url="https://plateforme.example.org:22/hook"
        ).pk
        with pytest.raises(InvalidInput) as caught:
            services.endpoint_create(
                actor=chair, cooperative=cooperative, url="https://plateforme.example.org:8443/"
            )
    assert caught.value.code == "port_not_allowed"
    assert caught.value.details["allowed_ports"] == "443, 22"
