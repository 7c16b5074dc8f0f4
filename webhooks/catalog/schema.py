"""The building blocks of the webhook payload schemas: small JSON Schema constructors and
the parts every event shares (the cooperative, the links)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

type Schema = dict[str, Any]


def _nullable(schema: Schema) -> Schema:
    kind = schema["type"]
    types = kind if isinstance(kind, list) else [kind]
    nullable = {**schema, "type": [*types, "null"]}
    if "enum" in schema:
        nullable["enum"] = [*schema["enum"], None]
    return nullable


def _object(
    properties: Mapping[str, Schema],
    *,
    optional: Iterable[str] = (),
    description: str | None = None,
) -> Schema:
    """An object whose properties are all required except ``optional`` ones.

    Receivers must ignore properties they do not know: a payload version may gain optional
    properties, so the published schemas leave ``additionalProperties`` open.
    """
    skipped = set(optional)
    schema: Schema = {
        "type": "object",
        "properties": dict(properties),
        "required": [name for name in properties if name not in skipped],
    }
    if description:
        schema["description"] = description
    return schema


def _string(description: str | None = None, **extra: Any) -> Schema:
    schema: Schema = {"type": "string", **extra}
    if description:
        schema["description"] = description
    return schema


def _integer(description: str | None = None) -> Schema:
    schema: Schema = {"type": "integer"}
    if description:
        schema["description"] = description
    return schema


def _enum(values: Iterable[str], description: str | None = None) -> Schema:
    return _string(description, enum=list(values))


_ID = _integer()
_COUNT = {"type": "integer", "minimum": 0}
_BOOL = {"type": "boolean"}
_DATE = _string(format="date")
_DATETIME = _string(format="date-time")
_URI = _string(format="uri")
_FRACTION = _string("An exact fraction 'p/q', e.g. '29/50'.", pattern=r"^-?[0-9]+/[0-9]+$")
_PERCENT = _string("The same figure in percent with four decimals, e.g. '58.0000'.")
_SHA256 = _string(pattern="^[0-9a-f]{64}$")


def _open_object(description: str) -> Schema:
    """An object whose shape depends on something else (the vote method): documented in
    words, and left open."""
    return {"type": "object", "description": description, "additionalProperties": True}


_COOPERATIVE = _object(
    {"id": _ID, "slug": _string(), "name": _string()},
    description="The cooperative the event belongs to.",
)
_LINKS_API = _object({"api": _URI}, description="Where to read the object through the API.")
_LINKS = _object(
    {"api": _URI, "web": _URI},
    description="Where to read the object through the API and in the web interface.",
)
