"""Reads issue a number of queries that does not grow with the agenda or the attendance."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from assemblies import services
from assemblies.models import ItemKind
from tests.assemblies.factories import FIRST_CALL, T0, check_in, make_assembly, small_coop

pytestmark = pytest.mark.django_db


def _queries(client: APIClient, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def _assembly(coop: Any, points: int, attending: int) -> Any:
    assembly = make_assembly(
        coop.cooperative, chair=coop.chair, resolutions=[f"Resolution {n}" for n in range(points)]
    )
    election = services.agenda_item_add(
        actor=coop.chair, assembly=assembly, kind=ItemKind.ELECTION, title="Board", seats=2
    )
    for person in coop.people["Workers"][:points]:
        services.candidate_add(actor=person, item=election, now=T0)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.everyone[:attending], at=FIRST_CALL, by=coop.chair)
    return assembly


def test_detail_and_lists_do_not_grow_with_rows():
    coop = small_coop()
    small = _assembly(coop, points=1, attending=2)
    large = _assembly(coop, points=4, attending=12)
    client = APIClient()
    client.force_authenticate(coop.chair)
    for suffix in ("", "attendance/", "convocations/", "proxies/", "postal-votes/", "events/"):
        few = _queries(client, f"/api/v1/assemblies/{small.pk}/{suffix}")
        many = _queries(client, f"/api/v1/assemblies/{large.pk}/{suffix}")
        assert many == few, suffix
    listing = f"/api/v1/cooperatives/{coop.cooperative.slug}/assemblies/"
    assert _queries(client, listing) <= 12


def _booth(coop: Any, monkeypatch: pytest.MonkeyPatch) -> str:
    """The booth's path of a resolution open for voting, everyone signed in."""
    from assemblies.services import _common as clock_module
    from tests.assemblies.factories import resolution

    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.everyone, at=FIRST_CALL, by=coop.chair)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    motion = resolution(assembly)
    services.item_open(actor=coop.chair, item=motion.item, now=FIRST_CALL)
    monkeypatch.setattr(clock_module, "clock", lambda: FIRST_CALL)
    return f"/api/v1/assemblies/{assembly.pk}/resolutions/{motion.pk}/ballots/"


def _booth_cast_statements(sizes: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> int:
    coop = small_coop(sizes)
    booth = _booth(coop, monkeypatch)
    counts = []
    for person in coop.people["Workers"][:2]:
        client = APIClient()
        client.force_authenticate(person)
        with CaptureQueriesContext(connection) as captured:
            assert client.post(booth, {"choice": "for"}, format="json").status_code == 201
        counts.append(len(captured))
    return counts[-1]


def test_a_booth_cast_takes_a_fixed_number_of_statements_whatever_the_roll(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    small = _booth_cast_statements({"Workers": 2, "Users": 1}, monkeypatch)
    large = _booth_cast_statements({"Workers": 12, "Users": 12, "Suppliers": 6}, monkeypatch)
    # The turnout is not counted in the cast: it is pushed after commit, coalesced.
    assert small == large
    # The resolution with its item, its assembly, the person's role, its vote
    # share-locked and the members the person acts for with their attendance; the roll
    # entry locked, then the audit head; the ballot, the roll's mark, the audit entry and
    # the head's move. Inside a test the view's transaction is a savepoint (two
    # statements); the cast itself takes none. SQLite cannot lock the head with the roll
    # entry, nor make the four writes one statement: four statements more there.
    assert large == (5 if connection.vendor == "postgresql" else 9)


@pytest.mark.postgres
def test_the_statements_of_a_cast_are_prepared_on_the_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Run often enough on one connection (DATABASE_PREPARE_THRESHOLD), a cast's statements
    are prepared there: parsed and planned once, then only executed."""
    threshold = connection.settings_dict["OPTIONS"]["prepare_threshold"]
    assert threshold is not None and connection.settings_dict["OPTIONS"]["server_side_binding"]
    coop = small_coop({"Workers": threshold + 1, "Users": 1})
    booth = _booth(coop, monkeypatch)

    def prepared() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            return [row[0] for row in cursor.fetchall()]

    for person in coop.people["Workers"]:
        client = APIClient()
        client.force_authenticate(person)
        assert client.post(booth, {"choice": "for"}, format="json").status_code == 201
        if person is coop.people["Workers"][0]:
            assert not any("acting__rows" in statement for statement in prepared())
    statements = prepared()
    # The booth's read, the roll entry's lock with the head's, the writes.
    for mark in ("acting__rows", "FOR UPDATE OF r", 'INSERT INTO "core_auditentry"'):
        assert any(mark in statement for statement in statements), mark
