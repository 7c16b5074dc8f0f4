"""Renewing a sitting board member's term in place: six years at most, audited."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import DomainError, Forbidden, InvalidInput
from core.models import AuditEntry
from governance import services
from governance.permissions import cooperative_role
from tests.governance.factories import PersonFactory, chair_of, make_cooperative

pytestmark = pytest.mark.django_db


def _director(coop):
    return services.board_role_grant(
        actor=chair_of(coop),
        cooperative=coop,
        person=PersonFactory(),
        role="director",
        started_on=dt.date(2026, 1, 1),
        term_ends_on=dt.date(2029, 1, 1),
    )


def test_a_renewed_term_starts_on_the_renewal_day_and_keeps_the_seat():
    coop = make_cooperative()
    role = _director(coop)
    renewed = services.board_role_renew(
        actor=chair_of(coop),
        board_role=role,
        term_ends_on=dt.date(2034, 6, 1),
        renewed_on=dt.date(2028, 6, 1),
    )
    role.refresh_from_db()
    assert renewed.pk == role.pk and role.revoked_at is None and role.role == "director"
    assert (role.started_on, role.term_ends_on) == (dt.date(2028, 6, 1), dt.date(2034, 6, 1))
    entry = AuditEntry.objects.get(verb="board_role.renewed")
    assert entry.data["previous"] == {"started_on": "2026-01-01", "term_ends_on": "2029-01-01"}
    assert entry.data["term_ends_on"] == "2034-06-01"


def test_the_chair_renews_their_own_term_and_stays_on_the_board():
    coop = make_cooperative()
    chair = chair_of(coop)
    seat = coop.board_roles.get(person=chair)
    services.board_role_renew(
        actor=chair, board_role=seat, term_ends_on=timezone.localdate() + dt.timedelta(days=2000)
    )
    seat.refresh_from_db()
    assert seat.started_on == timezone.localdate()
    assert cooperative_role(chair, coop).is_board


@pytest.mark.parametrize(
    ("renewed_on", "term_ends_on", "code"),
    [
        (dt.date(2028, 6, 1), dt.date(2034, 6, 2), "board_term_too_long"),
        (dt.date(2028, 6, 1), dt.date(2028, 6, 1), "board_term_too_long"),
        (dt.date(2025, 6, 1), dt.date(2027, 6, 1), "renewal_before_start"),
    ],
)
def test_terms_over_six_years_or_out_of_order_are_refused(renewed_on, term_ends_on, code):
    coop = make_cooperative()
    role = _director(coop)
    with pytest.raises(InvalidInput) as refused:
        services.board_role_renew(
            actor=chair_of(coop),
            board_role=role,
            term_ends_on=term_ends_on,
            renewed_on=renewed_on,
        )
    assert refused.value.code == code
    role.refresh_from_db()
    assert role.term_ends_on == dt.date(2029, 1, 1)
    assert not AuditEntry.objects.filter(verb="board_role.renewed").exists()


def test_only_the_board_renews_and_only_a_sitting_seat():
    coop = make_cooperative()
    role = _director(coop)
    with pytest.raises(Forbidden):
        services.board_role_renew(
            actor=PersonFactory(), board_role=role, term_ends_on=dt.date(2030, 1, 1)
        )
    services.board_role_revoke(actor=chair_of(coop), board_role=role)
    with pytest.raises(DomainError) as refused:
        services.board_role_renew(
            actor=chair_of(coop), board_role=role, term_ends_on=dt.date(2030, 1, 1)
        )
    assert refused.value.code == "already_revoked"
