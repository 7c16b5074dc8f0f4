"""The kept attendance counts of the call under way: every service that changes who takes
part moves them, and they always say what counting the whole roll says."""

from __future__ import annotations

import datetime as dt
import logging
import random
from decimal import Decimal
from typing import Any

import pytest

from assemblies import selectors, services
from assemblies.models import (
    Assembly,
    AssemblyProxy,
    AssemblyStatus,
    Attendance,
    CallAttendanceCount,
)
from core.errors import DomainError
from governance import services as governance
from governance.models import College, Member, Membership, MembershipStatus
from tests.assemblies.factories import (
    FIRST_CALL,
    SECOND_CALL,
    T0,
    SmallCoop,
    check_in,
    make_assembly,
    member,
    resolution,
    small_coop,
)
from tests.governance.factories import PersonFactory, add_member, chair_of

pytestmark = pytest.mark.django_db
BEFORE = T0 + dt.timedelta(days=1)
COUNTS_LOGGER = "assemblies.services.attendance_counts"


def _convened(coop: SmallCoop, **options: Any) -> Assembly:
    assembly = make_assembly(coop.cooperative, chair=coop.chair, **options)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    assembly.refresh_from_db()
    return assembly


def assert_kept_counts_agree(assembly: Assembly) -> None:
    """The kept counts of the call under way are what the database counts over the whole
    roll, with a row for every college and part of the roll."""
    assembly = Assembly.objects.select_related("cooperative", "rules_version").get(pk=assembly.pk)
    call = selectors.current_call(assembly)
    if not selectors.call_is_counted(assembly, call):
        return
    colleges = selectors.roll_colleges(assembly.cooperative)
    kept = selectors.call_parts_kept(call)
    assert {(c.key, part) for c in colleges for part in selectors.PARTS} <= set(kept)
    counted = selectors.call_parts(assembly, call, colleges)
    assert {key: n for key, n in kept.items() if n} == counted
    assert selectors.call_attendance(assembly, call).as_dict() == (
        selectors.call_attendance(assembly, call, recount=True).as_dict()
    )


class _Run:
    """A random sequence of the services' acts on one assembly of a small cooperative."""

    WEIGHTS = ((30, 30, 20, 20), (25, 25, 25, 25), (40, 20, 20, 20), (20, 30, 30, 20))

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.coop = small_coop({"Workers": 4, "Users": 4, "Suppliers": 3, "Authorities": 3})
        self.cooperative = self.coop.cooperative
        self.chair = self.coop.chair
        self.assembly = _convened(self.coop, kind=self.rng.choice(["ordinary", "extraordinary"]))
        self.motion = resolution(self.assembly)
        self.now = FIRST_CALL
        self.done: list[str] = []

    # What the acts pick from, read again at each step.

    def members(self) -> list[Member]:
        return list(Member.objects.filter(cooperative=self.cooperative).order_by("id"))

    def memberships(self, status: str) -> list[Membership]:
        return list(
            Membership.objects.filter(cooperative=self.cooperative, status=status).order_by("id")
        )

    def colleges(self) -> list[College]:
        return list(College.objects.filter(cooperative=self.cooperative, is_active=True))

    def refresh(self) -> None:
        self.assembly.refresh_from_db()

    # The acts.

    def check_in(self) -> None:
        target = self.rng.choice(self.members())
        services.attendance_check_in(
            actor=self.chair,
            assembly=self.assembly,
            mode=self.rng.choice(["present", "remote"]),
            member_id=target.pk,
            now=self.now,
        )

    def check_in_batch(self) -> None:
        members = self.members()
        picked = self.rng.sample(members, self.rng.randint(1, min(5, len(members))))
        services.attendance_check_in_batch(
            actor=self.chair,
            assembly=self.assembly,
            member_ids=[m.pk for m in picked],
            now=self.now,
        )

    def check_out(self) -> None:
        open_rows = list(
            Attendance.objects.filter(
                call__assembly=self.assembly, checked_out_at__isnull=True
            ).order_by("id")
        )
        if open_rows:
            services.attendance_check_out(
                actor=self.chair, attendance=self.rng.choice(open_rows), now=self.now
            )

    def proxy_give(self) -> None:
        members = self.members()
        principal = self.rng.choice(members)
        others = [m for m in members if m.pk != principal.pk]
        holder = None if self.rng.random() < 0.25 else self.rng.choice(others)
        services.assembly_proxy_give(
            actor=self.chair,
            assembly=self.assembly,
            principal_id=principal.pk,
            holder_id=holder.pk if holder else None,
            now=self.now,
        )

    def proxy_revoke(self) -> None:
        live = list(AssemblyProxy.objects.filter(assembly=self.assembly, revoked_at__isnull=True))
        if live:
            services.assembly_proxy_revoke(
                actor=self.chair, proxy=self.rng.choice(live), now=self.now
            )

    def postal_vote(self) -> None:
        services.postal_vote_submit(
            actor=self.chair,
            assembly=self.assembly,
            ballots={self.motion.pk: self.rng.choice(["for", "against", "abstain"])},
            member_id=self.rng.choice(self.members()).pk,
            now=self.now,
        )

    def admit(self) -> None:
        colleges = self.colleges()
        college = self.rng.choice(colleges).name if colleges else None
        applicant = add_member(self.cooperative, college, admit=False)
        if self.rng.random() < 0.8:
            governance.membership_admit(actor=self.chair, membership=applicant)

    def decide_application(self) -> None:
        pending = self.memberships(MembershipStatus.APPLICANT)
        if pending:
            chosen = self.rng.choice(pending)
            if self.rng.random() < 0.5:
                governance.membership_admit(actor=self.chair, membership=chosen)
            else:
                governance.membership_refuse(actor=self.chair, membership=chosen)

    def move_college(self) -> None:
        active, colleges = self.memberships(MembershipStatus.ACTIVE), self.colleges()
        if active and colleges:
            governance.membership_move_college(
                actor=self.chair,
                membership=self.rng.choice(active),
                college=self.rng.choice(colleges),
            )

    def resign(self) -> None:
        active = self.memberships(MembershipStatus.ACTIVE)
        if active:
            if self.rng.random() < 0.5:
                governance.membership_resign(actor=self.chair, membership=self.rng.choice(active))
            else:
                governance.membership_exclude(
                    actor=self.chair, membership=self.rng.choice(active), reason="Gone."
                )

    def reweigh(self) -> None:
        """A new configuration of the colleges: other weights, or a fifth college (the
        roll's colleges change)."""
        names = [c.name for c in self.colleges()]
        if len(names) == 4 and self.rng.random() < 0.3:
            specs = list(zip([*names, "Partners"], (20, 20, 20, 20, 20), strict=True))
        elif len(names) == 4:
            specs = list(zip(names, self.rng.choice(self.WEIGHTS), strict=True))
        else:
            weights = [20] * len(names)
            specs = list(zip(names, weights, strict=True))
        governance.colleges_configure(
            actor=self.chair,
            cooperative=self.cooperative,
            colleges=[governance.CollegeSpec(n, Decimal(w)) for n, w in specs],
        )

    def no_quorum(self) -> None:
        """Record a missing quorum on the first call, and convene the second."""
        if self.assembly.status != AssemblyStatus.CONVENED or self.assembly.current_call != 1:
            return
        services.assembly_record_no_quorum(actor=self.chair, assembly=self.assembly, now=self.now)
        services.assembly_convene_second_call(
            actor=self.chair, assembly=self.assembly, now=self.now + dt.timedelta(hours=1)
        )
        self.refresh()
        self.now = selectors.current_call(self.assembly).scheduled_at

    def open(self) -> None:
        services.assembly_open(actor=self.chair, assembly=self.assembly, now=self.now)

    def point(self) -> None:
        item = self.motion.item
        item.refresh_from_db()
        if item.status == "pending":
            services.item_open(actor=self.chair, item=item, now=self.now)
        elif item.status == "open":
            services.item_close(actor=self.chair, item=item, now=self.now)

    ACTS = (
        ("check_in", 6),
        ("check_in_batch", 3),
        ("check_out", 3),
        ("proxy_give", 4),
        ("proxy_revoke", 2),
        ("postal_vote", 3),
        ("admit", 2),
        ("decide_application", 1),
        ("move_college", 2),
        ("resign", 2),
        ("reweigh", 1),
        ("no_quorum", 1),
        ("open", 1),
        ("point", 1),
    )

    # The meeting opens in the second half of a run: proxies and postal ballots are
    # taken until then.
    MEETING = ("open", "point")

    def step(self) -> None:
        acts = [
            (name, weight)
            for name, weight in self.ACTS
            if len(self.done) >= 35 or name not in self.MEETING
        ]
        name = self.rng.choices([n for n, _w in acts], weights=[w for _n, w in acts])[0]
        try:
            getattr(self, name)()
        except DomainError as refused:
            self.done.append(f"{name}: {refused.code}")
        else:
            self.done.append(name)
        self.refresh()


@pytest.mark.parametrize("seed", range(8))
def test_the_kept_counts_follow_every_act_as_the_roll_counts_it(
    seed: int, caplog: pytest.LogCaptureFixture
) -> None:
    """Random sequences of check-ins (one by one and in batches), departures, proxies
    given and revoked, postal ballots, admissions, refusals, college moves, resignations
    and exclusions, new college weights (and a new college), a second call, the opening
    and a point opened and closed: after every act the kept counts are what counting the
    whole roll gives, and nothing was found adrift."""
    caplog.set_level(logging.ERROR, logger=COUNTS_LOGGER)
    run = _Run(seed)
    assert_kept_counts_agree(run.assembly)
    for _ in range(70):
        run.step()
        assert_kept_counts_agree(run.assembly)
        assert not [r for r in caplog.records if r.name == COUNTS_LOGGER], run.done
    # The sequence did more than be refused.
    assert sum(":" not in act for act in run.done) >= 25, run.done


def test_a_call_convened_starts_its_counts_and_a_call_adjourned_stops() -> None:
    coop = small_coop()
    assembly = make_assembly(coop.cooperative, chair=coop.chair, kind="extraordinary")
    first = selectors.current_call(assembly)
    assert not CallAttendanceCount.objects.filter(call=first).exists()
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    assembly.refresh_from_db()
    colleges = selectors.roll_colleges(coop.cooperative)
    assert CallAttendanceCount.objects.filter(call=first).count() == 5 * len(colleges)
    check_in(assembly, coop.everyone[:2], at=FIRST_CALL, by=coop.chair)
    assert selectors.call_attendance(assembly, first).total("present") == 2
    first_kept = selectors.call_parts_kept(first)
    services.assembly_record_no_quorum(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    services.assembly_convene_second_call(
        actor=coop.chair, assembly=assembly, now=FIRST_CALL + dt.timedelta(hours=1)
    )
    assembly.refresh_from_db()
    second = selectors.current_call(assembly)
    assert second.number == 2
    assert selectors.call_parts_kept(second) == {
        **{(c.key, part): 0 for c in colleges for part in selectors.PARTS},
        **{(c.key, ""): 4 for c in colleges},
    }
    # The first call's rows stay as they were: a sign-in to the second moves its own.
    check_in(assembly, coop.everyone[:1], at=SECOND_CALL, by=coop.chair)
    assert selectors.call_parts_kept(first) == first_kept
    assert not selectors.call_is_counted(assembly, first)
    assert selectors.call_attendance(assembly, second).total("present") == 1
    assert_kept_counts_agree(assembly)


def test_the_live_quorum_reads_the_kept_counts_not_the_roll() -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    coop = small_coop()
    assembly = _convened(coop)
    check_in(assembly, coop.everyone[:3], at=FIRST_CALL, by=coop.chair)
    call = selectors.current_call(assembly)
    with CaptureQueriesContext(connection) as statements:
        count = selectors.call_attendance(assembly, call)
    assert count.total("present") == 3 and count.total("eligible") == 16
    assert not [s for s in statements.captured_queries if "COALESCE(a.mode" in s["sql"]]
    with CaptureQueriesContext(connection) as statements:
        selectors.call_attendance(assembly, call, recount=True)
    assert [s for s in statements.captured_queries if "COALESCE(a.mode" in s["sql"]]


def test_an_act_that_binds_counts_the_roll_and_rewrites_counts_adrift(
    caplog: pytest.LogCaptureFixture,
) -> None:
    coop = small_coop()
    assembly = _convened(coop)
    check_in(assembly, coop.everyone[:6], at=FIRST_CALL, by=coop.chair)
    call = selectors.current_call(assembly)
    # Counts gone adrift (a row written by hand): the desk would show 6 + 9 present.
    CallAttendanceCount.objects.filter(call=call, part="present").update(count=9)
    assert selectors.call_attendance(assembly, call).total("present") == 36
    caplog.set_level(logging.ERROR, logger=COUNTS_LOGGER)
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    assembly.refresh_from_db()
    assert call.__class__.objects.get(pk=call.pk).attendance["present"] == 6
    drift = [r for r in caplog.records if r.name == COUNTS_LOGGER]
    assert [r.levelname for r in drift] == ["ERROR"]
    assert "disagree with the roll" in drift[0].getMessage()
    assert_kept_counts_agree(assembly)
    assert selectors.call_attendance(assembly, call).total("present") == 6


def test_a_move_on_counts_adrift_counts_the_call_again(caplog: pytest.LogCaptureFixture) -> None:
    coop = small_coop()
    assembly = _convened(coop)
    call = selectors.current_call(assembly)
    # Nobody absent in the kept counts: signing a member in cannot take one away.
    CallAttendanceCount.objects.filter(call=call, part="").update(count=0)
    caplog.set_level(logging.ERROR, logger=COUNTS_LOGGER)
    check_in(assembly, coop.everyone[:1], at=FIRST_CALL, by=coop.chair)
    drift = [r for r in caplog.records if r.name == COUNTS_LOGGER]
    assert [r.levelname for r in drift] == ["ERROR"]
    assert "cannot take a move" in drift[0].getMessage()
    assert_kept_counts_agree(assembly)


def test_a_call_convened_before_the_counts_were_kept_is_counted_by_the_database() -> None:
    coop = small_coop()
    assembly = _convened(coop)
    call = selectors.current_call(assembly)
    CallAttendanceCount.objects.filter(call=call).delete()
    check_in(assembly, coop.everyone[:4], at=FIRST_CALL, by=coop.chair)
    # The moves leave such a call alone; reading it counts the roll.
    assert not CallAttendanceCount.objects.filter(call=call).exists()
    assert selectors.call_attendance(assembly, call).total("present") == 4
    # The first act that binds starts its counts.
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    assembly.refresh_from_db()
    assert_kept_counts_agree(assembly)
    assert CallAttendanceCount.objects.filter(call=call).exists()


def test_a_holder_s_coming_going_and_losing_their_vote_moves_the_principals() -> None:
    coop = small_coop()
    assembly = _convened(coop)
    workers, users = coop.people["Workers"], coop.people["Users"]
    holder = member(coop.cooperative, workers[0].username)
    for principal in users[:3]:
        services.assembly_proxy_give(
            actor=principal, assembly=assembly, holder_id=holder.pk, now=BEFORE
        )
    call = selectors.current_call(assembly)

    def represented() -> int:
        return selectors.call_attendance(assembly, call).total("represented")

    check_in(assembly, [workers[0].username], at=FIRST_CALL, by=coop.chair)
    assert represented() == 3
    attendance = Attendance.objects.get(call=call, member=holder, checked_out_at__isnull=True)
    services.attendance_check_out(actor=coop.chair, attendance=attendance, now=FIRST_CALL)
    assert represented() == 0
    services.attendance_check_in_batch(
        actor=coop.chair, assembly=assembly, member_ids=[holder.pk], now=FIRST_CALL
    )
    assert represented() == 3
    membership = Membership.objects.get(member=holder, status=MembershipStatus.ACTIVE)
    governance.membership_resign(actor=chair_of(coop.cooperative), membership=membership)
    assert represented() == 0
    assert_kept_counts_agree(assembly)


def test_a_cooperative_without_colleges_keeps_one_count_for_all() -> None:
    from governance.services import cooperative_create

    chair = PersonFactory()
    cooperative = cooperative_create(
        actor=chair, name="Plain", slug="plain", legal_form="scic_sa", colleges=[]
    )
    people = [add_member(cooperative).member for _ in range(5)]
    assembly = make_assembly(cooperative, chair=chair)
    services.assembly_convene(actor=chair, assembly=assembly, now=T0)
    assembly.refresh_from_db()
    services.attendance_check_in_batch(
        actor=chair, assembly=assembly, member_ids=[m.pk for m in people[:2]], now=FIRST_CALL
    )
    call = selectors.current_call(assembly)
    assert selectors.call_parts_kept(call)[selectors.SINGLE_COLLEGE_KEY, "present"] == 2
    governance.colleges_configure(
        actor=chair,
        cooperative=cooperative,
        colleges=[
            governance.CollegeSpec(name, Decimal(w))
            for name, w in (("A", 40), ("B", 30), ("C", 30))
        ],
    )
    # The roll now weighs colleges its members are not in: nobody has a vote.
    assert_kept_counts_agree(assembly)
    assert selectors.call_attendance(assembly, call).total("eligible") == 0
