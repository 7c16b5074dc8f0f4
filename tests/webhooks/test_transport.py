"""Tests of one delivery attempt against a real local HTTP(S) receiver."""

import json
import random
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import WebhookVerificationError

from tests.webhooks.receiver import (
    Behaviour,
    WebhookReceiver,
    port_is_closed,
    verified_deliveries,
)
from webhooks.schedule import Outcome, classify, next_attempt_delay
from webhooks.signing import build_headers, canonical_body, generate_secret, new_message_id
from webhooks.transport import AttemptResult, ClientPool, deliver

TLS_HOST = "hooks.collegia.test"

_real_getaddrinfo = socket.getaddrinfo


@dataclass(frozen=True)
class Message:
    secret: str
    msg_id: str
    body: bytes
    headers: dict[str, str]


def _message(secret: str | None = None, msg_id: str | None = None) -> Message:
    secret = secret or generate_secret()
    msg_id = msg_id or new_message_id()
    body = canonical_body(
        event_type="decision.adopted",
        timestamp=datetime.now(UTC),
        data={"decision_id": 7, "summary": "Adhésion du collège des usagers"},
    )
    headers = build_headers(secrets=[secret], msg_id=msg_id, timestamp=int(time.time()), body=body)
    return Message(secret=secret, msg_id=msg_id, body=body, headers=headers)


def _deliver(url: str, message: Message, **overrides: Any) -> AttemptResult:
    options: dict[str, Any] = {"timeout": 5.0, "allow_private": True} | overrides
    return deliver(url=url, headers=message.headers, body=message.body, **options)


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with WebhookReceiver() as running:
        yield running


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Callable[..., list[str]]:
    """Answer each look-up of a name with the next answer given; other hosts resolve for real.

    Only IP literals reach the real resolver, so no test needs external DNS.
    """
    looked_up: list[str] = []

    def install(name: str, *answers: tuple[str, ...]) -> list[str]:
        remaining = list(answers)

        def fake_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            if host != name:
                return _real_getaddrinfo(host, port, *args, **kwargs)
            looked_up.append(host)
            if not remaining:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            family = socket.AF_INET
            return [
                (family, socket.SOCK_STREAM, 6, "", (address, int(port)))
                for address in remaining.pop(0)
            ]

        monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
        return looked_up

    return install


def test_success_is_recorded_once_with_verifiable_standard_headers(
    receiver: WebhookReceiver,
) -> None:
    message = _message()

    result = _deliver(receiver.url, message)

    assert result.status == 200
    assert result.error is None
    assert result.response_excerpt == "ok"
    assert result.retry_after is None
    assert 0 <= result.duration_ms < 5000
    assert classify(result.status, result.error) is Outcome.SUCCESS
    [request] = receiver.requests
    assert request.method == "POST"
    assert request.path == "/hook"
    assert request.body == message.body
    assert request.headers["host"] == f"127.0.0.1:{receiver.port}"
    assert request.headers["content-type"] == "application/json"
    assert request.headers["user-agent"] == "Collegia-Webhooks/1"
    assert request.headers["webhook-id"] == message.msg_id
    payloads = verified_deliveries(receiver.requests, secret=message.secret)
    assert payloads == {message.msg_id: json.loads(message.body)}


def test_server_error_is_returned_with_its_body() -> None:
    with WebhookReceiver(Behaviour.error(500, body=b"database down")) as receiver:
        result = _deliver(receiver.url, _message())

    assert result.status == 500
    assert result.error is None
    assert result.response_excerpt == "database down"
    assert classify(result.status, result.error) is Outcome.RETRY


def test_slow_receiver_times_out() -> None:
    with WebhookReceiver(Behaviour.slow(3.0)) as receiver:
        result = _deliver(receiver.url, _message(), timeout=0.5)
        assert len(receiver.wait_for_requests(1)) == 1

    assert result.status is None
    assert result.error == "timeout"
    assert 400 <= result.duration_ms < 2500
    assert classify(result.status, result.error) is Outcome.RETRY


def test_stopped_receiver_refuses_the_connection_then_recovers(
    receiver: WebhookReceiver,
) -> None:
    message = _message()
    receiver.stop()
    assert port_is_closed(receiver.port)

    refused = _deliver(receiver.url, message)
    receiver.restart()
    delivered = _deliver(receiver.url, message)

    assert refused.status is None
    assert refused.error == "connection_refused"
    assert classify(refused.status, refused.error) is Outcome.RETRY
    assert delivered.status == 200
    assert len(receiver.requests) == 1


def test_redirect_is_not_followed_and_counts_as_failure(receiver: WebhookReceiver) -> None:
    receiver.program(Behaviour.redirect(receiver.url + "/moved"))

    result = _deliver(receiver.url, _message())

    assert result.status == 301
    assert classify(result.status, result.error) is Outcome.RETRY
    assert [request.path for request in receiver.requests] == ["/hook"]


def test_gone_disables_the_endpoint() -> None:
    with WebhookReceiver(Behaviour.gone()) as receiver:
        result = _deliver(receiver.url, _message())

    assert result.status == 410
    assert classify(result.status, result.error) is Outcome.GONE


def test_throttling_returns_retry_after_which_slows_the_next_attempt() -> None:
    with WebhookReceiver(Behaviour.throttle("120")) as receiver:
        result = _deliver(receiver.url, _message())

    assert result.status == 429
    assert result.retry_after == "120"
    delay = next_attempt_delay(
        attempt_number=1,
        status=result.status,
        retry_after=result.retry_after,
        rng=random.Random(0),
    )
    assert delay == timedelta(seconds=120)


def test_loopback_is_refused_without_contacting_it(receiver: WebhookReceiver) -> None:
    result = _deliver(receiver.url, _message(), allow_private=False)

    assert result.status is None
    assert result.error is not None
    assert result.error.startswith("unsafe_destination: private_address")
    time.sleep(0.1)
    assert receiver.requests == []


def test_unknown_name_is_a_dns_failure(fake_dns: Callable[..., list[str]]) -> None:
    fake_dns("missing.collegia.test")
    result = _deliver("https://missing.collegia.test/hook", _message())
    assert result.status is None
    assert result.error is not None
    assert result.error.startswith("dns_failure: ")


def test_connection_goes_to_the_checked_address_not_a_new_answer(
    receiver: WebhookReceiver, fake_dns: Callable[..., list[str]]
) -> None:
    # The second answer would point elsewhere; only the first one may ever be used.
    looked_up = fake_dns(TLS_HOST, ("127.0.0.1",), ("10.255.255.1",))
    url = f"http://{TLS_HOST}:{receiver.port}/hook"

    result = _deliver(url, _message(), timeout=2.0)

    assert result.status == 200
    assert looked_up == [TLS_HOST]
    [request] = receiver.requests
    assert request.headers["host"] == f"{TLS_HOST}:{receiver.port}"


def test_next_address_is_tried_when_the_first_refuses(
    receiver: WebhookReceiver, fake_dns: Callable[..., list[str]]
) -> None:
    # The receiver listens on 127.0.0.1 only, so 127.0.0.2 refuses on the same port.
    fake_dns(TLS_HOST, ("127.0.0.2", "127.0.0.1"))

    result = _deliver(f"http://{TLS_HOST}:{receiver.port}/hook", _message())

    assert result.status == 200
    assert len(receiver.requests) == 1


def test_response_excerpt_keeps_the_first_thousand_characters() -> None:
    body = ("é" * 3000).encode()
    with WebhookReceiver(Behaviour.error(422, body=body)) as receiver:
        result = _deliver(receiver.url, _message())

    assert result.status == 422
    assert result.response_excerpt == "é" * 1000


def test_undecodable_response_is_decoded_with_replacement() -> None:
    with WebhookReceiver(Behaviour.error(400, body=b"bad \xff\xfe input")) as receiver:
        result = _deliver(receiver.url, _message())

    assert result.response_excerpt == "bad \ufffd\ufffd input"


def test_redeliveries_are_deduplicated_by_webhook_id(receiver: WebhookReceiver) -> None:
    first = _message()
    other = _message(secret=first.secret)
    for message in (first, first, other, first):
        assert _deliver(receiver.url, message).status == 200

    payloads = verified_deliveries(receiver.requests, secret=first.secret)
    assert list(payloads) == [first.msg_id, other.msg_id]
    with pytest.raises(WebhookVerificationError):
        verified_deliveries(receiver.requests, secret=generate_secret())


def test_five_hundreds_then_success(receiver: WebhookReceiver) -> None:
    receiver.program(Behaviour.error(500), Behaviour.error(503))
    message = _message()

    statuses = [_deliver(receiver.url, message).status for _ in range(3)]

    assert statuses == [500, 503, 200]
    assert len(verified_deliveries(receiver.requests, secret=message.secret)) == 1


# TLS: a private CA signs the receiver's certificate for TLS_HOST only.


@dataclass(frozen=True)
class Certificates:
    ca_file: Path
    cert_file: Path
    key_file: Path
    wrong_cert_file: Path


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Certificates:
    x509 = pytest.importorskip("cryptography.x509")
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    folder = tmp_path_factory.mktemp("tls")
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Collegia test CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    leaf_key = ec.generate_private_key(ec.SECP256R1())

    def leaf(name: str) -> bytes:
        cert = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_name)
            .public_key(leaf_key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                critical=False,
            )
            .sign(ca_key, hashes.SHA256())
        )
        pem: bytes = cert.public_bytes(serialization.Encoding.PEM)
        return pem

    certificates = Certificates(
        ca_file=folder / "ca.pem",
        cert_file=folder / "leaf.pem",
        key_file=folder / "leaf.key",
        wrong_cert_file=folder / "wrong.pem",
    )
    certificates.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    certificates.cert_file.write_bytes(leaf(TLS_HOST))
    certificates.wrong_cert_file.write_bytes(leaf("elsewhere.collegia.test"))
    certificates.key_file.write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return certificates


def _server_context(cert_file: Path, key_file: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


def test_https_connects_to_the_pinned_ip_with_the_name_for_sni_and_verification(
    certificates: Certificates, fake_dns: Callable[..., list[str]]
) -> None:
    server_context = _server_context(certificates.cert_file, certificates.key_file)
    server_names: list[str | None] = []
    server_context.sni_callback = lambda _sock, name, _ctx: server_names.append(name)
    looked_up = fake_dns(TLS_HOST, ("127.0.0.1",), ("10.255.255.1",))
    client_context = ssl.create_default_context(cafile=str(certificates.ca_file))

    with WebhookReceiver(ssl_context=server_context) as receiver:
        url = f"https://{TLS_HOST}:{receiver.port}/hook"
        message = _message()
        result = _deliver(url, message, ssl_context=client_context)
        requests = receiver.requests

    assert result.error is None
    assert result.status == 200
    assert looked_up == [TLS_HOST]
    assert server_names == [TLS_HOST]
    assert [request.headers["host"] for request in requests] == [f"{TLS_HOST}:{receiver.port}"]
    assert verified_deliveries(requests, secret=message.secret)


def test_https_refuses_a_certificate_for_another_name(
    certificates: Certificates, fake_dns: Callable[..., list[str]]
) -> None:
    server_context = _server_context(certificates.wrong_cert_file, certificates.key_file)
    fake_dns(TLS_HOST, ("127.0.0.1",))
    client_context = ssl.create_default_context(cafile=str(certificates.ca_file))

    with WebhookReceiver(ssl_context=server_context) as receiver:
        url = f"https://{TLS_HOST}:{receiver.port}/hook"
        result = _deliver(url, _message(), ssl_context=client_context)
        requests = receiver.requests

    assert result.status is None
    assert result.error is not None
    assert result.error.startswith("tls_error: ")
    assert requests == []


def test_https_refuses_an_untrusted_certificate_by_default(
    certificates: Certificates, fake_dns: Callable[..., list[str]]
) -> None:
    server_context = _server_context(certificates.cert_file, certificates.key_file)
    fake_dns(TLS_HOST, ("127.0.0.1",))

    with WebhookReceiver(ssl_context=server_context) as receiver:
        result = _deliver(f"https://{TLS_HOST}:{receiver.port}/hook", _message())
        requests = receiver.requests

    assert result.error is not None
    assert result.error.startswith("tls_error: ")
    assert requests == []


# Connections kept alive per checked destination.


def test_a_pool_keeps_one_connection_alive_for_the_same_destination(
    fake_dns: Callable[..., list[str]],
) -> None:
    looked_up = fake_dns(TLS_HOST, ("127.0.0.1",), ("127.0.0.1",), ("127.0.0.1",))
    pool = ClientPool()
    with WebhookReceiver(keep_alive=True) as receiver:
        url = f"http://{TLS_HOST}:{receiver.port}/hook"
        results = [_deliver(url, _message(), pool=pool) for _ in range(3)]
        requests = receiver.requests
    pool.close()
    assert [r.status for r in results] == [200, 200, 200]
    # Every delivery checked the name again; all three rode on one connection.
    assert looked_up == [TLS_HOST] * 3
    assert len({request.peer for request in requests}) == 1


def test_a_kept_connection_is_not_used_once_the_name_points_elsewhere(
    fake_dns: Callable[..., list[str]],
) -> None:
    # The receiver listens on 127.0.0.1 only: after the DNS change, 127.0.0.2 refuses,
    # although a connection to the old address is open in the pool.
    fake_dns(TLS_HOST, ("127.0.0.1",), ("127.0.0.2",))
    pool = ClientPool()
    with WebhookReceiver(keep_alive=True) as receiver:
        url = f"http://{TLS_HOST}:{receiver.port}/hook"
        first = _deliver(url, _message(), pool=pool)
        second = _deliver(url, _message(), pool=pool)
        requests = receiver.requests
    pool.close()
    assert first.status == 200
    assert (second.status, second.error) == (None, "connection_refused")
    assert len(requests) == 1


def test_another_name_at_the_same_address_gets_its_own_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    names = {"a.collegia.test", "b.collegia.test"}

    def fake_getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host in names:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", int(port)))]
        return _real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    pool = ClientPool()
    with WebhookReceiver(keep_alive=True) as receiver:
        for name in sorted(names) * 2:
            assert _deliver(f"http://{name}:{receiver.port}/hook", _message(), pool=pool).status
        requests = receiver.requests
    assert len(pool) == 2
    pool.close()
    by_peer: dict[tuple[str, int], set[str]] = {}
    for request in requests:
        by_peer.setdefault(request.peer, set()).add(request.headers["host"].split(":")[0])
    # Two connections, each carrying one name only.
    assert sorted(by_peer.values(), key=sorted) == [{"a.collegia.test"}, {"b.collegia.test"}]


def test_the_guard_still_refuses_loopback_with_a_pool(receiver: WebhookReceiver) -> None:
    pool = ClientPool()
    result = _deliver(receiver.url, _message(), pool=pool, allow_private=False)
    assert result.error is not None and result.error.startswith("unsafe_destination: ")
    assert receiver.requests == [] and len(pool) == 0


def test_idle_connections_are_closed(fake_dns: Callable[..., list[str]]) -> None:
    fake_dns(TLS_HOST, ("127.0.0.1",), ("127.0.0.1",))
    pool = ClientPool(idle_seconds=0.0)
    with WebhookReceiver(keep_alive=True) as receiver:
        url = f"http://{TLS_HOST}:{receiver.port}/hook"
        _deliver(url, _message(), pool=pool)
        time.sleep(0.01)
        _deliver(url, _message(), pool=pool)
        requests = receiver.requests
    pool.close()
    assert len({request.peer for request in requests}) == 2
