"""Board seats: grants, renewals, revocations and terms that end."""

from __future__ import annotations

import datetime as dt

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import SCHEDULER
from governance.errors import (
    AlreadyOnBoard,
    AlreadyRevoked,
    BoardTermTooLong,
    LastBoardMember,
    RenewalBeforeStart,
)
from governance.models import BoardRole, Cooperative, CooperativeUserPermission, Person
from governance.permissions import PERM_MANAGE, require_board
from governance.services._common import BOARD_TERM_MAX_YEARS, _add_years, _audit
from governance.services.access import person_access_sync


def _check_board_term(start: dt.date, end: dt.date) -> None:
    """A board term ends after it starts and lasts at most six years (C. com. L225-18)."""
    if end > _add_years(start, BOARD_TERM_MAX_YEARS) or end <= start:
        raise BoardTermTooLong(
            _("A board term lasts at most %(n)d years.") % {"n": BOARD_TERM_MAX_YEARS},
        )


@transaction.atomic
def board_role_grant(
    *,
    actor: Person,
    cooperative: Cooperative,
    person: Person,
    role: str,
    started_on: dt.date | None = None,
    term_ends_on: dt.date | None = None,
) -> BoardRole:
    """Give a board seat. Terms last at most six years (C. com. L225-18)."""
    require_board(actor, cooperative)
    start = started_on or timezone.localdate()
    end = term_ends_on or _add_years(start, BOARD_TERM_MAX_YEARS)
    _check_board_term(start, end)
    if BoardRole.objects.sitting().filter(cooperative=cooperative, person=person).exists():
        raise AlreadyOnBoard(_("%(p)s already sits on the board.") % {"p": person})
    # A seat whose term is over gives no rights; it is closed before the new one opens.
    BoardRole.objects.expired().filter(cooperative=cooperative, person=person).update(
        revoked_at=timezone.now()
    )
    board_role = BoardRole.objects.create(
        cooperative=cooperative, person=person, role=role, started_on=start, term_ends_on=end
    )
    person_access_sync(cooperative=cooperative, person=person)
    _audit(
        actor,
        "board_role.granted",
        cooperative,
        board_role,
        person=person.username,
        role=role,
        term_ends_on=end,
    )
    return board_role


@transaction.atomic
def board_role_revoke(*, actor: Person, board_role: BoardRole) -> BoardRole:
    cooperative = board_role.cooperative
    require_board(actor, cooperative)
    if board_role.revoked_at is not None:
        raise AlreadyRevoked(_("This board role already ended."))
    remaining = (
        BoardRole.objects.sitting().filter(cooperative=cooperative).exclude(pk=board_role.pk)
    )
    if not remaining.exists():
        raise LastBoardMember()
    board_role.revoked_at = timezone.now()
    board_role.save(update_fields=["revoked_at"])
    person_access_sync(cooperative=cooperative, person=board_role.person)
    _audit(
        actor,
        "board_role.revoked",
        cooperative,
        board_role,
        person=board_role.person.username,
        role=board_role.role,
    )
    return board_role


@transaction.atomic
def board_role_renew(
    *,
    actor: Person,
    board_role: BoardRole,
    term_ends_on: dt.date,
    renewed_on: dt.date | None = None,
) -> BoardRole:
    """Renew a sitting board member's seat in place for a new term starting on the renewal
    day (today by default), with the same six-year limit as a grant.

    Renewing in place, rather than revoking and granting, keeps the seat (and so the right
    to act) of a chair who renews their own term. Refused for an ended role, a term that
    would end before the current one starts, or one longer than six years. Locks the role
    row; audits the previous term beside the new one.
    """
    cooperative = board_role.cooperative
    require_board(actor, cooperative)
    locked = BoardRole.objects.select_for_update().filter(pk=board_role.pk).first()
    if locked is None or locked.revoked_at is not None:
        raise AlreadyRevoked(_("This board role already ended."))
    board_role = locked
    start = renewed_on or timezone.localdate()
    if start < board_role.started_on:
        raise RenewalBeforeStart()
    _check_board_term(start, term_ends_on)
    previous = {"started_on": board_role.started_on, "term_ends_on": board_role.term_ends_on}
    board_role.started_on = start
    board_role.term_ends_on = term_ends_on
    board_role.save(update_fields=["started_on", "term_ends_on"])
    # A seat whose term had ended (and whose grant the scheduler took) gets it back.
    person_access_sync(cooperative=cooperative, person=board_role.person)
    _audit(
        actor,
        "board_role.renewed",
        cooperative,
        board_role,
        person=board_role.person.username,
        role=board_role.role,
        started_on=start,
        term_ends_on=term_ends_on,
        previous=previous,
    )
    return board_role


def board_terms_expire(*, today: dt.date | None = None) -> list[BoardRole]:
    """Take the board grants away from the seats whose term ended before `today`, and
    ask those people's live connections to check their access again. Run by the
    scheduler; each seat in its own transaction. The role check already reads the date
    (`BoardRole.objects.sitting`), so this only makes the grants and the open sockets
    follow it. The seat itself stays as it was, so the board can still renew it."""
    day = today or timezone.localdate()
    still_granted = CooperativeUserPermission.objects.filter(
        permission__codename=PERM_MANAGE,
        content_object_id=models.OuterRef("cooperative_id"),
        user_id=models.OuterRef("person_id"),
    )
    due = list(
        BoardRole.objects.expired(on=day)
        .filter(models.Exists(still_granted))
        .select_related("cooperative", "person")
        .order_by("term_ends_on", "id")
    )
    for seat in due:
        with transaction.atomic():
            person_access_sync(cooperative=seat.cooperative, person=seat.person)
            _audit(
                SCHEDULER,
                "board_role.term_ended",
                seat.cooperative,
                seat,
                person=seat.person.username,
                role=seat.role,
                term_ends_on=seat.term_ends_on,
            )
    return due
