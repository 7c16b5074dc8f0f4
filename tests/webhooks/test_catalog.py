"""The event catalog: valid JSON Schemas that the payloads the services really emit satisfy."""

from __future__ import annotations

import json
from typing import Any

import jsonschema
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from core.models import OutboxEvent
from governance import events as governance_events
from governance import services as governance_services
from tests.governance.factories import add_legal_member, add_member, chair_of, make_cooperative
from webhooks import catalog
from webhooks.worker import _body

EXPECTED_TYPES = {
    "assembly.convened",
    "assembly.opened",
    "assembly.closed",
    "proposal.published",
    "proposal.status_changed",
    "vote.opened",
    "vote.closed",
    "decision.adopted",
    "decision.rejected",
    "membership.admitted",
    "membership.ended",
    "college.weights_changed",
}


def strict(schema: Any) -> Any:
    """Close every object the schema leaves open, so an undocumented property fails."""
    if isinstance(schema, dict):
        closed = {key: strict(value) for key, value in schema.items()}
        if closed.get("type") == "object" or "object" in (closed.get("type") or []):
            closed.setdefault("additionalProperties", False)
        return closed
    if isinstance(schema, list):
        return [strict(item) for item in schema]
    return schema


def strict_validator(event_type: str) -> Draft202012Validator:
    schema = strict(catalog.EVENT_TYPES[event_type].data_schema())
    return Draft202012Validator(schema, format_checker=FormatChecker())


def delivered(event: OutboxEvent) -> dict[str, Any]:
    """The ``data`` member exactly as a receiver gets it."""
    body = json.loads(_body(event))
    assert body["type"] == event.type
    data: dict[str, Any] = body["data"]
    return data


def test_catalog_holds_every_event_type_of_the_issue() -> None:
    assert set(catalog.SUBSCRIBABLE_TYPES) >= EXPECTED_TYPES
    assert catalog.TEST_EVENT in catalog.EVENT_TYPES
    assert catalog.TEST_EVENT not in catalog.SUBSCRIBABLE_TYPES


@pytest.mark.parametrize("name", list(catalog.EVENT_TYPES))
def test_every_data_schema_is_a_valid_json_schema(name: str) -> None:
    event = catalog.EVENT_TYPES[name]
    schema = event.data_schema()
    Draft202012Validator.check_schema(schema)
    assert schema["properties"]["payload_version"] == {
        "const": event.version,
        "description": "Version of this payload; a breaking change increments it.",
    }
    assert "payload_version" in schema["required"]
    assert event.description


def test_every_type_the_apps_emit_is_in_the_catalog() -> None:
    from assemblies import events as assembly_events
    from deliberation import events as deliberation_events
    from voting import events as voting_events

    emitted = {
        governance_events.MEMBERSHIP_ADMITTED,
        governance_events.MEMBERSHIP_ENDED,
        governance_events.COLLEGE_WEIGHTS_CHANGED,
        deliberation_events.PROPOSAL_PUBLISHED,
        deliberation_events.PROPOSAL_STATUS_CHANGED,
        voting_events.VOTE_OPENED,
        voting_events.VOTE_CLOSED,
        voting_events.DECISION_ADOPTED,
        voting_events.DECISION_REJECTED,
        assembly_events.ASSEMBLY_CONVENED,
        assembly_events.ASSEMBLY_OPENED,
        assembly_events.ASSEMBLY_CLOSED,
    }
    assert emitted == set(catalog.SUBSCRIBABLE_TYPES)


@pytest.mark.django_db
def test_payloads_of_the_governance_services_validate_against_the_catalog() -> None:
    cooperative = make_cooperative()
    natural = add_member(cooperative, "Workers")
    add_legal_member(cooperative, "Authorities", name="Métropole de Lyon")
    governance_services.membership_resign(
        actor=chair_of(cooperative), membership=natural, reason="Moving away"
    )

    events = list(OutboxEvent.objects.filter(cooperative_id=cooperative.pk).order_by("id"))

    assert [event.type for event in events] == [
        "college.weights_changed",
        "membership.admitted",
        "membership.admitted",
        "membership.ended",
    ]
    for event in events:
        strict_validator(event.type).validate(delivered(event))


def _validate_every_event(types: set[str]) -> None:
    events = list(OutboxEvent.objects.filter(type__in=types).order_by("id"))
    assert {event.type for event in events} == types
    for event in events:
        strict_validator(event.type).validate(delivered(event))


@pytest.mark.django_db
def test_payloads_of_proposals_votes_and_decisions_validate_against_the_catalog() -> None:
    from tests.voting.factories import cast, cast_many, make_coop, make_proposal, make_vote
    from voting import services as voting_services

    coop = make_coop({"Workers": 2, "Users": 2, "Suppliers": 2, "Authorities": 2})
    adopted = make_vote(coop, proposal=make_proposal(coop))
    rejected = make_vote(coop, proposal=make_proposal(coop), is_secret=True)
    for college in ("Workers", "Users", "Suppliers", "Authorities"):
        cast_many(coop, adopted, college, **{"for": 2})
        cast_many(coop, rejected, college, against=1, abstain=1)
    poll = make_vote(coop, method="approval")
    cast(coop.person("Workers"), poll, ["A", "C"])
    judged = make_vote(coop, method="majority_judgment")
    consent = make_vote(coop, method="consent", title="Sunday deliveries")
    for vote in (adopted, rejected, poll, judged, consent):
        voting_services.vote_close(actor=coop.chair, vote=vote)

    _validate_every_event(
        {
            "proposal.published",
            "proposal.status_changed",
            "vote.opened",
            "vote.closed",
            "decision.adopted",
            "decision.rejected",
        }
    )
    decision = OutboxEvent.objects.filter(type="decision.adopted").first()
    assert decision is not None
    data = delivered(decision)
    # What the issue asks of a decision's payload.
    assert data["proposal"] == {"id": data["proposal"]["id"], "title": "Raise courier pay"}
    assert data["vote"]["method"] == "resolution"
    assert [c["name"] for c in data["result"]["colleges"]] == [
        "Workers",
        "Users",
        "Suppliers",
        "Authorities",
    ]
    assert len(data["result"]["tally"]["colleges"]) == 4
    assert data["rules_version"] == 1
    assert len(data["audit_hash"]) == 64
    assert set(data["links"]) == {"api", "web"}


@pytest.mark.django_db
def test_payloads_of_general_assemblies_validate_against_the_catalog() -> None:
    from assemblies import services as assembly_services
    from tests.assemblies.factories import (
        FIRST_CALL,
        T0,
        check_in,
        make_assembly,
        small_coop,
    )

    coop = small_coop({"Workers": 2, "Users": 2, "Suppliers": 2, "Authorities": 2})
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    assembly_services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.everyone, at=FIRST_CALL, by=coop.chair)
    assembly_services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    assembly_services.assembly_close(actor=coop.chair, assembly=assembly, now=FIRST_CALL)

    _validate_every_event({"assembly.convened", "assembly.opened", "assembly.closed"})


@pytest.mark.django_db
def test_strict_validation_refuses_an_undocumented_or_missing_property() -> None:
    cooperative = make_cooperative()
    add_member(cooperative, "Workers")
    event = OutboxEvent.objects.filter(type="membership.admitted").get()
    data = delivered(event)
    validator = strict_validator("membership.admitted")

    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**data, "surprise": 1})
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**data, "member": {**data["member"], "email": "x@example.org"}})
    missing = dict(data)
    del missing["cooperative"]
    with pytest.raises(jsonschema.ValidationError):
        validator.validate(missing)
    with pytest.raises(jsonschema.ValidationError):
        validator.validate({**data, "payload_version": 2})


def test_published_schemas_accept_unknown_properties_for_forward_compatibility() -> None:
    schema = catalog.EVENT_TYPES["college.weights_changed"].data_schema()
    data = {
        "payload_version": 1,
        "cooperative": {"id": 1, "slug": "c", "name": "C", "region": "Occitanie"},
        "version": 2,
        "colleges": [{"id": 1, "name": "Workers", "weight_percent": "50.00"}],
        "reason": "added later within version 1",
    }
    Draft202012Validator(schema).validate(data)


def test_openapi_description_documents_every_type_with_its_schema() -> None:
    text = catalog.catalog_markdown()
    for name in catalog.EVENT_TYPES:
        assert f"### `{name}` (version 1)" in text
    assert '"audit_hash"' in text
    assert "webhook-signature" in text
