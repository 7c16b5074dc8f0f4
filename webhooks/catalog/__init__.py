"""The event types a webhook endpoint can receive, with the JSON Schema of each payload."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from django.utils.translation import gettext_noop as _noop

from webhooks.catalog.payloads import (
    _ASSEMBLY_CLOSED,
    _ASSEMBLY_CONVENED,
    _ASSEMBLY_OPENED,
    _COLLEGE_WEIGHTS,
    _DECISION,
    _MEMBERSHIP,
    _PROPOSAL_EVENT,
    _TEST,
    _VOTE_CLOSED,
    _VOTE_OPENED,
)
from webhooks.catalog.schema import Schema

JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
TEST_EVENT: Final = "webhook.test"


@dataclass(frozen=True, slots=True)
class EventType:
    """One event type: its name, what it announces, its payload version and data schema."""

    name: str
    # English, as in the API's documentation; marked for the catalog so that the board's
    # webhook page shows it in the reader's language (`gettext(description)`).
    description: str
    schema: Schema
    version: int = 1
    source: str = ""

    def data_schema(self) -> Schema:
        """Return the JSON Schema of the ``data`` member of a delivered body."""
        properties = {
            "payload_version": {
                "const": self.version,
                "description": "Version of this payload; a breaking change increments it.",
            },
            **self.schema["properties"],
        }
        return {
            "$schema": JSON_SCHEMA_DIALECT,
            "title": f"{self.name} v{self.version}",
            **self.schema,
            "properties": properties,
            "required": ["payload_version", *self.schema["required"]],
        }


EVENT_TYPES: Final[dict[str, EventType]] = {
    event.name: event
    for event in (
        EventType(
            "proposal.published",
            _noop("A proposal left its draft and opened for deliberation."),
            _PROPOSAL_EVENT,
            source="deliberation",
        ),
        EventType(
            "proposal.status_changed",
            _noop(
                "A proposal moved in its lifecycle (published, to voting, adopted, rejected or "
                "withdrawn); `decision_id` is set when a vote decided it."
            ),
            _PROPOSAL_EVENT,
            source="deliberation",
        ),
        EventType(
            "vote.opened",
            _noop("A vote opened: its electoral roll and rules version are frozen."),
            _VOTE_OPENED,
            source="voting",
        ),
        EventType(
            "vote.closed",
            _noop("A vote closed; its result is final."),
            _VOTE_CLOSED,
            source="voting",
        ),
        EventType(
            "decision.adopted",
            _noop(
                "A vote closed and adopted its proposal: the platform should apply the decision."
            ),
            _DECISION,
            source="voting",
        ),
        EventType(
            "decision.rejected",
            _noop("A vote closed and rejected its proposal."),
            _DECISION,
            source="voting",
        ),
        EventType(
            "membership.admitted",
            _noop("The board admitted a member (a person or a legal person)."),
            _MEMBERSHIP,
            source="governance",
        ),
        EventType(
            "membership.ended",
            _noop("A membership ended by resignation or exclusion."),
            _MEMBERSHIP,
            source="governance",
        ),
        EventType(
            "college.weights_changed",
            _noop("The colleges or their weights changed (a new configuration version)."),
            _COLLEGE_WEIGHTS,
            source="governance",
        ),
        EventType(
            "assembly.convened",
            _noop("The board convened a general assembly (first or second call)."),
            _ASSEMBLY_CONVENED,
            source="assemblies",
        ),
        EventType(
            "assembly.opened",
            _noop("A general assembly opened with its quorum reached."),
            _ASSEMBLY_OPENED,
            source="assemblies",
        ),
        EventType(
            "assembly.closed",
            _noop("A general assembly closed; its minutes can be read."),
            _ASSEMBLY_CLOSED,
            source="assemblies",
        ),
        EventType(
            TEST_EVENT,
            _noop("A test message sent on the board's request; it is never sent otherwise."),
            _TEST,
            source="webhooks",
        ),
    )
}

# Types an endpoint can subscribe to; a test message goes only to the endpoint it tests.
SUBSCRIBABLE_TYPES: Final = tuple(name for name in EVENT_TYPES if name != TEST_EVENT)


def event_type_get(name: str) -> EventType | None:
    return EVENT_TYPES.get(name)


def delivered_data(*, payload_version: int, data: Mapping[str, Any]) -> dict[str, Any]:
    """Return the ``data`` member of a delivered body: the payload and its version."""
    return {"payload_version": payload_version, **data}


def catalog_markdown() -> str:
    """Describe every event type and its data schema, for the OpenAPI document."""
    lines = [
        "Every delivery is a POST following the Standard Webhooks specification: headers "
        "`webhook-id` (stable across retries of one message, so receivers can deduplicate), "
        "`webhook-timestamp` (fresh at each attempt) and `webhook-signature` "
        '(`v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, one per active secret), '
        'and the JSON body `{"type", "timestamp", "data"}`. Only a 2xx answer is a success. '
        "`data.payload_version` is the version of the payload schema; additions within a "
        "version are optional properties, which receivers must ignore when unknown.",
        "",
    ]
    for event in EVENT_TYPES.values():
        lines.append(f"### `{event.name}` (version {event.version})")
        lines.append("")
        lines.append(event.description)
        lines.append("")
        lines.append("```json")
        lines.append(json.dumps(event.data_schema(), indent=2, ensure_ascii=False))
        lines.append("```")
        lines.append("")
    return "\n".join(lines)
