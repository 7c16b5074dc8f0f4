"""A resolution counted end to end: its proof bundle's SHA-256 is in the minutes, beside
the decision's audit entry."""

from __future__ import annotations

import datetime as dt

import pytest

from assemblies import services
from tests.assemblies.factories import (
    FIRST_CALL,
    T0,
    cast,
    check_in,
    item,
    make_assembly,
    resolution,
    small_coop,
)
from voting.models import Decision

pytestmark = pytest.mark.django_db
MINUTE = dt.timedelta(minutes=1)
BUNDLE = "5f" * 32


def _assembly_with_decided_points():  # type: ignore[no-untyped-def]
    coop = small_coop()
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=["One", "Two"])
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.everyone, at=FIRST_CALL, by=coop.chair)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    for number in (1, 2):
        at = FIRST_CALL + number * 3 * MINUTE
        services.item_open(actor=coop.chair, item=item(assembly, number), now=at)
        cast(resolution(assembly, number), coop.everyone[0], "for", at=at + MINUTE)
        services.item_close(actor=coop.chair, item=item(assembly, number), now=at + 2 * MINUTE)
    return coop, assembly


def test_the_minutes_carry_the_proof_bundle_of_a_point_counted_end_to_end() -> None:
    coop, assembly = _assembly_with_decided_points()
    # What the electoral close records on the decision (elections.services.closing).
    counted = Decision.objects.get(vote=resolution(assembly, 1).vote)
    counted.result["verifiable"] = {"bundle_sha256": BUNDLE, "elections": ["x"]}
    counted.save(update_fields=["result"])
    services.assembly_close(actor=coop.chair, assembly=assembly, now=FIRST_CALL + 20 * MINUTE)
    assembly.refresh_from_db()
    html = assembly.minutes.html
    assert html.count(BUNDLE) == 2  # under the point and in the audit table
    assert "e2e_verify" in html
    # The other point, counted on the server, names no bundle.
    other = Decision.objects.get(vote=resolution(assembly, 2).vote)
    assert other.audit_hash in html and html.count("e2e-bundle") == 1
