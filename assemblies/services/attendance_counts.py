"""The kept attendance counts of the calls under way: moved by every write that changes how
members take part, counted again when a call is convened or the roll's colleges change."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Case, F, IntegerField, Value, When

from assemblies.models import Assembly, AssemblyCall, AssemblyProxy, CallAttendanceCount
from assemblies.selectors import (
    COUNTED_STATUSES,
    MEMBERS_PER_COUNT,
    PARTS,
    AttendanceCount,
    Parts,
    RollCollege,
    call_attendance,
    call_is_counted,
    call_parts,
    call_parts_kept,
    current_call,
    roll_colleges,
)
from core.audit import audit_head_lock

logger = logging.getLogger(__name__)

# Lock order of every write to the kept counts: the audit chain's head (`audit_head_lock`),
# then the counts' rows of each call by call, then by row. Every audited write holds the
# head until it commits, and some take it before they change a membership (an associate
# added and admitted in one transaction): taking the head first, a writer never holds a
# call's counts while waiting for it. Holding the head also orders a count's start (a call
# convened) with the moves of writers that do not lock the assembly (governance's).


@dataclass
class _Kept:
    """A call under way, its kept counts locked: (college key, part) -> (row id, count);
    the members a write changes, and how they took part before it."""

    assembly: Assembly
    call: AssemblyCall
    colleges: list[RollCollege]
    rows: dict[tuple[str, str], tuple[int, int]]
    members: list[int] = field(default_factory=list)
    before: Parts = field(default_factory=dict)


def _lock(calls: list[tuple[Assembly, AssemblyCall]]) -> list[_Kept]:
    """Lock the kept counts of these calls (SELECT ... FOR UPDATE, by call then row). A
    call whose counts were never kept (convened before they were) is left out: the
    database counts it when it is read."""
    if not calls:
        return []
    rows: dict[int, dict[tuple[str, str], tuple[int, int]]] = {}
    locked = (
        CallAttendanceCount.objects.select_for_update()
        .filter(call_id__in=sorted({call.pk for _assembly, call in calls}))
        .order_by("call_id", "id")
        .values_list("id", "call_id", "college_key", "part", "count")
    )
    for pk, call_id, key, part, n in locked:
        rows.setdefault(call_id, {})[key, part] = (pk, n)
    colleges: dict[int, list[RollCollege]] = {}
    kept = []
    for assembly, call in sorted(calls, key=lambda pair: pair[1].pk):
        if call.pk not in rows:
            continue
        if assembly.cooperative_id not in colleges:
            colleges[assembly.cooperative_id] = roll_colleges(assembly.cooperative)
        kept.append(_Kept(assembly, call, colleges[assembly.cooperative_id], rows[call.pk]))
    return kept


def _with_principals(assembly: Assembly, member_ids: list[int]) -> list[int]:
    """The members and the principals of the live proxies they hold for the assembly:
    whether those are represented follows whether their holder attends with a vote."""
    found = set(member_ids)
    for start in range(0, len(member_ids), MEMBERS_PER_COUNT):
        found.update(
            AssemblyProxy.objects.filter(
                assembly=assembly,
                revoked_at__isnull=True,
                holder_id__in=member_ids[start : start + MEMBERS_PER_COUNT],
            ).values_list("principal_id", flat=True)
        )
    return sorted(found)


def _count_before(kept: list[_Kept], member_ids: list[int], *, holders: bool) -> None:
    for one in kept:
        one.members = _with_principals(one.assembly, member_ids) if holders else member_ids
        one.before = call_parts(one.assembly, one.call, one.colleges, one.members)


def _count_after(kept: list[_Kept]) -> None:
    """Count the same members again, after the write, and move the kept counts by the
    difference."""
    for one in kept:
        after = call_parts(one.assembly, one.call, one.colleges, one.members)
        delta = {
            key: after.get(key, 0) - one.before.get(key, 0)
            for key in sorted(after.keys() | one.before.keys())
        }
        _move(one, {key: n for key, n in delta.items() if n})


def _move(kept: _Kept, delta: Parts) -> None:
    """Add `delta` to the kept counts, one statement (F("count") + n per row). A move
    that needs a row the call lacks or would take a count below zero shows the counts
    were already wrong: logged as an error, and the call is counted again."""
    if not delta:
        return
    lost = sorted(
        key for key, n in delta.items() if key not in kept.rows or kept.rows[key][1] + n < 0
    )
    if lost:
        logger.error(
            "The kept attendance counts of call %s cannot take a move at %s: counted again.",
            kept.call.pk,
            lost,
        )
        _recount(kept)
        return
    ids = {key: kept.rows[key][0] for key in delta}
    CallAttendanceCount.objects.filter(pk__in=sorted(ids.values())).update(
        count=F("count")
        + Case(
            *(When(pk=ids[key], then=Value(n)) for key, n in delta.items()),
            default=Value(0),
            output_field=IntegerField(),
        )
    )


def _recount(kept: _Kept) -> Parts:
    """Count the whole roll of the call (one grouped statement) and keep it."""
    counted = call_parts(kept.assembly, kept.call, kept.colleges)
    _write(kept, counted)
    return counted


def _write(kept: _Kept, counted: Parts) -> None:
    """Make the kept counts of the call `counted`: a row for every college of the roll
    and every part, zeros included, rows of colleges no longer on the roll set to zero.
    Rows are changed in place, never deleted: a writer waiting for them finds them."""
    wanted = dict.fromkeys(kept.rows, 0)
    wanted.update({(c.key, part): 0 for c in kept.colleges for part in PARTS})
    wanted.update(counted)
    changed = {
        kept.rows[key][0]: n
        for key, n in wanted.items()
        if key in kept.rows and kept.rows[key][1] != n
    }
    if changed:
        CallAttendanceCount.objects.filter(pk__in=sorted(changed)).update(
            count=Case(
                *(When(pk=pk, then=Value(n)) for pk, n in changed.items()),
                default=F("count"),
                output_field=IntegerField(),
            )
        )
    CallAttendanceCount.objects.bulk_create(
        CallAttendanceCount(call=kept.call, college_key=key, part=part, count=n)
        for (key, part), n in sorted(wanted.items())
        if (key, part) not in kept.rows
    )


def _agrees(kept: Parts, counted: Parts, colleges: list[RollCollege]) -> bool:
    """Whether kept counts say what the roll counted, with a row for every college and
    part of the roll."""
    if any((c.key, part) not in kept for c in colleges for part in PARTS):
        return False
    return {key: n for key, n in kept.items() if n} == counted


@contextmanager
def attendance_counts_follow(
    *,
    assembly: Assembly,
    member_ids: Iterable[int],
    call: AssemblyCall | None = None,
    holders: bool = False,
) -> Iterator[None]:
    """Keep the counts of the assembly's call under way (or of `call`, when it is that
    call) through the write made inside the block, which changes how `member_ids` take
    part (with `holders`, also the principals of the proxies they hold, whom a holder's
    coming or going represents or not): those members are counted by the database before
    and after the write, and the difference is added to the kept counts.

    Use it just around the write: it takes the audit chain's head, then locks the call's
    kept counts, before the first count, so the moves of one call take turns for that
    short time (two check-ins change each other's members when one holds the other's
    proxy). The caller holds the assembly row (FOR KEY SHARE at least): its state does not
    move meanwhile. Does nothing when the call is not under way.
    """
    ids = sorted(set(member_ids))
    if not ids or assembly.status not in COUNTED_STATUSES:
        yield
        return
    call = current_call(assembly) if call is None else call
    if not call_is_counted(assembly, call):
        yield
        return
    audit_head_lock()
    kept = _lock([(assembly, call)])
    _count_before(kept, ids, holders=holders)
    yield
    _count_after(kept)


def _calls_under_way(cooperative_id: int) -> list[tuple[Assembly, AssemblyCall]]:
    """The calls under way of the cooperative's assemblies, read when asked (after the
    head is held: an assembly convened meanwhile has committed)."""
    assemblies = {
        a.pk: a
        for a in Assembly.objects.filter(
            cooperative_id=cooperative_id, status__in=COUNTED_STATUSES
        ).select_related("cooperative", "rules_version")
    }
    if not assemblies:
        return []
    calls = AssemblyCall.objects.filter(
        assembly_id__in=sorted(assemblies), number=F("assembly__current_call")
    ).order_by("id")
    return [(assemblies[call.assembly_id], call) for call in calls]


def membership_changing_received(
    sender: Any, *, cooperative_id: int, member_ids: list[int], **kwargs: Any
) -> Callable[[], None] | None:
    """governance.signals.membership_changing: a member is about to gain or lose a vote,
    or to change college. Counts, on every call under way of the cooperative, the members
    and the principals of the proxies they hold, and returns what moves the kept counts
    once the membership is written."""
    audit_head_lock()
    kept = _lock(_calls_under_way(cooperative_id))
    if not kept:
        return None
    _count_before(kept, sorted(set(member_ids)), holders=True)
    return lambda: _count_after(kept)


def college_roll_changed_received(sender: Any, *, cooperative_id: int, **kwargs: Any) -> None:
    """governance.signals.college_roll_changed: the colleges that make an assembly's roll
    changed; every call under way of the cooperative is counted again."""
    audit_head_lock()
    for kept in _lock(_calls_under_way(cooperative_id)):
        _recount(kept)


@transaction.atomic
def call_attendance_recount(*, call: AssemblyCall) -> bool:
    """Count `call` again from the roll, and keep its counts, when it is the call under
    way of its assembly (convened or in session); returns whether it is.

    Convening a call starts its counts here. Code that writes attendance, proxies, postal
    ballots or memberships without the services (a loader's SQL) calls it after. Takes
    the audit chain's head, then the call's counts, like every move.
    """
    audit_head_lock()
    assembly = Assembly.objects.select_related("cooperative", "rules_version").get(
        pk=call.assembly_id
    )
    if not call_is_counted(assembly, call):
        return False
    kept = _lock([(assembly, call)])
    _recount(kept[0] if kept else _Kept(assembly, call, roll_colleges(assembly.cooperative), {}))
    return True


def call_attendance_checked(
    *, assembly: Assembly, call: AssemblyCall, with_members: bool = False
) -> AttendanceCount:
    """The count an act that binds goes by (opening the meeting, recording a missing
    quorum, opening and closing a point): the database counts the whole roll
    (`call_attendance(recount=True)`), never the kept counts.

    On the call under way, the kept counts are compared with it. When they disagree, the
    call is counted again under the counts' locks (a move may have been committing); if
    they still disagree, the drift is logged as an error and the kept counts are
    rewritten from the roll. A call whose counts were never kept gets them here. The
    caller holds the assembly row (lock_assembly).
    """
    colleges = roll_colleges(assembly.cooperative)
    count = call_attendance(
        assembly, call, with_members=with_members, recount=True, colleges=colleges
    )
    if not call_is_counted(assembly, call):
        return count
    if _agrees(call_parts_kept(call), count.parts, colleges):
        return count
    audit_head_lock()
    locked = _lock([(assembly, call)])
    count = call_attendance(
        assembly, call, with_members=with_members, recount=True, colleges=colleges
    )
    kept = locked[0] if locked else _Kept(assembly, call, colleges, {})
    held = {key: n for key, (_pk, n) in kept.rows.items() if n}
    if kept.rows and held != count.parts:
        logger.error(
            "The kept attendance counts of call %s disagree with the roll (kept %s, counted"
            " %s): rewritten from the roll.",
            call.pk,
            held,
            count.parts,
        )
    _write(kept, count.parts)
    return count
