"""The booth's first read (access_booth_resolution): one statement answers who may vote
where, and its refusals are those of the slower reads it replaced."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from assemblies import services
from assemblies.models import AssemblyStatus, Attendance
from assemblies.permissions import access_booth_for_cast, access_booth_resolution
from assemblies.selectors import acting_members_attending
from core.errors import NotFound
from governance import services as governance
from governance.models import Member
from tests.assemblies.factories import FIRST_CALL, T0, check_in, make_assembly, small_coop
from tests.assemblies.factories import resolution as resolution_of
from tests.db import second_connection
from tests.governance.factories import add_legal_member

pytestmark = pytest.mark.django_db


def _in_session(coop: Any, *, titles: tuple[str, ...] = ("Accounts", "Budget")) -> Any:
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=titles)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    check_in(assembly, coop.everyone, at=FIRST_CALL, by=coop.chair)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    return assembly


def _opened(coop: Any) -> tuple[Any, Any]:
    """An assembly in session whose first resolution is open for voting."""
    assembly = _in_session(coop)
    motion = resolution_of(assembly)
    services.item_open(actor=coop.chair, item=motion.item, now=FIRST_CALL)
    motion.refresh_from_db()
    return assembly, motion


def _post(person: Any, assembly_id: int, resolution_id: int) -> Any:
    client = APIClient()
    client.force_authenticate(person)
    path = f"/api/v1/assemblies/{assembly_id}/resolutions/{resolution_id}/ballots/"
    return client.post(path, {"choice": "for"}, format="json")


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> None:
    from assemblies.services import _common as clock_module

    monkeypatch.setattr(clock_module, "clock", lambda: FIRST_CALL)


def test_a_resolution_whose_item_is_not_open_is_refused_as_not_open(clock: None) -> None:
    coop = small_coop({"Workers": 2, "Users": 1})
    assembly = _in_session(coop)
    pending = resolution_of(assembly, position=2)
    assert pending.vote_id is None
    voter = coop.people["Workers"][0]
    answer = _post(voter, assembly.pk, pending.pk)
    assert answer.status_code == 409 and answer.json()["code"] == "resolution_not_open"


def test_a_closed_item_is_refused_as_not_open(clock: None) -> None:
    coop = small_coop({"Workers": 2, "Users": 1})
    assembly, motion = _opened(coop)
    services.item_close(actor=coop.chair, item=motion.item, now=FIRST_CALL)
    answer = _post(coop.people["Workers"][0], assembly.pk, motion.pk)
    assert answer.status_code == 409 and answer.json()["code"] == "resolution_not_open"


def test_a_resolution_of_another_assembly_is_not_found_like_a_missing_one(clock: None) -> None:
    coop = small_coop({"Workers": 2, "Users": 1})
    first, second = _in_session(coop), _in_session(coop, titles=("Other",))
    theirs = resolution_of(second)
    services.item_open(actor=coop.chair, item=theirs.item, now=FIRST_CALL)
    voter = coop.people["Workers"][0]
    for assembly_id, resolution_id in (
        (first.pk, theirs.pk),
        (first.pk, theirs.pk + 1000),
        (first.pk + 1000, theirs.pk),
        (first.pk, 2**63),
    ):
        answer = _post(voter, assembly_id, resolution_id)
        assert answer.status_code == 404, (assembly_id, resolution_id)
        assert answer.json()["code"] == "not_found"
    assert _post(voter, second.pk, theirs.pk).status_code == 201


def test_a_draft_assembly_is_hidden_from_members_and_read_by_the_board(clock: None) -> None:
    coop = small_coop({"Workers": 2, "Users": 1})
    draft = make_assembly(coop.cooperative, chair=coop.chair)
    assert draft.status == AssemblyStatus.DRAFT
    motion = resolution_of(draft)
    with pytest.raises(NotFound):
        access_booth_resolution(coop.people["Workers"][0], draft.pk, motion.pk)
    assembly, read, role = access_booth_resolution(coop.chair, draft.pk, motion.pk)
    assert (assembly.pk, read.pk, read.vote, role.is_board) == (draft.pk, motion.pk, None, True)


def test_another_cooperatives_member_is_not_shown_the_resolution(clock: None) -> None:
    coop = small_coop({"Workers": 2, "Users": 1})
    assembly, motion = _opened(coop)
    stranger = small_coop({"Workers": 1, "Users": 1}).people["Workers"][0]
    answer = _post(stranger, assembly.pk, motion.pk)
    assert answer.status_code == 404 and answer.json()["code"] == "not_found"


def test_the_read_carries_what_the_cast_needs_with_the_fields_converted(clock: None) -> None:
    coop = small_coop({"Workers": 2, "Users": 1})
    assembly, motion = _opened(coop)
    voter = coop.people["Workers"][0]
    read_assembly, read, role = access_booth_resolution(voter, assembly.pk, motion.pk)
    motion.refresh_from_db()
    vote = motion.vote
    assert role.is_member and not role.is_board
    assert (
        read.item.assembly is read_assembly and read_assembly.cooperative.pk == coop.cooperative.pk
    )
    assert read_assembly.status == AssemblyStatus.IN_SESSION and read_assembly.current_call == 1
    # Booleans, dates and JSON as the ORM gives them, whatever the database.
    assert read.vote.is_secret is vote.is_secret and read.vote.allow_change is vote.allow_change
    assert read.vote.opened_at == vote.opened_at and read.vote.options == vote.options
    assert read_assembly.results_live is False and read.item.is_secret == motion.item.is_secret
    # Fields not read load on access, never as blank defaults.
    assert read_assembly.cooperative.name == coop.cooperative.name
    assert read.item.text == motion.item.text and read_assembly.title == assembly.title


def test_the_cast_read_carries_who_the_person_acts_for_and_who_is_signed_in(
    clock: None,
) -> None:
    """The ballot's first statement also answers the booth's next question, the same way
    as the statement of its own it replaced (acting_members_attending)."""
    coop = small_coop({"Workers": 2, "Users": 1})
    assembly, motion = _opened(coop)
    worker = coop.people["Workers"][0]
    own = Member.objects.get(cooperative=coop.cooperative, person=worker).pk
    commune = add_legal_member(coop.cooperative, "Users", representatives=0).member
    governance.representative_designate(actor=coop.chair, member=commune, person=worker)
    assembly.refresh_from_db()

    def read() -> list[tuple[int, bool]]:
        with transaction.atomic(), CaptureQueriesContext(connection) as captured:
            booth = access_booth_for_cast(worker, assembly.pk, motion.pk)
        assert len([q for q in captured if "SAVEPOINT" not in q["sql"]]) == 1
        assert booth.resolution.pk == motion.pk and booth.role.is_member
        assert sorted(booth.acting) == sorted(acting_members_attending(assembly, worker))
        return sorted(booth.acting)

    # The worker was signed in with everyone; the commune they represent was not.
    assert read() == sorted([(own, True), (commune.pk, False)])
    services.attendance_check_in(
        actor=coop.chair, assembly=assembly, mode="present", member_id=commune.pk, now=FIRST_CALL
    )
    assert read() == sorted([(own, True), (commune.pk, True)])
    services.attendance_check_out(
        actor=coop.chair,
        attendance=Attendance.objects.get(call__assembly=assembly, member_id=own),
        now=FIRST_CALL,
    )
    assert read() == sorted([(own, False), (commune.pk, True)])
    # Someone of another cooperative is not shown the booth at all.
    outsider = small_coop({"Workers": 1, "Users": 1}).people["Workers"][0]
    with pytest.raises(NotFound), transaction.atomic():
        access_booth_for_cast(outsider, assembly.pk, motion.pk)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_locked_read_holds_the_vote_until_the_cast_commits(clock: None) -> None:
    """A close locks the vote exclusively: it must wait for a cast that has read it.
    (SQLite locks the whole database for a write transaction.)"""
    from psycopg.errors import LockNotAvailable

    coop = small_coop({"Workers": 2, "Users": 1})
    assembly, motion = _opened(coop)
    motion.refresh_from_db()
    other = second_connection()
    exclusive = "SELECT id FROM voting_vote WHERE id = %s FOR UPDATE NOWAIT"
    try:
        with transaction.atomic():
            access_booth_resolution(coop.people["Workers"][0], assembly.pk, motion.pk, lock=True)
            with pytest.raises(LockNotAvailable):
                other.execute(exclusive, [motion.vote_id])
        assert other.execute(exclusive, [motion.vote_id]).fetchone() == (motion.vote_id,)
    finally:
        other.close()
