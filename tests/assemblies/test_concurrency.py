"""Concurrent writes on one assembly: proxies take turns on its row, check-ins and casts
do not, and caps, counts and ballots hold."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import OperationalError, connection, transaction

from assemblies import services
from assemblies.models import AssemblyProxy, Attendance, Resolution
from assemblies.services._common import lock_assembly, lock_assembly_shared
from governance import services as governance
from tests.assemblies.factories import (
    FIRST_CALL,
    T0,
    check_in,
    make_assembly,
    member,
    resolution,
    small_coop,
)
from tests.db import race
from voting.models import Ballot, RollEntry

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_parallel_proxies_to_one_holder_never_exceed_the_cap():
    coop = small_coop()
    governance.rules_update(
        actor=coop.chair, cooperative=coop.cooperative, changes={"ordinary": {"proxy_cap": 2}}
    )
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    holder = member(coop.cooperative, coop.usernames("Workers")[0]).pk
    givers = coop.people["Users"] + coop.people["Suppliers"][:2]
    when = T0 + dt.timedelta(days=1)
    outcomes = race(
        [
            (
                lambda person=person: services.assembly_proxy_give(
                    actor=person, assembly=assembly, holder_id=holder, now=when
                )
            )
            for person in givers
        ]
    )
    assert sorted(outcomes) == ["ok", "ok"] + ["proxy_cap_reached"] * 4
    assert AssemblyProxy.objects.filter(holder_id=holder, revoked_at__isnull=True).count() == 2


def test_parallel_check_ins_are_all_counted_once():
    coop = small_coop()
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    outcomes = race(
        [
            (
                lambda username=username: services.attendance_check_in(
                    actor=coop.chair,
                    assembly=assembly,
                    mode="present",
                    member_id=member(coop.cooperative, username).pk,
                    now=FIRST_CALL,
                )
            )
            for username in coop.everyone
        ]
    )
    assert outcomes == ["ok"] * 16
    assert Attendance.objects.filter(call__assembly=assembly).count() == 16
    events = assembly.events.filter(type="attendance.changed").order_by("seq")
    # Each push, after its check-in committed, reads the counts under the room's number:
    # they never go down, and the last one counts everybody.
    present = [e.data["present"] for e in events]
    assert present == sorted(present)
    assert present[-1] == 16 and len(present) <= 16


def _in_session(sizes: dict[str, int], signed_in: int) -> tuple[Any, Any, Resolution]:
    """A small cooperative in session with its first resolution open, `signed_in` members
    of each college signed in; returns the cooperative, the assembly and the resolution."""
    coop = small_coop(sizes)
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    first = [p for people in coop.people.values() for p in people[:signed_in]]
    check_in(assembly, [p.username for p in first], at=FIRST_CALL, by=coop.chair)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    motion = resolution(assembly)
    services.item_open(actor=coop.chair, item=motion.item, now=FIRST_CALL)
    return coop, assembly, Resolution.objects.select_related("item", "vote").get(pk=motion.pk)


def test_casts_on_one_resolution_and_check_ins_run_together_without_a_lost_ballot():
    sizes = {"Workers": 6, "Users": 6, "Suppliers": 6, "Authorities": 6}
    coop, assembly, motion = _in_session(sizes, signed_in=4)
    voters = [p for people in coop.people.values() for p in people[:4]]
    late = [p for people in coop.people.values() for p in people[4:]]
    singles, batch = late[:4], late[4:]
    when = FIRST_CALL + dt.timedelta(minutes=5)

    def vote(person: Any, choice: str) -> Callable[[], Any]:
        return lambda: services.assembly_ballot_cast(
            actor=person,
            resolution=motion,
            choice=choice,
            member_id=member(coop.cooperative, person.username).pk,
            now=when,
        )

    def sign_in(person: Any) -> Callable[[], Any]:
        return lambda: services.attendance_check_in(
            actor=coop.chair,
            assembly=assembly,
            mode="present",
            member_id=member(coop.cooperative, person.username).pk,
            now=when,
        )

    batch_ids = [member(coop.cooperative, p.username).pk for p in batch]
    work: list[Callable[[], Any]] = [
        vote(p, "for" if n % 3 else "against") for n, p in enumerate(voters)
    ]
    work += [sign_in(p) for p in singles]
    work.append(
        lambda: services.attendance_check_in_batch(
            actor=coop.chair, assembly=assembly, member_ids=batch_ids, now=when
        )
    )
    outcomes = race(work)
    assert outcomes == ["ok"] * len(work)
    # Every ballot stored once, every voter marked on the roll, nothing else.
    ballots = Ballot.objects.filter(vote=motion.vote, is_current=True)
    assert ballots.count() == len(voters) == 16
    assert sorted(ballots.values_list("roll_entry__member_id", flat=True)) == sorted(
        member(coop.cooperative, p.username).pk for p in voters
    )
    assert RollEntry.objects.filter(vote=motion.vote, has_voted=True).count() == 16
    assert ballots.filter(choice="against").count() == 6
    call = assembly.calls.get(number=1)
    assert Attendance.objects.filter(call=call, checked_out_at__isnull=True).count() == 24
    # The room was last told of every ballot and every sign-in.
    turnout = assembly.events.filter(type="resolution.turnout").order_by("-seq").first()
    assert turnout is not None and turnout.data["turnout"]["voted"] == 16
    counts = assembly.events.filter(type="attendance.changed").order_by("-seq").first()
    assert counts is not None and counts.data["present"] == 24
    # The room's numbers stay gapless and unique.
    seqs = list(assembly.events.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))


def _lock_timeout(milliseconds: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL lock_timeout = '{milliseconds}ms'")


def test_a_check_in_in_flight_holds_back_the_chair_but_not_casts_or_other_check_ins():
    sizes = {"Workers": 3, "Users": 3, "Suppliers": 3, "Authorities": 3}
    coop, assembly, motion = _in_session(sizes, signed_in=2)
    holding, release = threading.Event(), threading.Event()

    def check_in_in_flight() -> None:
        # A check-in between its lock and its commit, held open.
        try:
            with transaction.atomic(durable=True):
                lock_assembly_shared(assembly.pk)
                holding.set()
                release.wait(timeout=60)
        finally:
            connection.close()

    thread = threading.Thread(target=check_in_in_flight)
    thread.start()
    assert holding.wait(timeout=30)
    try:
        when = FIRST_CALL + dt.timedelta(minutes=5)
        voter = coop.people["Workers"][0]
        with transaction.atomic():
            _lock_timeout(2000)
            services.assembly_ballot_cast(
                actor=voter,
                resolution=motion,
                choice="for",
                member_id=member(coop.cooperative, voter.username).pk,
                now=when,
            )
        with transaction.atomic():
            _lock_timeout(2000)
            services.attendance_check_in(
                actor=coop.chair,
                assembly=assembly,
                mode="present",
                member_id=member(coop.cooperative, coop.people["Users"][2].username).pk,
                now=when,
            )
        # The chair's acts count the quorum: they wait for the check-in in flight.
        with pytest.raises(OperationalError), transaction.atomic():
            _lock_timeout(300)
            lock_assembly(assembly.pk)
    finally:
        release.set()
        thread.join(timeout=60)
    assert Ballot.objects.filter(vote=motion.vote, is_current=True).count() == 1


def test_the_same_member_signed_in_twice_at_once_is_signed_in_once():
    sizes = {"Workers": 3, "Users": 3, "Suppliers": 3, "Authorities": 3}
    coop = small_coop(sizes)
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    target = member(coop.cooperative, coop.people["Users"][0].username).pk
    outcomes = race(
        [
            lambda: services.attendance_check_in(
                actor=coop.chair,
                assembly=assembly,
                mode="present",
                member_id=target,
                now=FIRST_CALL,
            )
            for _ in range(4)
        ]
    )
    assert sorted(outcomes) == ["already_checked_in"] * 3 + ["ok"]
    assert Attendance.objects.filter(member_id=target).count() == 1


def test_principals_and_the_holders_of_their_proxies_signing_in_at_once_leave_exact_counts():
    """Each of a principal's and their holder's sign-in changes the other's part (the
    principal is represented while the holder attends, until they come themself): run at
    the same moment, the kept counts still say what counting the roll says, and so when
    they leave at once."""
    from tests.assemblies.test_attendance_counts import assert_kept_counts_agree

    coop = small_coop({"Workers": 4, "Users": 4, "Suppliers": 4, "Authorities": 4})
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    when = T0 + dt.timedelta(days=1)
    pairs = []
    for principal, holder in zip(coop.people["Users"], coop.people["Workers"], strict=True):
        holder_id = member(coop.cooperative, holder.username).pk
        services.assembly_proxy_give(
            actor=principal, assembly=assembly, holder_id=holder_id, now=when
        )
        pairs.append((member(coop.cooperative, principal.username).pk, holder_id))
    # A holder of three proxies, signed in by the desk in a batch with one of them.
    authorities = [member(coop.cooperative, p.username).pk for p in coop.people["Authorities"]]
    for principal in coop.people["Suppliers"][:3]:
        services.assembly_proxy_give(
            actor=principal, assembly=assembly, holder_id=authorities[0], now=when
        )
    suppliers = [member(coop.cooperative, p.username).pk for p in coop.people["Suppliers"]]

    def sign_in(member_id: int) -> Callable[[], Any]:
        return lambda: services.attendance_check_in(
            actor=coop.chair,
            assembly=assembly,
            mode="present",
            member_id=member_id,
            now=FIRST_CALL,
        )

    work = [sign_in(member_id) for pair in pairs for member_id in pair]
    work.append(
        lambda: services.attendance_check_in_batch(
            actor=coop.chair,
            assembly=assembly,
            member_ids=[authorities[0], suppliers[0]],
            now=FIRST_CALL,
        )
    )
    work += [sign_in(suppliers[1]), sign_in(suppliers[2])]
    assert race(work) == ["ok"] * len(work)
    assembly.refresh_from_db()
    assert_kept_counts_agree(assembly)
    count = services.call_attendance_checked(assembly=assembly, call=assembly.calls.get(number=1))
    assert count.total("present") == 12 and count.total("represented") == 0

    call = assembly.calls.get(number=1)
    leaving = list(
        Attendance.objects.filter(
            call=call, member_id__in=[authorities[0], *(h for _p, h in pairs)]
        )
    )
    outcomes = race(
        [
            (
                lambda row=row: services.attendance_check_out(
                    actor=coop.chair, attendance=row, now=FIRST_CALL + dt.timedelta(minutes=5)
                )
            )
            for row in leaving
        ]
    )
    assert outcomes == ["ok"] * len(leaving)
    assert_kept_counts_agree(assembly)


def test_members_admitted_moved_and_resigning_during_check_ins_leave_exact_counts():
    """Governance's changes of who has a vote move the counts of a call under way while
    the desk signs members in, without a deadlock: an associate added and admitted in one
    transaction (which holds the audit chain's head before its membership changes), a
    holder of proxies resigning, a member moved to another college."""
    from tests.assemblies.test_attendance_counts import assert_kept_counts_agree
    from tests.governance.factories import PersonFactory, category, chair_of, college

    coop = small_coop({"Workers": 4, "Users": 4, "Suppliers": 4, "Authorities": 4})
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    when = T0 + dt.timedelta(days=1)
    holder = member(coop.cooperative, coop.usernames("Workers")[0])
    for principal in coop.people["Users"][:3]:
        services.assembly_proxy_give(
            actor=principal, assembly=assembly, holder_id=holder.pk, now=when
        )
    check_in(assembly, [coop.usernames("Workers")[0]], at=FIRST_CALL, by=coop.chair)
    board = chair_of(coop.cooperative)
    newcomers = [PersonFactory() for _ in range(3)]

    def add_and_admit(person: Any) -> Callable[[], Any]:
        def job() -> None:
            membership = governance.membership_apply(
                actor=board,
                cooperative=coop.cooperative,
                category=category(coop.cooperative),
                college=college(coop.cooperative, "Suppliers"),
                person=person,
            )
            governance.membership_admit(actor=board, membership=membership)

        return job

    def membership_of(username: str) -> Any:
        return member(coop.cooperative, username).memberships.get(status="active")

    work: list[Callable[[], Any]] = [add_and_admit(p) for p in newcomers]
    work.append(
        lambda: governance.membership_resign(
            actor=board, membership=membership_of(coop.usernames("Workers")[0])
        )
    )
    work.append(
        lambda: governance.membership_move_college(
            actor=board,
            membership=membership_of(coop.usernames("Suppliers")[0]),
            college=college(coop.cooperative, "Users"),
        )
    )
    work += [
        (
            lambda username=username: services.attendance_check_in(
                actor=coop.chair,
                assembly=assembly,
                mode="present",
                member_id=member(coop.cooperative, username).pk,
                now=FIRST_CALL,
            )
        )
        for username in coop.usernames("Suppliers") + coop.usernames("Authorities")
    ]
    assert race(work) == ["ok"] * len(work)
    assembly.refresh_from_db()
    assert_kept_counts_agree(assembly)
    count = services.call_attendance_checked(assembly=assembly, call=assembly.calls.get(number=1))
    assert count.total("eligible") == 16 + 3 - 1
    assert count.total("represented") == 0
