"""Standard Webhooks message ids, secrets, canonical bodies and signatures."""

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, Final

SECRET_PREFIX: Final = "whsec_"
SECRET_BYTES: Final = 32
SIGNATURE_VERSION: Final = "v1"
MESSAGE_ID_PREFIX: Final = "msg_"
USER_AGENT: Final = "Collegia-Webhooks/1"

# The spec recommends secrets of 24 to 64 bytes; shorter keys are refused outright.
_MIN_SECRET_BYTES: Final = 24


def generate_secret() -> str:
    """Return a new endpoint secret: ``whsec_`` followed by base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode("ascii")


def new_message_id() -> str:
    """Return a new message id; the caller stores it so that every retry reuses it."""
    return MESSAGE_ID_PREFIX + secrets.token_urlsafe(18)


def _secret_key(secret: str) -> bytes:
    """Decode the HMAC key carried by a ``whsec_`` secret (the base64 part after the prefix)."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("A webhook secret must start with 'whsec_'.")
    encoded = secret.removeprefix(SECRET_PREFIX)
    # Some providers strip the base64 padding; restoring it keeps such secrets usable.
    padded = encoded + "=" * (-len(encoded) % 4)
    try:
        key = base64.b64decode(padded, validate=True)
    except binascii.Error as exc:
        raise ValueError("A webhook secret must be base64 after 'whsec_'.") from exc
    if len(key) < _MIN_SECRET_BYTES:
        raise ValueError(f"A webhook secret must carry at least {_MIN_SECRET_BYTES} bytes.")
    return key


def _check_message_id(msg_id: str) -> None:
    # The id is part of the signed content and of a header: it must be one printable token.
    if not msg_id or not msg_id.isascii() or not msg_id.isprintable() or " " in msg_id:
        raise ValueError("A webhook message id must be a non-empty printable ASCII token.")


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """Return ``v1,<base64 HMAC-SHA256>`` of ``{msg_id}.{timestamp}.{body}`` under ``secret``."""
    _check_message_id(msg_id)
    if isinstance(timestamp, bool) or not isinstance(timestamp, int):
        raise TypeError("The webhook timestamp must be an integer number of seconds.")
    signed_content = f"{msg_id}.{timestamp}.".encode("ascii") + body
    digest = hmac.new(_secret_key(secret), signed_content, hashlib.sha256).digest()
    return f"{SIGNATURE_VERSION},{base64.b64encode(digest).decode('ascii')}"


def signature_header(*, secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """Return the ``webhook-signature`` value: one signature per active secret, space-separated.

    During a rotation the previous secret stays active for 24 hours, so a receiver that still
    knows only the old secret, or already only the new one, verifies the message.
    """
    if isinstance(secrets, str):
        raise TypeError("Pass a sequence of secrets, not a single string.")
    # Duplicates would only lengthen the header, so each distinct secret signs once.
    distinct = list(dict.fromkeys(secrets))
    if not distinct:
        raise ValueError("At least one active secret is needed to sign a webhook.")
    return " ".join(
        sign(secret=secret, msg_id=msg_id, timestamp=timestamp, body=body) for secret in distinct
    )


def build_headers(
    *, secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """Return the request headers of one delivery attempt of a signed message."""
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature_header(
            secrets=secrets, msg_id=msg_id, timestamp=timestamp, body=body
        ),
        "content-type": "application/json",
        "user-agent": USER_AGENT,
    }


def format_timestamp(moment: datetime) -> str:
    """Return ``moment`` in RFC 3339 UTC with microseconds and a ``Z`` suffix."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("Webhook timestamps must be timezone-aware.")
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def canonical_body(*, event_type: str, timestamp: datetime, data: Mapping[str, Any]) -> bytes:
    """Return the JSON body ``{"data", "timestamp", "type"}``: compact, sorted keys, UTF-8.

    The same inputs always give the same bytes, so a stored body can be re-signed and
    compared. Values that JSON cannot represent (including NaN) raise instead of being
    silently converted.
    """
    if not event_type:
        raise ValueError("A webhook event type must not be empty.")
    payload = {"type": event_type, "timestamp": format_timestamp(timestamp), "data": dict(data)}
    text = json.dumps(
        payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )
    return text.encode("utf-8")
