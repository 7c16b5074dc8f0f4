"""What the WebSocket consumers of the rooms (proposals, assemblies) share."""

from __future__ import annotations

import hashlib
from typing import Any
from urllib.parse import parse_qs


def requested_last_seq(scope: dict[str, Any]) -> int | None:
    """The `?last_seq=N` a reconnecting client sends: the last event it holds, or None when
    absent or not a number at least 0 (the client then gets no replay)."""
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("last_seq")
    if not values:
        return None
    try:
        number = int(values[0])
    except ValueError:
        return None
    return number if number >= 0 else None


def session_fingerprint(session_key: str | None) -> str | None:
    """A digest of a session key, so that the key itself never crosses the channel layer."""
    if not session_key:
        return None
    return hashlib.sha256(session_key.encode()).hexdigest()


def logout_closes(scope: dict[str, Any], message: dict[str, Any]) -> bool:
    """Whether a logout message on the person's group ends this connection: "sign out
    everywhere" ends every one; a revoked API token the connections opened with it; a
    web session that ended the connections of that session (or of any, when the
    message names none)."""
    if message.get("everywhere"):
        return True
    if scope.get("auth_method") == "token":
        token = message.get("token")
        return token is not None and token == scope.get("auth_token_id")
    if message.get("token") is not None:
        return False
    session = scope.get("session")
    mine = session_fingerprint(getattr(session, "session_key", None))
    return message.get("session") in (None, mine)
