"""What the governance services share: the audit call and the dates of terms."""

from __future__ import annotations

import datetime as dt
from typing import Any

from core.audit import audit_append
from governance.models import Cooperative

BOARD_TERM_MAX_YEARS = 6


def _audit(actor: Any, verb: str, cooperative: Cooperative, target: Any, **data: Any) -> None:
    audit_append(actor=actor, verb=verb, target=target, cooperative_id=cooperative.pk, data=data)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
