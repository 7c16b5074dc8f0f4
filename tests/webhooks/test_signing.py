"""Tests of webhook signing against the standardwebhooks reference package."""

import base64
import json
import re
import time
from datetime import UTC, datetime, timedelta, timezone

import pytest
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from webhooks.signing import (
    build_headers,
    canonical_body,
    generate_secret,
    new_message_id,
    sign,
    signature_header,
)

# Test vector published with the Standard Webhooks reference libraries.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_MSG_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def _message() -> tuple[str, int, bytes]:
    body = canonical_body(
        event_type="decision.adopted",
        timestamp=datetime.now(UTC),
        data={"decision_id": 42, "title": "Répartition des excédents"},
    )
    return new_message_id(), int(time.time()), body


def test_generated_secret_carries_32_random_bytes() -> None:
    secret = generate_secret()
    assert secret.startswith("whsec_")
    assert len(base64.b64decode(secret.removeprefix("whsec_"), validate=True)) == 32
    assert generate_secret() != secret


def test_message_ids_are_prefixed_url_safe_and_unique() -> None:
    ids = {new_message_id() for _ in range(100)}
    assert len(ids) == 100
    assert all(re.fullmatch(r"msg_[A-Za-z0-9_-]{20,}", msg_id) for msg_id in ids)


def test_sign_matches_the_published_test_vector() -> None:
    signature = sign(
        secret=VECTOR_SECRET, msg_id=VECTOR_MSG_ID, timestamp=VECTOR_TIMESTAMP, body=VECTOR_BODY
    )
    assert signature == VECTOR_SIGNATURE


def test_reference_package_verifies_a_signed_message() -> None:
    secret = generate_secret()
    msg_id, timestamp, body = _message()
    headers = build_headers(secrets=[secret], msg_id=msg_id, timestamp=timestamp, body=body)

    payload = Webhook(secret).verify(body, headers)

    assert payload["type"] == "decision.adopted"
    assert payload["data"] == {"decision_id": 42, "title": "Répartition des excédents"}


def test_reference_package_rejects_a_tampered_body() -> None:
    secret = generate_secret()
    msg_id, timestamp, body = _message()
    headers = build_headers(secrets=[secret], msg_id=msg_id, timestamp=timestamp, body=body)
    tampered = body.replace(b'"decision_id":42', b'"decision_id":43')
    assert tampered != body

    with pytest.raises(WebhookVerificationError):
        Webhook(secret).verify(tampered, headers)


def test_reference_package_rejects_a_timestamp_older_than_five_minutes() -> None:
    secret = generate_secret()
    msg_id, now, body = _message()
    old = now - 6 * 60
    headers = build_headers(secrets=[secret], msg_id=msg_id, timestamp=old, body=body)

    with pytest.raises(WebhookVerificationError, match="too old"):
        Webhook(secret).verify(body, headers)


def test_reference_package_rejects_another_secret() -> None:
    msg_id, timestamp, body = _message()
    headers = build_headers(
        secrets=[generate_secret()], msg_id=msg_id, timestamp=timestamp, body=body
    )

    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(body, headers)


def test_rotation_sends_both_signatures_and_either_secret_verifies() -> None:
    old_secret, new_secret = generate_secret(), generate_secret()
    msg_id, timestamp, body = _message()
    headers = build_headers(
        secrets=[new_secret, old_secret], msg_id=msg_id, timestamp=timestamp, body=body
    )

    signatures = headers["webhook-signature"].split(" ")
    assert len(signatures) == 2
    assert all(signature.startswith("v1,") for signature in signatures)
    Webhook(old_secret).verify(body, headers)
    Webhook(new_secret).verify(body, headers)
    with pytest.raises(WebhookVerificationError):
        Webhook(generate_secret()).verify(body, headers)


def test_signature_header_signs_each_distinct_secret_once() -> None:
    secret = generate_secret()
    header = signature_header(secrets=[secret, secret], msg_id="msg_1", timestamp=1, body=b"{}")
    assert header == sign(secret=secret, msg_id="msg_1", timestamp=1, body=b"{}")


def test_signature_header_refuses_no_secret_and_a_bare_string() -> None:
    with pytest.raises(ValueError):
        signature_header(secrets=[], msg_id="msg_1", timestamp=1, body=b"{}")
    with pytest.raises(TypeError):
        signature_header(secrets=generate_secret(), msg_id="msg_1", timestamp=1, body=b"{}")


@pytest.mark.parametrize(
    "secret",
    [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",  # Missing prefix.
        "whsec_not base64!",
        "whsec_" + base64.b64encode(b"short").decode(),
        "whsec_",
    ],
)
def test_sign_refuses_malformed_secrets(secret: str) -> None:
    with pytest.raises(ValueError):
        sign(secret=secret, msg_id="msg_1", timestamp=1, body=b"{}")


def test_sign_accepts_a_secret_without_base64_padding() -> None:
    unpadded = generate_secret().rstrip("=")
    msg_id, timestamp, body = _message()
    headers = build_headers(secrets=[unpadded], msg_id=msg_id, timestamp=timestamp, body=body)
    Webhook(unpadded).verify(body, headers)


@pytest.mark.parametrize("msg_id", ["", "msg 1", "msg_\n1", "msg_é"])
def test_sign_refuses_message_ids_that_are_not_one_ascii_token(msg_id: str) -> None:
    with pytest.raises(ValueError):
        sign(secret=generate_secret(), msg_id=msg_id, timestamp=1, body=b"{}")


def test_build_headers_lists_the_standard_headers() -> None:
    secret = generate_secret()
    headers = build_headers(secrets=[secret], msg_id="msg_abc", timestamp=1700000000, body=b"{}")
    signature = sign(secret=secret, msg_id="msg_abc", timestamp=1700000000, body=b"{}")

    assert headers == {
        "webhook-id": "msg_abc",
        "webhook-timestamp": "1700000000",
        "webhook-signature": signature,
        "content-type": "application/json",
        "user-agent": "Collegia-Webhooks/1",
    }


def test_canonical_body_is_compact_sorted_utf8_with_a_utc_z_timestamp() -> None:
    paris = timezone(timedelta(hours=2))
    body = canonical_body(
        event_type="decision.adopted",
        timestamp=datetime(2025, 6, 1, 14, 30, 5, 123456, tzinfo=paris),
        data={"b": 1, "a": {"z": "é", "y": [1, 2]}},
    )

    expected = (
        '{"data":{"a":{"y":[1,2],"z":"é"},"b":1},'
        '"timestamp":"2025-06-01T12:30:05.123456Z","type":"decision.adopted"}'
    )
    assert body == expected.encode()
    assert json.loads(body)["timestamp"].endswith("Z")


def test_canonical_body_does_not_depend_on_key_order() -> None:
    moment = datetime(2025, 1, 1, tzinfo=UTC)
    first = canonical_body(event_type="t", timestamp=moment, data={"x": 1, "y": 2})
    second = canonical_body(event_type="t", timestamp=moment, data={"y": 2, "x": 1})
    assert first == second


def test_canonical_body_refuses_naive_datetimes_and_nan() -> None:
    with pytest.raises(ValueError):
        canonical_body(event_type="t", timestamp=datetime(2025, 1, 1), data={})
    with pytest.raises(ValueError):
        canonical_body(event_type="t", timestamp=datetime.now(UTC), data={"x": float("nan")})
