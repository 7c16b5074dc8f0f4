"""Turnout and attendance pushed to the assembly room after commit, coalesced per subject.

A ballot or a check-in does not write a room event of its own: it neither takes the
room's sequence number (a lock held until commit, which would make every cast of the
room wait for the one before) nor counts anything. After it commits it asks for a push,
and one push per resolution (or per assembly, for attendance) goes out at most every
`COLLEGIA["TURNOUT_PUSH_SECONDS"]`, carrying the figures read when it runs. With the
setting at 0 the push runs at once, right after each commit.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

from assemblies import events
from assemblies.models import Assembly, AssemblyStatus, ItemStatus, Resolution
from assemblies.room import room_emit
from assemblies.selectors import call_attendance, current_call
from core.live.coalesce import delivery_spread, push_after_commit, turnout_window
from voting import selectors as voting_selectors
from voting.models import VoteStatus


def resolution_turnout_changed(resolution_id: int) -> None:
    """Ask for a push of the resolution's turnout once the current transaction commits."""
    _coalesced(
        _turnout_key(resolution_id),
        lambda: resolution_turnout_push(resolution_id=resolution_id),
    )


def attendance_changed(assembly_id: int) -> None:
    """Ask for a push of the current call's attendance once the transaction commits."""
    _coalesced(
        _attendance_key(assembly_id),
        lambda: attendance_push(assembly_id=assembly_id),
    )


def _lock_room(assembly_id: int) -> Assembly | None:
    """Lock the assembly row for a push (FOR NO KEY UPDATE: check-ins, which hold it FOR
    KEY SHARE, go on). The chair's acts lock it exclusively, and a close takes the row
    before the votes: a push taking it first, then reading the vote, never lands after
    the close's event and never deadlocks with it."""
    return (
        Assembly.objects.select_for_update(no_key=True, of=("self",))
        .select_related("cooperative", "rules_version")
        .filter(pk=assembly_id)
        .first()
    )


def resolution_turnout_push(*, resolution_id: int) -> int | None:
    """Push the resolution's turnout, and its running result when the assembly shows it
    live, while its vote is open; nothing once it closed. Returns the number of voters
    on the roll, the room's audience at most (core.live.coalesce spaces the pushes)."""
    with transaction.atomic():
        found = Resolution.objects.filter(pk=resolution_id).values_list("item__assembly_id")
        row = found.first()
        assembly = _lock_room(row[0]) if row is not None else None
        if assembly is None:
            return None
        resolution = Resolution.objects.select_related("item", "vote").get(pk=resolution_id)
        vote = resolution.vote
        if vote is None or vote.status != VoteStatus.OPEN:
            return None
        if resolution.item.status != ItemStatus.OPEN:
            return None
        turnout = voting_selectors.vote_turnout(vote)
        spread = delivery_spread(int(turnout["eligible"]))
        room_emit(
            assembly=assembly,
            type=events.ROOM_TURNOUT,
            data={"resolution_id": resolution.pk, "turnout": turnout},
            spread=spread,
        )
        if vote.results_live and not vote.is_secret:
            room_emit(
                assembly=assembly,
                type=events.ROOM_PARTIAL_RESULTS,
                data={
                    "resolution_id": resolution.pk,
                    "result": voting_selectors.vote_tally(vote).result,
                },
                spread=spread,
            )
    return int(turnout["eligible"])


def attendance_push(*, assembly_id: int) -> int | None:
    """Push the current call's counts and quorum while attendance is being taken; return
    the number of members with a vote, the room's audience at most."""
    with transaction.atomic():
        assembly = _lock_room(assembly_id)
        if assembly is None:
            return None
        if assembly.status not in (AssemblyStatus.CONVENED, AssemblyStatus.IN_SESSION):
            return None
        call = current_call(assembly)
        counts = call_attendance(assembly, call).as_dict()
        room_emit(
            assembly=assembly,
            type=events.ROOM_ATTENDANCE,
            data=counts,
            spread=delivery_spread(int(counts["eligible"])),
        )
    return int(counts["eligible"])


def _turnout_key(resolution_id: int) -> str:
    return f"assemblies:turnout-push:{resolution_id}"


def _attendance_key(assembly_id: int) -> str:
    return f"assemblies:attendance-push:{assembly_id}"


def _coalesced(key: str, push: Callable[[], int | None]) -> None:
    """One push per `key` a window, across processes (core.live.coalesce)."""
    push_after_commit(key, push, window=turnout_window())
