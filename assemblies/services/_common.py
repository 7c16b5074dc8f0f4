"""Locks, board checks, time and audit helpers shared by the assembly services."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from assemblies.errors import AssemblyStateError
from assemblies.models import Assembly
from core.audit import audit_append
from core.errors import InvalidInput, NotFound
from core.models import AuditEntry
from governance.models import Person
from governance.permissions import can_manage_cooperative


def lock_assembly(assembly_id: int) -> Assembly:
    """Lock the assembly row: every change of its state, attendance and proxies takes turns,
    so a quorum is never counted while a check-in or a proxy is half-written."""
    assembly = (
        Assembly.objects.select_for_update(of=("self",))
        .select_related("cooperative", "rules_version")
        .filter(pk=assembly_id)
        .first()
    )
    if assembly is None:
        raise NotFound()
    return assembly


def is_board(actor: Person, assembly: Assembly) -> bool:
    return can_manage_cooperative(actor, assembly.cooperative)


def require_status(assembly: Assembly, *allowed: str, message: str | None = None) -> None:
    if assembly.status not in allowed:
        raise AssemblyStateError(
            message
            or _("The assembly is %(status)s: this is not possible now.")
            % {"status": assembly.get_status_display()},
            details={"status": assembly.status, "allowed": list(allowed)},
        )


def clock() -> dt.datetime:
    """The current time. Services take an explicit `now`; without one they read this, which
    a test may replace to run an HTTP request at a chosen moment."""
    return timezone.now()


def current(now: dt.datetime | None) -> dt.datetime:
    """`now` when given (it must carry its time zone), else the clock."""
    return aware(now, field="now") if now is not None else clock()


def aware(value: dt.datetime, *, field: str) -> dt.datetime:
    if timezone.is_naive(value):
        raise InvalidInput(
            code="naive_datetime",
            message=_("Give a date with its time zone."),
            details={field: [_("Give a date with its time zone.")]},
        )
    return value


def audit(
    actor: Person | None, verb: str, assembly: Assembly, target: Any, **data: Any
) -> AuditEntry:
    return audit_append(
        actor=actor,
        verb=verb,
        target=target,
        cooperative_id=assembly.cooperative_id,
        data={"assembly_id": assembly.pk, **data},
    )


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
