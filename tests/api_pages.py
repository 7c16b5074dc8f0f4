"""Reading a paginated API list in tests: every row, by following its `next` links."""

from __future__ import annotations

from typing import Any


def every_row(client: Any, url: str, params: dict[str, Any] | None = None) -> list[Any]:
    """The rows of every page of the list at `url`, in its order."""
    body = client.get(url, params or {}).json()
    rows = list(body["results"])
    while body["next"]:
        body = client.get(body["next"]).json()
        rows += body["results"]
    return rows
