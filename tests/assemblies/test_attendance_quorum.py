"""Attendance per call and the live quorum: present, remote, represented and postal kept apart,
proxies within the rules, and the three quorum modes."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from assemblies import selectors, services
from assemblies.errors import AssemblyStateError, AttendanceError, PostalVoteError, ProxyError
from assemblies.models import Assembly
from core.errors import InvalidInput
from governance import services as governance
from tests.assemblies.factories import (
    FIRST_CALL,
    T0,
    SmallCoop,
    check_in,
    make_assembly,
    member,
    resolution,
    small_coop,
)

pytestmark = pytest.mark.django_db
BEFORE = T0 + dt.timedelta(days=1)


def _convened(coop: SmallCoop, kind: str = "ordinary", **options: object) -> Assembly:
    assembly = make_assembly(coop.cooperative, chair=coop.chair, kind=kind, **options)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    assembly.refresh_from_db()
    return assembly


def _counts(assembly: Assembly) -> selectors.AttendanceCount:
    return selectors.call_attendance(assembly, selectors.current_call(assembly))


def test_the_four_ways_of_taking_part_are_counted_apart_and_once():
    coop = small_coop()
    workers, users = coop.people["Workers"], coop.people["Users"]
    assembly = _convened(coop)
    motion = resolution(assembly)
    # users[0] votes by post; users[1] gives a proxy to workers[0]; users[2] a blank one;
    # users[3] gives a proxy to workers[3], who stays away, so is not represented.
    services.postal_vote_submit(
        actor=users[0], assembly=assembly, ballots={motion.pk: "for"}, now=BEFORE
    )
    services.assembly_proxy_give(
        actor=users[1],
        assembly=assembly,
        holder_id=member(coop.cooperative, workers[0].username).pk,
        now=BEFORE,
    )
    services.assembly_proxy_give(actor=users[2], assembly=assembly, holder_id=None, now=BEFORE)
    services.assembly_proxy_give(
        actor=users[3],
        assembly=assembly,
        holder_id=member(coop.cooperative, workers[3].username).pk,
        now=BEFORE,
    )
    check_in(assembly, [workers[0].username, workers[1].username], at=FIRST_CALL, by=coop.chair)
    services.attendance_check_in(actor=workers[2], assembly=assembly, mode="remote", now=FIRST_CALL)
    count = _counts(assembly).as_dict()
    assert (count["present"], count["remote"], count["represented"], count["postal"]) == (
        2,
        1,
        2,
        1,
    )
    assert count["attending"] == 6 and count["eligible"] == 16
    users_row = next(c for c in count["colleges"] if c["name"] == "Users")
    assert (users_row["represented"], users_row["postal"], users_row["attending"]) == (2, 1, 3)
    # 6 of 16 is above the fifth of an ordinary first call.
    assert count["quorum"] == {
        "mode": "all_members",
        "required": "1/5",
        "ratio": "3/8",
        "ratio_pct": "37.5000",
        "reached": True,
        "lowest_college_name": None,
    }

    # A principal who comes in person counts as present, and the proxy no longer counts.
    check_in(assembly, [users[1].username], at=FIRST_CALL, by=coop.chair)
    count = _counts(assembly).as_dict()
    assert (count["present"], count["represented"], count["attending"]) == (3, 1, 6)

    # Leaving the meeting takes a member (and the proxies they hold) out of the count.
    attendance = assembly.calls.get(number=1).attendances.get(
        member__person=workers[2], checked_out_at__isnull=True
    )
    services.attendance_check_out(
        actor=workers[2], attendance=attendance, now=FIRST_CALL + dt.timedelta(minutes=5)
    )
    assert _counts(assembly).as_dict()["remote"] == 0


def test_check_in_rules():
    coop = small_coop()
    workers = coop.people["Workers"]
    assembly = _convened(coop, remote_allowed=False)
    motion = resolution(assembly)
    with pytest.raises(AttendanceError) as refused:
        services.attendance_check_in(
            actor=coop.chair,
            assembly=assembly,
            mode="present",
            member_id=member(coop.cooperative, workers[0].username).pk,
            now=FIRST_CALL - dt.timedelta(hours=4),
        )
    assert refused.value.code == "check_in_not_open"
    with pytest.raises(AttendanceError) as refused:
        services.attendance_check_in(
            actor=workers[0], assembly=assembly, mode="present", now=FIRST_CALL
        )
    assert refused.value.code == "presence_by_board"
    with pytest.raises(AttendanceError) as refused:
        services.attendance_check_in(
            actor=workers[0], assembly=assembly, mode="remote", now=FIRST_CALL
        )
    assert refused.value.code == "remote_not_allowed"
    services.postal_vote_submit(
        actor=workers[1], assembly=assembly, ballots={motion.pk: "against"}, now=BEFORE
    )
    with pytest.raises(AttendanceError) as refused:
        check_in(assembly, [workers[1].username], at=FIRST_CALL, by=coop.chair)
    assert refused.value.code == "voted_by_post"
    check_in(assembly, [workers[0].username], at=FIRST_CALL, by=coop.chair)
    with pytest.raises(AttendanceError) as refused:
        check_in(assembly, [workers[0].username], at=FIRST_CALL, by=coop.chair)
    assert refused.value.code == "already_checked_in"


def test_proxies_follow_the_cap_and_the_switch_of_the_rules():
    coop = small_coop()
    workers, users = coop.people["Workers"], coop.people["Users"]
    governance.rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"ordinary": {"proxy_cap": 1}, "extraordinary": {"proxies_allowed": False}},
    )
    assembly = _convened(coop)
    holder = member(coop.cooperative, workers[0].username).pk
    services.assembly_proxy_give(actor=users[0], assembly=assembly, holder_id=holder, now=BEFORE)
    with pytest.raises(ProxyError) as refused:
        services.assembly_proxy_give(
            actor=users[1], assembly=assembly, holder_id=holder, now=BEFORE
        )
    assert refused.value.code == "proxy_cap_reached"
    assert refused.value.details == {"cap": 1, "held": 1}
    with pytest.raises(ProxyError) as refused:
        services.assembly_proxy_give(
            actor=users[0],
            assembly=assembly,
            holder_id=member(coop.cooperative, workers[1].username).pk,
            now=BEFORE,
        )
    assert refused.value.code == "proxy_exists"
    with pytest.raises(InvalidInput):
        services.assembly_proxy_give(
            actor=users[2],
            assembly=assembly,
            holder_id=member(coop.cooperative, users[2].username).pk,
            now=BEFORE,
        )
    extraordinary = _convened(coop, kind="extraordinary")
    with pytest.raises(ProxyError) as refused:
        services.assembly_proxy_give(
            actor=users[0], assembly=extraordinary, holder_id=holder, now=BEFORE
        )
    assert refused.value.code == "proxies_not_allowed"


def test_a_proxy_is_revocable_until_the_meeting_opens_and_excludes_a_postal_vote():
    coop = small_coop()
    workers, users = coop.people["Workers"], coop.people["Users"]
    assembly = _convened(coop)
    motion = resolution(assembly)
    proxy = services.assembly_proxy_give(
        actor=users[0],
        assembly=assembly,
        holder_id=member(coop.cooperative, workers[0].username).pk,
        now=BEFORE,
    )
    with pytest.raises(PostalVoteError) as refused:
        services.postal_vote_submit(
            actor=users[0], assembly=assembly, ballots={motion.pk: "for"}, now=BEFORE
        )
    assert refused.value.code == "proxy_given"
    services.assembly_proxy_revoke(actor=users[0], proxy=proxy, now=BEFORE)
    services.postal_vote_submit(
        actor=users[0], assembly=assembly, ballots={motion.pk: "for"}, now=BEFORE
    )
    with pytest.raises(ProxyError) as refused:
        services.assembly_proxy_give(actor=users[0], assembly=assembly, holder_id=None, now=BEFORE)
    assert refused.value.code == "voted_by_post"

    second = services.assembly_proxy_give(
        actor=users[1], assembly=assembly, holder_id=None, now=BEFORE
    )
    check_in(
        assembly,
        coop.usernames("Workers") + coop.usernames("Suppliers"),
        at=FIRST_CALL,
        by=coop.chair,
    )
    services.assembly_open(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    with pytest.raises(AssemblyStateError):
        services.assembly_proxy_revoke(actor=users[1], proxy=second, now=FIRST_CALL)
    with pytest.raises(AssemblyStateError):
        services.postal_vote_submit(
            actor=users[2], assembly=assembly, ballots={motion.pk: "for"}, now=FIRST_CALL
        )


def _attend_only_workers(coop: SmallCoop, assembly: Assembly) -> None:
    check_in(assembly, coop.usernames("Workers"), at=FIRST_CALL, by=coop.chair)


@pytest.mark.parametrize(
    ("mode", "ratio", "reached"),
    [
        # All four workers of sixteen members: 25 %, exactly the quarter required.
        ("all_members", "1/4", True),
        # The workers' college weighs 30 % and came in full.
        ("weighted", "3/10", True),
        # Each college on its own: three colleges did not come at all.
        ("per_college", "0/1", False),
    ],
)
def test_quorum_in_the_three_modes_of_the_rules(mode, ratio, reached):
    coop = small_coop()
    governance.rules_update(
        actor=coop.chair,
        cooperative=coop.cooperative,
        changes={"extraordinary": {"quorum_mode": mode}},
    )
    assembly = _convened(coop, kind="extraordinary")
    _attend_only_workers(coop, assembly)
    quorum = _counts(assembly).as_dict()["quorum"]
    assert (quorum["mode"], quorum["required"], quorum["ratio"], quorum["reached"]) == (
        mode,
        "1/4",
        ratio,
        reached,
    )
    if mode == "per_college":
        assert quorum["lowest_college_name"] == "Users"


def test_the_second_call_uses_its_own_quorum():
    coop = small_coop()
    assembly = _convened(coop, kind="extraordinary")
    check_in(assembly, coop.everyone[:3], at=FIRST_CALL, by=coop.chair)
    assert _counts(assembly).quorum_required == selectors.call_quorum_required(assembly, 1)
    services.assembly_record_no_quorum(actor=coop.chair, assembly=assembly, now=FIRST_CALL)
    services.assembly_convene_second_call(
        actor=coop.chair, assembly=assembly, now=FIRST_CALL + dt.timedelta(hours=1)
    )
    assembly.refresh_from_db()
    count = _counts(assembly)
    # A new call starts with an empty attendance sheet and the second call's fifth.
    assert count.total("present") == 0
    assert str(count.quorum_required) == "1/5"


@pytest.mark.parametrize("seed", range(6))
def test_the_count_agrees_with_a_member_by_member_reading(seed: int) -> None:
    """The database counts the call (one statement); the same rules read member by
    member here, over random mixes of check-ins, departures, postal ballots, proxies
    (to attending, absent, departed or voteless holders, or to the chair) and members
    who lost their vote, must give the same people in each way and the same counts."""
    from assemblies.models import AssemblyProxy, Attendance, PostalVote
    from governance.models import Member, Membership

    rng = random.Random(seed)
    coop = small_coop({"Workers": 6, "Users": 6, "Suppliers": 5, "Authorities": 3})
    assembly = _convened(coop)
    motion = resolution(assembly)
    call = selectors.current_call(assembly)
    members = list(Member.objects.filter(cooperative=coop.cooperative).order_by("id"))
    rng.shuffle(members)
    # Always there: a member who lost their vote, signed in, holds another's proxy.
    principal, holder = members[0], members[1]
    voteless = {holder.pk, *rng.sample([m.pk for m in members[2:]], 3)}
    Membership.objects.filter(member_id__in=voteless).update(
        status="resigned", ended_on=FIRST_CALL.date()
    )
    Attendance.objects.create(
        call=call,
        member=holder,
        mode="present",
        person=coop.chair,
        checked_in_by=coop.chair,
        checked_in_at=FIRST_CALL,
    )
    AssemblyProxy.objects.create(
        assembly=assembly,
        principal=principal,
        holder=holder,
        given_by=coop.chair,
        created_at=BEFORE,
    )
    checked_in: dict[int, str] = {holder.pk: "present"}
    for m in members[2:]:
        roll = rng.random()
        if roll < 0.4:
            mode = rng.choice(["present", "remote"])
            left = rng.random() < 0.25
            Attendance.objects.create(
                call=call,
                member=m,
                mode=mode,
                person=coop.chair,
                checked_in_by=coop.chair,
                checked_in_at=FIRST_CALL,
                checked_out_at=FIRST_CALL + dt.timedelta(minutes=5) if left else None,
            )
            if not left:
                checked_in[m.pk] = mode
        if rng.random() < 0.25:
            PostalVote.objects.create(
                resolution=motion,
                assembly=assembly,
                member=m,
                choice="for",
                submitted_by=coop.chair,
                received_at=BEFORE,
            )
        if rng.random() < 0.4:
            others = [o for o in members if o.pk != m.pk]
            AssemblyProxy.objects.create(
                assembly=assembly,
                principal=m,
                holder=None if rng.random() < 0.3 else rng.choice(others),
                given_by=coop.chair,
                created_at=BEFORE,
                revoked_at=BEFORE if rng.random() < 0.2 else None,
            )

    voting = {m.pk for m in members if m.pk not in voteless}
    attending = {pk: mode for pk, mode in checked_in.items() if pk in voting}
    postal = {
        pk
        for pk in PostalVote.objects.filter(assembly=assembly).values_list("member_id", flat=True)
        if pk in voting and pk not in attending
    }
    represented = {
        p.principal_id
        for p in AssemblyProxy.objects.filter(assembly=assembly, revoked_at__isnull=True)
        if p.principal_id in voting
        and p.principal_id not in attending
        and p.principal_id not in postal
        and (p.holder_id is None or p.holder_id in attending)
    }
    count = selectors.call_attendance(assembly, call, with_members=True)
    assert count.present_ids == {pk for pk, mode in attending.items() if mode == "present"}
    assert count.remote_ids == {pk for pk, mode in attending.items() if mode == "remote"}
    assert count.postal_ids == postal
    assert count.represented_ids == represented
    figures = count.as_dict()
    assert figures["eligible"] == len(voting)
    assert figures["attending"] == len(attending) + len(postal) + len(represented)
    # The counts alone, without the members, are the same.
    assert selectors.call_attendance(assembly, call, recount=True).as_dict() == figures
    # The rows above were written without the services, which keep the call's counts:
    # counted again from the roll, the kept counts say the same.
    assert services.call_attendance_recount(call=call)
    assert selectors.call_attendance(assembly, call).as_dict() == figures
