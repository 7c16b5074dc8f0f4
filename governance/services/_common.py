"""What the governance services share: the audit call and the dates of terms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Model

from core.actors import SystemActor
from core.audit import audit_append
from governance.models import Cooperative, Person

BOARD_TERM_MAX_YEARS = 6


def _audit(
    actor: Person | SystemActor, verb: str, cooperative: Cooperative, target: Model, **data: Any
) -> None:
    audit_append(actor=actor, verb=verb, target=target, cooperative_id=cooperative.pk, data=data)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
