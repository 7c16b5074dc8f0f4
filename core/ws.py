"""What the WebSocket consumers of the rooms (proposals, assemblies) share."""

from __future__ import annotations

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
