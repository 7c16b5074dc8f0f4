"""Who may do what in a cooperative: predicates and loaders, in one place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from guardian.core import ObjectPermissionChecker

from core.errors import Forbidden, NotFound
from core.request_memo import request_memo
from governance.models import Cooperative

PERM_MANAGE = "manage_cooperative"
PERM_PARTICIPATE = "participate_in_cooperative"
PERM_OBSERVE = "observe_cooperative"


@dataclass(frozen=True)
class CooperativeRole:
    """What one person is in one cooperative. Derived from guardian grants given by services."""

    is_board: bool = False
    is_member: bool = False
    is_observer: bool = False

    @property
    def can_read(self) -> bool:
        return self.is_board or self.is_member or self.is_observer


def grants_sql() -> str:
    """A person's grants on cooperatives, as rows (cooperative_id, codename): their own,
    then their groups'. Parameters: the person's id, the day (for the board's terms), the
    person's id again.

    The board grant counts only while the person holds a seat whose term is not over
    (`BoardRole.objects.sitting`): the date is read here, so board rights end the day
    after `term_ends_on` even before the scheduler takes the grant away. Every check of
    "is board" reads its grants through this statement: `cooperative_role`, the listings
    below and the casting path in voting.permissions. Both grant tables point at the
    cooperative by foreign key, so the content type is implied by the table."""
    from django.contrib.auth.models import Permission

    from governance.models import (
        BoardRole,
        CooperativeGroupPermission,
        CooperativeUserPermission,
        Person,
    )

    user_grants = CooperativeUserPermission._meta.db_table
    group_grants = CooperativeGroupPermission._meta.db_table
    memberships = Person.groups.through._meta.db_table
    permissions = Permission._meta.db_table
    seats = BoardRole._meta.db_table
    return (
        f"SELECT ug.content_object_id AS cooperative_id, up.codename FROM {user_grants} ug"
        f" JOIN {permissions} up ON up.id = ug.permission_id WHERE ug.user_id = %s"
        f" AND (up.codename <> '{PERM_MANAGE}' OR EXISTS (SELECT 1 FROM {seats} s"
        f" WHERE s.cooperative_id = ug.content_object_id AND s.person_id = ug.user_id"
        f" AND s.revoked_at IS NULL AND s.term_ends_on >= %s))"
        f" UNION SELECT gg.content_object_id, gp.codename FROM {group_grants} gg"
        f" JOIN {permissions} gp ON gp.id = gg.permission_id"
        f" JOIN {memberships} gm ON gm.group_id = gg.group_id WHERE gm.person_id = %s"
    )


def grants_params(person: Any, day: dt.date | None = None) -> list[Any]:
    return [person.pk, day or timezone.localdate(), person.pk]


def _grants_of(person: Any, cooperative_id: int | None = None) -> list[tuple[int, str]]:
    sql = f"SELECT cooperative_id, codename FROM ({grants_sql()}) g"
    params = grants_params(person)
    if cooperative_id is not None:
        sql += " WHERE g.cooperative_id = %s"
        params.append(cooperative_id)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(int(row[0]), str(row[1])) for row in cursor.fetchall()]


def _role_of(codenames: set[str]) -> CooperativeRole:
    return CooperativeRole(
        is_board=PERM_MANAGE in codenames,
        is_member=PERM_PARTICIPATE in codenames,
        is_observer=PERM_OBSERVE in codenames,
    )


def cooperative_role(person: Any, cooperative: Cooperative) -> CooperativeRole:
    """What the person is in the cooperative today, from their grants and, for the board,
    the term of their seat. Superusers are board everywhere, as guardian has it."""
    if not getattr(person, "is_authenticated", False) or not person.is_active:
        return CooperativeRole()
    memo = request_memo()
    if memo is not None:
        # Within one request the role is read once: every later check (the page, the
        # service, the template's links) reuses it. Grants changed by a service clear it.
        key = ("cooperative_role", person.pk, cooperative.pk)
        if key not in memo:
            everywhere = memo.get(("cooperative_roles", person.pk))
            if everywhere is not None and not person.is_superuser:
                memo[key] = everywhere.get(cooperative.pk, CooperativeRole())
            else:
                memo[key] = _role_read(person, cooperative)
        role: CooperativeRole = memo[key]
        return role
    return _role_read(person, cooperative)


def _role_read(person: Any, cooperative: Cooperative) -> CooperativeRole:
    if person.is_superuser:
        return _role_of(set(ObjectPermissionChecker(person).get_perms(cooperative)))
    return _role_of({codename for _id, codename in _grants_of(person, cooperative.pk)})


def cooperative_roles(person: Any) -> dict[int, CooperativeRole]:
    """Cooperative id -> role, for every cooperative the person holds a grant on (one
    query). Superusers get the roles of their own grants here, as in the listings."""
    if not getattr(person, "is_authenticated", False) or not person.is_active:
        return {}
    memo = request_memo()
    key = ("cooperative_roles", person.pk)
    if memo is not None and key in memo:
        return dict(memo[key])
    found: dict[int, set[str]] = {}
    for cooperative_id, codename in _grants_of(person):
        found.setdefault(cooperative_id, set()).add(codename)
    roles = {pk: _role_of(codenames) for pk, codenames in found.items()}
    if memo is not None:
        memo[key] = roles
    return dict(roles)


def can_manage_cooperative(person: Any, cooperative: Cooperative) -> bool:
    return cooperative_role(person, cooperative).is_board


def cooperatives_readable_by(person: Any) -> QuerySet[Cooperative]:
    if not getattr(person, "is_authenticated", False) or not person.is_active:
        return Cooperative.objects.none()
    readable = RawSQL(
        f"SELECT g.cooperative_id FROM ({grants_sql()}) g WHERE g.codename IN (%s, %s, %s)",
        [*grants_params(person), PERM_MANAGE, PERM_PARTICIPATE, PERM_OBSERVE],
    )
    return Cooperative.objects.filter(pk__in=readable)


def access_cooperative(
    person: Any, slug: str, *, manage: bool = False, lock: bool = False
) -> tuple[Cooperative, CooperativeRole]:
    """Load a cooperative the person may read (404 otherwise, missing or not); with
    `manage`, also require the board (403, since the person already knows it exists)."""
    queryset = Cooperative.objects.all()
    if lock:
        queryset = queryset.select_for_update()
    cooperative = queryset.filter(slug=slug).first()
    if cooperative is None:
        raise NotFound()
    role = cooperative_role(person, cooperative)
    if not role.can_read:
        raise NotFound()
    if manage and not role.is_board:
        raise Forbidden(code="board_only", message=_board_only())
    return cooperative, role


def _board_only() -> str:
    from django.utils.translation import gettext as _

    return _("Only the board of this cooperative may do this.")
