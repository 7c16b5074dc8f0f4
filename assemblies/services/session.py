"""The meeting: opening on the quorum of a call, recording a missing quorum, closing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from assemblies import events
from assemblies.errors import (
    AnotherItemOpen,
    AssemblyStateError,
    QuorumNotReached,
    QuorumReached,
)
from assemblies.models import (
    BEFORE_MEETING_STATUSES,
    AgendaItem,
    Assembly,
    AssemblyCall,
    AssemblyStatus,
    CallStatus,
    ItemStatus,
)
from assemblies.room import room_emit
from assemblies.selectors import (
    AttendanceCount,
    current_call,
)
from assemblies.services._common import (
    audit,
    current,
    lock_assembly,
    require_status,
)
from assemblies.services.attendance_counts import call_attendance_checked
from assemblies.services.convocation import assembly_web_path, recipients_of
from assemblies.services.minutes import minutes_generate
from core.errors import InvalidInput
from core.notifications import notify
from core.outbox import outbox_emit
from governance.models import Person
from governance.permissions import require_board


def _require_call_time(call: AssemblyCall, now: dt.datetime) -> None:
    if now < call.scheduled_at:
        raise AssemblyStateError(
            code="call_not_due",
            message=_("The call is convened for %(date)s; the meeting cannot start earlier.")
            % {
                "date": formats.date_format(
                    timezone.localtime(call.scheduled_at), "DATETIME_FORMAT"
                )
            },
            details={"scheduled_at": call.scheduled_at.isoformat()},
        )


def _snapshot(call: AssemblyCall, count: AttendanceCount, now: dt.datetime) -> None:
    call.quorum_checked_at = now
    call.quorum_mode = count.quorum_mode
    call.quorum_required = count.quorum_required  # type: ignore[assignment]
    call.quorum_ratio = count.quorum_ratio  # type: ignore[assignment]
    call.quorum_reached = count.quorum_reached
    call.attendance = count.as_dict()


@transaction.atomic
def assembly_open(
    *,
    actor: Person,
    assembly: Assembly,
    secretary: Person | None = None,
    scrutineers: Sequence[Person] = (),
    now: dt.datetime | None = None,
) -> Assembly:
    """Open the meeting on its current call when the quorum of that call is reached.

    The actor chairs; the bureau (the chair, the secretary and, when given, two distinct
    scrutineers) is recorded and later signs the minutes. Refuses before the convened time,
    and without quorum (with the figures, so the chair may wait for latecomers or record
    the failure). Proxies and
    postal votes are frozen from here. Locks the assembly row; the quorum is counted over
    the whole roll (call_attendance_checked, which also checks the kept counts); records
    the attendance and quorum on the call; audits; emits `assembly.opened`; pushes to the
    room.
    """
    assembly = lock_assembly(assembly.pk)
    require_board(actor, assembly.cooperative)
    now = current(now)
    require_status(assembly, AssemblyStatus.CONVENED)
    if scrutineers and (len(scrutineers) != 2 or scrutineers[0].pk == scrutineers[1].pk):
        raise InvalidInput(
            code="two_scrutineers",
            message=_("The bureau has two scrutineers: name two different people."),
        )
    call = current_call(assembly)
    _require_call_time(call, now)
    count = call_attendance_checked(assembly=assembly, call=call)
    if not count.quorum_reached:
        raise QuorumNotReached(
            _(
                "The quorum of call %(call)d is not reached: %(attending)d of %(eligible)d "
                "members take part."
            )
            % {
                "call": call.number,
                "attending": count.total("attending"),
                "eligible": count.total("eligible"),
            },
            details=count.as_dict(),
        )
    _snapshot(call, count, now)
    call.status = CallStatus.QUORUM_REACHED
    call.save()
    assembly.status = AssemblyStatus.IN_SESSION
    assembly.opened_at = now
    assembly.chair = actor
    assembly.secretary = secretary
    assembly.scrutineer_1 = scrutineers[0] if scrutineers else None
    assembly.scrutineer_2 = scrutineers[1] if scrutineers else None
    assembly.save(
        update_fields=["status", "opened_at", "chair", "secretary", "scrutineer_1", "scrutineer_2"]
    )
    audit(
        actor,
        "assembly.opened",
        assembly,
        call,
        call=call.number,
        attendance=call.attendance,
        secretary=getattr(secretary, "username", None),
        scrutineers=[p.username for p in scrutineers],
    )
    outbox_emit(
        cooperative_id=assembly.cooperative_id,
        type=events.ASSEMBLY_OPENED,
        data=events.opened_payload(assembly, call),
        payload_version=events.PAYLOAD_VERSION,
    )
    room_emit(
        assembly=assembly,
        type=events.ROOM_OPENED,
        data={
            "call": call.number,
            "attendance": call.attendance,
            "chair": {"id": actor.pk, "name": str(actor)},
        },
    )
    return assembly


@transaction.atomic
def assembly_record_no_quorum(
    *, actor: Person, assembly: Assembly, now: dt.datetime | None = None
) -> Assembly:
    """Record that the current call lacks its quorum, with the figures.

    After a first call the assembly is adjourned to the second call (convene it with
    assembly_convene_second_call); after a second call it closes without deciding, and
    its minutes say so. Refused while the quorum is reached, counted over the whole roll
    (call_attendance_checked). The board only; audited.
    """
    assembly = lock_assembly(assembly.pk)
    require_board(actor, assembly.cooperative)
    now = current(now)
    require_status(assembly, AssemblyStatus.CONVENED)
    call = current_call(assembly)
    _require_call_time(call, now)
    count = call_attendance_checked(assembly=assembly, call=call)
    if count.quorum_reached:
        raise QuorumReached(details=count.as_dict())
    _snapshot(call, count, now)
    call.status = CallStatus.QUORUM_NOT_REACHED
    call.save()
    audit(
        actor,
        "assembly.quorum_not_reached",
        assembly,
        call,
        call=call.number,
        attendance=call.attendance,
    )
    room_emit(
        assembly=assembly,
        type=events.ROOM_CALL_FAILED,
        data={"call": call.number, "attendance": call.attendance},
    )
    if call.number == 1:
        assembly.status = AssemblyStatus.ADJOURNED
        assembly.save(update_fields=["status"])
        return assembly
    return _close(actor, assembly, now)


@transaction.atomic
def assembly_close(
    *, actor: Person, assembly: Assembly, now: dt.datetime | None = None
) -> Assembly:
    """Close the meeting: points not taken are recorded so, the minutes are generated and
    their digests audited. Refused while a point is open. The board only; emits
    `assembly.closed` with the minutes' links; pushes to the room."""
    assembly = lock_assembly(assembly.pk)
    require_board(actor, assembly.cooperative)
    now = current(now)
    require_status(assembly, AssemblyStatus.IN_SESSION)
    if AgendaItem.objects.filter(assembly=assembly, status=ItemStatus.OPEN).exists():
        raise AnotherItemOpen(message=_("A point is still open: close it first."))
    return _close(actor, assembly, now)


def _close(actor: Person, assembly: Assembly, now: dt.datetime) -> Assembly:
    skipped = list(
        AgendaItem.objects.filter(assembly=assembly, status=ItemStatus.PENDING).values_list(
            "position", flat=True
        )
    )
    AgendaItem.objects.filter(assembly=assembly, status=ItemStatus.PENDING).update(
        status=ItemStatus.NOT_TAKEN
    )
    assembly.status = AssemblyStatus.CLOSED
    assembly.closed_at = now
    assembly.save(update_fields=["status", "closed_at"])
    audit(actor, "assembly.closed", assembly, assembly, not_taken=skipped)
    minutes = minutes_generate(actor=actor, assembly=assembly, now=now)
    outbox_emit(
        cooperative_id=assembly.cooperative_id,
        type=events.ASSEMBLY_CLOSED,
        data=events.closed_payload(assembly, minutes),
        payload_version=events.PAYLOAD_VERSION,
    )
    room_emit(
        assembly=assembly,
        type=events.ROOM_CLOSED,
        data={
            "closed_at": now,
            "minutes": events.minutes_links(assembly),
            "pdf_sha256": minutes.pdf_sha256,
        },
    )
    return assembly


@transaction.atomic
def assembly_cancel(
    *, actor: Person, assembly: Assembly, reason: str, now: dt.datetime | None = None
) -> Assembly:
    """Call off an assembly before it opens; convened members are told in-app. Audited."""
    assembly = lock_assembly(assembly.pk)
    require_board(actor, assembly.cooperative)
    now = current(now)
    require_status(assembly, AssemblyStatus.DRAFT, *BEFORE_MEETING_STATUSES)
    reason = " ".join((reason or "").split())[:300]
    if not reason:
        raise InvalidInput(code="reason_required", message=_("Say why the assembly is called off."))
    was_convened = assembly.status != AssemblyStatus.DRAFT
    assembly.status = AssemblyStatus.CANCELLED
    assembly.save(update_fields=["status"])
    assembly.calls.exclude(status__in=[CallStatus.QUORUM_NOT_REACHED]).update(
        status=CallStatus.CANCELLED
    )
    audit(actor, "assembly.cancelled", assembly, assembly, reason=reason, cancelled_at=now)
    if was_convened:
        people = {p.pk: p for _m, ps in recipients_of(assembly.cooperative) for p in ps}
        notify(
            people=list(people.values()),
            kind="assembly.cancelled",
            cooperative_id=assembly.cooperative_id,
            data={"assembly_id": assembly.pk, "title": assembly.title, "reason": reason},
            url=assembly_web_path(assembly),
        )
    return assembly
