"""Members saying, before the meeting, how they will take part (it helps the desk)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from assemblies.errors import AssemblyStateError
from assemblies.models import BEFORE_MEETING_STATUSES, Assembly, AttendanceIntent, IntentMode
from assemblies.services._common import audit, current, lock_assembly
from assemblies.services.participation import acting_member_for
from core.errors import InvalidInput
from governance.models import Person


@transaction.atomic
def attendance_intent_declare(
    *,
    actor: Person,
    assembly: Assembly,
    mode: str,
    member_id: int | None = None,
    now: dt.datetime | None = None,
) -> AttendanceIntent:
    """Record that a member will attend in the room, remotely, or not at all; a later answer
    replaces the earlier one. Taken from the convocation until the meeting opens. It never
    counts for the quorum: members are counted when they sign in. A member answers for
    themself (or a legal person they represent). Locks the assembly row; audited.
    """
    assembly = lock_assembly(assembly.pk)
    now = current(now)
    if assembly.status not in BEFORE_MEETING_STATUSES:
        raise AssemblyStateError(
            message=_("Say how you will attend between the convocation and the meeting.")
        )
    if mode not in IntentMode.values:
        raise InvalidInput(code="unknown_mode", message=_("Attend in the room or remotely."))
    if mode == IntentMode.REMOTE and not assembly.remote_allowed:
        raise InvalidInput(
            code="remote_not_allowed", message=_("Remote attendance is not open for this assembly.")
        )
    member, _on_paper = acting_member_for(actor, assembly, member_id, board_may=False)
    intent, _created = AttendanceIntent.objects.update_or_create(
        assembly=assembly,
        member=member,
        defaults={"mode": mode, "declared_by": actor, "declared_at": now},
    )
    audit(actor, "assembly.attendance_intent", assembly, member, member_id=member.pk, mode=mode)
    return intent
