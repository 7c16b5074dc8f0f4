"""What the governance services share: the board check, the audit call, dates."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils.translation import gettext as _

from core.audit import audit_append
from core.errors import DomainError, Forbidden
from governance.models import Cooperative
from governance.permissions import can_manage_cooperative

BOARD_TERM_MAX_YEARS = 6


class MembershipStateError(DomainError):
    code = "membership_state"


def _require_board(actor: Any, cooperative: Cooperative) -> None:
    if not can_manage_cooperative(actor, cooperative):
        raise Forbidden(
            code="board_only", message=_("Only the board of this cooperative may do this.")
        )


def _audit(actor: Any, verb: str, cooperative: Cooperative, target: Any, **data: Any) -> None:
    audit_append(actor=actor, verb=verb, target=target, cooperative_id=cooperative.pk, data=data)


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)
