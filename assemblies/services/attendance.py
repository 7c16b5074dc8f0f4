"""Check-in per call: one member at a time or a batch from the door, and check-out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from assemblies.errors import (
    AssemblyStateError,
    AttendanceError,
    NotAMember,
)
from assemblies.live import attendance_changed
from assemblies.models import (
    Assembly,
    AssemblyCall,
    AssemblyStatus,
    Attendance,
    AttendanceMode,
    CallStatus,
    PostalVote,
)
from assemblies.selectors import (
    college_keys,
    current_call,
)
from assemblies.services._common import (
    audit,
    current,
    is_board,
    lock_assembly_shared,
)
from assemblies.services.attendance_counts import attendance_counts_follow
from assemblies.services.participation import (
    acting_member_for,
)
from core.errors import InvalidInput, NotFound
from governance.acting import person_acting_for
from governance.models import Member, Person
from governance.permissions import require_board
from governance.selectors import members_acting_person

# Members sign in from this long before the time of the call.
CHECK_IN_OPENS = dt.timedelta(hours=3)


def _require_check_in_open(
    assembly: Assembly, call: AssemblyCall, now: dt.datetime, mode: str, *, board: bool
) -> None:
    """The conditions of signing in that do not depend on the member."""
    if assembly.status not in (AssemblyStatus.CONVENED, AssemblyStatus.IN_SESSION):
        raise AssemblyStateError(message=_("Attendance is taken on the day of a convened call."))
    if call.status not in (CallStatus.CONVENED, CallStatus.QUORUM_REACHED):
        raise AssemblyStateError(message=_("This call is not convened."))
    if now < call.scheduled_at - CHECK_IN_OPENS:
        raise AttendanceError(
            code="check_in_not_open", message=_("Signing in opens three hours before the call.")
        )
    if mode not in AttendanceMode.values:
        raise InvalidInput(code="unknown_mode", message=_("Attend in the room or remotely."))
    if mode == AttendanceMode.REMOTE and not assembly.remote_allowed:
        raise AttendanceError(
            code="remote_not_allowed", message=_("Remote attendance is not open for this assembly.")
        )
    if mode == AttendanceMode.PRESENT and not board:
        raise AttendanceError(
            code="presence_by_board",
            message=_(
                "Presence in the room is recorded by the board at the "
                "door; sign yourself in remotely instead."
            ),
        )


def _insert_attendances(rows: list[Attendance]) -> list[Attendance]:
    """Insert sign-ins; a member signed in meanwhile by someone else (the database allows
    one open row per member and call) is refused as already signed in."""
    try:
        with transaction.atomic():
            return Attendance.objects.bulk_create(rows)
    except IntegrityError:
        raise AttendanceError(
            code="already_checked_in", message=_("This member is already signed in.")
        ) from None


def _sign_in(
    assembly: Assembly,
    call: AssemblyCall,
    members: list[tuple[Member, Person]],
    *,
    mode: str,
    actor: Person,
    now: dt.datetime,
) -> list[Attendance]:
    """Write the sign-ins of `members` (each with the person attending for it) and move
    the call's kept counts with them: the members, and the principals of the proxies they
    hold (assemblies.services.attendance_counts)."""
    with attendance_counts_follow(
        assembly=assembly, call=call, member_ids=[m.pk for m, _person in members], holders=True
    ):
        return _insert_attendances(
            [
                Attendance(
                    call=call,
                    member=member,
                    mode=mode,
                    person=person,
                    checked_in_by=actor,
                    checked_in_at=now,
                )
                for member, person in members
            ]
        )


@transaction.atomic
def attendance_check_in(
    *,
    actor: Person,
    assembly: Assembly,
    mode: str,
    member_id: int | None = None,
    now: dt.datetime | None = None,
) -> Attendance:
    """Sign a member in to the current call, in the room or remotely.

    The board (at the door, or for the chair) signs in any member with a vote, in either
    mode; a member signs themself in remotely when the assembly allows remote attendance.
    A member who voted by post took part that way and cannot sign in. Opens three hours
    before the call. Holds the assembly row FOR KEY SHARE (check-ins run side by side; the
    chair's acts wait for them); the database keeps one open sign-in per member. Moves
    the call's kept counts with the write (the member, and the principals of the proxies
    they hold: assemblies.services.attendance_counts). Audits; after commit, asks for a
    push of the new counts to the room (assemblies.live).
    """
    assembly = lock_assembly_shared(assembly.pk)
    now = current(now)
    call = current_call(assembly)
    board = is_board(actor, assembly)
    _require_check_in_open(assembly, call, now, mode, board=board)
    member, for_someone = acting_member_for(actor, assembly, member_id, board_may=True)
    if PostalVote.objects.filter(assembly=assembly, member=member).exists():
        raise AttendanceError(
            code="voted_by_post", message=_("This member voted by post and cannot also attend.")
        )
    if Attendance.objects.filter(call=call, member=member, checked_out_at__isnull=True).exists():
        raise AttendanceError(
            code="already_checked_in",
            message=_("%(member)s is already signed in.") % {"member": member},
        )
    person = actor if not for_someone else person_acting_for(member)
    if person is None:
        raise AttendanceError(
            code="no_representative",
            message=_("This legal person has no representative to attend."),
        )
    [attendance] = _sign_in(assembly, call, [(member, person)], mode=mode, actor=actor, now=now)
    audit(
        actor,
        "assembly.checked_in",
        assembly,
        attendance,
        member_id=member.pk,
        mode=mode,
        call=call.number,
    )
    attendance_changed(assembly.pk)
    return attendance


@dataclass(frozen=True)
class BatchCheckIn:
    """What a batch sign-in did: the rows written, and the members already signed in."""

    checked_in: list[Attendance]
    already_checked_in: list[int]


# One desk request signs in at most this many members.
BATCH_CHECK_IN_MAX = 1000


@transaction.atomic
def attendance_check_in_batch(
    *,
    actor: Person,
    assembly: Assembly,
    member_ids: Sequence[int],
    mode: str = AttendanceMode.PRESENT,
    now: dt.datetime | None = None,
) -> BatchCheckIn:
    """The desk signs in a list of members at once, under the rules of a single sign-in.

    The board only. Every member must have a vote; a member who voted by post, or a legal
    person without a representative, refuses the whole batch (the error names them).
    Members already signed in are left as they are and listed. Each sign-in is audited as
    one; holds the assembly row FOR KEY SHARE and moves the kept counts like a single
    sign-in; one push of the counts after commit.
    """
    assembly = lock_assembly_shared(assembly.pk)
    require_board(actor, assembly.cooperative)
    now = current(now)
    call = current_call(assembly)
    _require_check_in_open(assembly, call, now, mode, board=True)
    wanted = list(dict.fromkeys(member_ids))
    if not wanted:
        raise InvalidInput(code="members_required", message=_("Choose at least one member."))
    if len(wanted) > BATCH_CHECK_IN_MAX:
        raise InvalidInput(
            code="too_many_members",
            message=_("Sign in at most %(n)d members at once.") % {"n": BATCH_CHECK_IN_MAX},
        )
    roll = college_keys(assembly.cooperative, wanted)
    unknown = [pk for pk in wanted if pk not in roll]
    if unknown:
        raise NotAMember(
            message=_("Some of these members have no vote in this assembly."),
            details={"member_ids": unknown},
        )
    postal = set(
        PostalVote.objects.filter(assembly=assembly, member_id__in=wanted).values_list(
            "member_id", flat=True
        )
    )
    if postal:
        raise AttendanceError(
            code="voted_by_post",
            message=_("Some of these members voted by post and cannot also attend."),
            details={"member_ids": sorted(postal)},
        )
    already = set(
        Attendance.objects.filter(
            call=call, member_id__in=wanted, checked_out_at__isnull=True
        ).values_list("member_id", flat=True)
    )
    to_sign = [pk for pk in wanted if pk not in already]
    # Who signs in for each: the member, or for a legal person its representative (the
    # rule of governance.acting; only legal persons cost a query).
    loaded = Member.objects.select_related("person").in_bulk(to_sign)
    members = [(loaded[pk], person_acting_for(loaded[pk])) for pk in to_sign]
    nobody = [m.pk for m, person in members if person is None]
    if nobody:
        raise AttendanceError(
            code="no_representative",
            message=_("Some of these legal persons have no representative to attend."),
            details={"member_ids": nobody},
        )
    rows = _sign_in(assembly, call, members, mode=mode, actor=actor, now=now)
    for attendance in rows:
        audit(
            actor,
            "assembly.checked_in",
            assembly,
            attendance,
            member_id=attendance.member_id,
            mode=mode,
            call=call.number,
        )
    if rows:
        attendance_changed(assembly.pk)
    return BatchCheckIn(checked_in=rows, already_checked_in=sorted(already))


@transaction.atomic
def attendance_check_out(
    *, actor: Person, attendance: Attendance, now: dt.datetime | None = None
) -> Attendance:
    """Record that a member left; the member or the board may. Holds the assembly row FOR
    KEY SHARE and moves the kept counts like a sign-in; audited; pushes the counts after
    commit."""
    call = attendance.call
    assembly = lock_assembly_shared(call.assembly_id)
    now = current(now)
    attendance = Attendance.objects.select_for_update().get(pk=attendance.pk)
    mine = {m.pk for m in members_acting_person(assembly.cooperative, actor, active=True)}
    if attendance.member_id not in mine and not is_board(actor, assembly):
        raise NotFound()
    if attendance.checked_out_at is not None:
        raise AttendanceError(
            code="already_checked_out", message=_("This member has already left.")
        )
    if assembly.status not in (AssemblyStatus.CONVENED, AssemblyStatus.IN_SESSION):
        raise AssemblyStateError(message=_("The meeting is over."))
    attendance.checked_out_at = max(now, attendance.checked_in_at)
    with attendance_counts_follow(
        assembly=assembly, call=call, member_ids=[attendance.member_id], holders=True
    ):
        attendance.save(update_fields=["checked_out_at"])
    audit(
        actor,
        "assembly.checked_out",
        assembly,
        attendance,
        member_id=attendance.member_id,
        call=call.number,
    )
    attendance_changed(assembly.pk)
    return attendance
