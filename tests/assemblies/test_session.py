"""The meeting: opening on time and with quorum, one point at a time, proposals put to the
vote, a second call without quorum, cancellation."""

from __future__ import annotations

import datetime as dt

import jsonschema
import pytest

from assemblies import services
from assemblies.errors import (
    AnotherItemOpen,
    AssemblyStateError,
    ItemStateError,
    NotAttending,
    QuorumReached,
)
from assemblies.models import Assembly, AssemblyStatus, ItemKind, ItemStatus
from core.models import Notification, OutboxEvent
from deliberation.models import ProposalStatus
from tests.assemblies.factories import (
    FIRST_CALL,
    SECOND_CALL,
    T0,
    SmallCoop,
    cast,
    check_in,
    item,
    make_assembly,
    resolution,
    small_coop,
)
from tests.deliberation.factories import make_proposal
from voting.models import Decision
from webhooks.catalog import delivered_data, event_type_get

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)


def _matches_catalog(event: OutboxEvent) -> None:
    """Every payload fits the JSON Schema the webhook catalog publishes for its type."""
    schema = event_type_get(event.type).data_schema()  # type: ignore[union-attr]
    jsonschema.validate(
        delivered_data(payload_version=event.payload_version, data=event.data), schema
    )


def _in_session(coop: SmallCoop, **options: object) -> Assembly:
    assembly = make_assembly(coop.cooperative, chair=coop.chair, **options)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(
        assembly, coop.usernames("Workers") + coop.usernames("Users"), at=FIRST_CALL, by=coop.chair
    )
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    assembly.refresh_from_db()
    return assembly


def test_the_meeting_does_not_open_before_the_convened_time():
    coop = small_coop()
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.everyone, at=FIRST_CALL - MINUTE, by=coop.chair)
    with pytest.raises(AssemblyStateError) as refused:
        services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL - MINUTE)
    assert refused.value.code == "call_not_due"
    with pytest.raises(QuorumReached):
        services.assembly_record_no_quorum(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    opened = OutboxEvent.objects.get(type="assembly.opened")
    assert opened.data["attendance"]["present"] == 16
    _matches_catalog(opened)


def test_the_chair_takes_one_point_at_a_time_and_only_attendees_vote():
    coop = small_coop()
    assembly = _in_session(coop, resolutions=["One", "Two"])
    services.item_open(actor=coop.chair, item=item(assembly, 1), now=FIRST_CALL + MINUTE)
    with pytest.raises(AnotherItemOpen):
        services.item_open(actor=coop.chair, item=item(assembly, 2), now=FIRST_CALL + MINUTE)
    with pytest.raises(NotAttending):
        cast(resolution(assembly, 1), coop.usernames("Suppliers")[0], "for", at=FIRST_CALL + MINUTE)
    with pytest.raises(ItemStateError):
        cast(resolution(assembly, 2), coop.usernames("Workers")[0], "for", at=FIRST_CALL + MINUTE)
    for username in coop.usernames("Workers"):
        cast(resolution(assembly, 1), username, "for", at=FIRST_CALL + 2 * MINUTE)
    with pytest.raises(AnotherItemOpen):
        services.assembly_close(actor=coop.chair, assembly=assembly, now=FIRST_CALL + MINUTE)
    services.item_close(actor=coop.chair, item=item(assembly, 1), now=FIRST_CALL + 3 * MINUTE)
    with pytest.raises(ItemStateError):
        services.item_close(actor=coop.chair, item=item(assembly, 1), now=FIRST_CALL)
    # The second point is never taken: the minutes record it so.
    services.assembly_close(actor=coop.chair, assembly=assembly, now=FIRST_CALL + 10 * MINUTE)
    assert item(assembly, 2).status == ItemStatus.NOT_TAKEN
    assembly.refresh_from_db()
    assert (
        "Not put to the vote" in assembly.minutes.html
        or "Non mise aux voix" in assembly.minutes.html
    )


def test_a_resolution_can_put_a_proposal_of_the_deliberation_to_the_vote():
    coop = small_coop()
    proposal = make_proposal(coop.cooperative)
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=[])
    services.agenda_item_add(
        actor=coop.chair,
        assembly=assembly,
        kind=ItemKind.RESOLUTION,
        title=proposal.title,
        proposal=proposal,
    )
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.everyone, at=FIRST_CALL, by=coop.chair)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    services.item_open(actor=coop.chair, item=item(assembly), now=FIRST_CALL + MINUTE)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.VOTING
    for username in coop.everyone:
        cast(resolution(assembly), username, "for", at=FIRST_CALL + 2 * MINUTE)
    services.item_close(actor=coop.chair, item=item(assembly), now=FIRST_CALL + 3 * MINUTE)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.ADOPTED
    assert Decision.objects.get(proposal=proposal).adopted is True


def test_a_proposal_of_another_kind_is_refused():
    coop = small_coop()
    proposal = make_proposal(coop.cooperative, decision_kind="extraordinary")
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=[])
    with pytest.raises(Exception) as refused:
        services.agenda_item_add(
            actor=coop.chair, assembly=assembly, kind="resolution", title="x", proposal=proposal
        )
    assert getattr(refused.value, "code", "") == "decision_kind_mismatch"


def test_a_second_call_without_quorum_closes_the_assembly_without_deciding():
    coop = small_coop()
    assembly = make_assembly(coop.cooperative, chair=coop.chair, kind="extraordinary")
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.usernames("Workers")[:2], at=FIRST_CALL, by=coop.chair)
    services.assembly_record_no_quorum(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    services.assembly_convene_second_call(
        actor=coop.chair, assembly=assembly, now=FIRST_CALL + MINUTE
    )
    check_in(assembly, coop.usernames("Workers")[:3], at=SECOND_CALL, by=coop.chair)
    services.assembly_record_no_quorum(actor=coop.chair, assembly=assembly, now=SECOND_CALL)
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.CLOSED
    assert item(assembly).status == ItemStatus.NOT_TAKEN
    assert not Decision.objects.exists()
    minutes = assembly.minutes.html
    # Three of sixteen at the second call, below its fifth (French number format).
    assert "18,8 %" in minutes
    closed = OutboxEvent.objects.get(type="assembly.closed")
    _matches_catalog(closed)
    assert closed.data["minutes"]["pdf_sha256"] == assembly.minutes.pdf_sha256
    assert not OutboxEvent.objects.filter(type="assembly.opened").exists()


def test_a_convened_assembly_can_be_called_off_and_members_are_told():
    coop = small_coop()
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    services.assembly_cancel(
        actor=coop.chair, assembly=assembly, reason="Venue flooded", now=T0 + dt.timedelta(days=2)
    )
    assembly.refresh_from_db()
    assert assembly.status == AssemblyStatus.CANCELLED
    assert Notification.objects.filter(kind="assembly.cancelled").count() == 16
    with pytest.raises(AssemblyStateError):
        services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
