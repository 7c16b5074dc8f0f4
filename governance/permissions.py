"""Who may do what in a cooperative: predicates and loaders, in one place."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone
from guardian.core import ObjectPermissionChecker

from core.actors import SystemActor
from core.errors import Forbidden, NotFound
from core.request_memo import request_memo
from governance.errors import BoardOnly
from governance.models import Cooperative, Membership, Person

# Whoever makes a request: a person signed in, or nobody (Django's AnonymousUser).
type Viewer = Person | AnonymousUser
# Whoever acts in a service: a person, or the system (the scheduler).
type Actor = Person | SystemActor

PERM_MANAGE = "manage_cooperative"
PERM_PARTICIPATE = "participate_in_cooperative"
PERM_OBSERVE = "observe_cooperative"


@dataclass(frozen=True)
class CooperativeRole:
    """What one person is in one cooperative. Derived from guardian grants given by services."""

    is_board: bool = False
    is_member: bool = False
    is_observer: bool = False
    # Holds a board seat but may not act as board until two-factor authentication is
    # set up (the cooperative requires it: `board_mfa_missing`).
    board_needs_mfa: bool = False

    @property
    def can_read(self) -> bool:
        return self.is_board or self.board_needs_mfa or self.is_member or self.is_observer


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


def grants_params(person: Viewer, day: dt.date | None = None) -> list[Any]:
    return [person.pk, day or timezone.localdate(), person.pk]


# Each grant a role is derived from, as a bit: the role travels as one integer in SQL.
_ROLE_BITS = {PERM_MANAGE: 1, PERM_PARTICIPATE: 2, PERM_OBSERVE: 4}


def _role_mask_sql() -> str:
    """The SQL aggregate of the grants rows `g` into a role mask (see role_of_mask)."""
    cases = " ".join(f"WHEN '{codename}' THEN {bit}" for codename, bit in _ROLE_BITS.items())
    return f"COALESCE(SUM(CASE g.codename {cases} ELSE 0 END), 0)"


def reads_role_from_grants(person: Viewer) -> bool:
    """Whether a person's role is read from their grants: an active signed-in person who is
    not a superuser (guardian derives a superuser's differently; nobody else has one)."""
    return bool(
        getattr(person, "is_authenticated", False) and person.is_active and not person.is_superuser
    )


def role_sql(person: Viewer, cooperative_column: str) -> tuple[str, list[Any]]:
    """A scalar SQL expression for the person's role in the cooperative whose id is in
    `cooperative_column`, as a mask read back with `role_of_mask`, and its parameters: the
    one statement `cooperative_role` runs, for hand-written statements to embed (the
    casting path reads its vote and the voter's role in one). Only for a person whose role
    is read from grants (`reads_role_from_grants`)."""
    return _role_sql_text(cooperative_column), grants_params(person)


@lru_cache(maxsize=8)
def _role_sql_text(cooperative_column: str) -> str:
    return (
        f"(SELECT {_role_mask_sql()} FROM ({grants_sql()}) g"
        f" WHERE g.cooperative_id = {cooperative_column})"
    )


def _role_of(codenames: set[str]) -> CooperativeRole:
    return CooperativeRole(
        is_board=PERM_MANAGE in codenames,
        is_member=PERM_PARTICIPATE in codenames,
        is_observer=PERM_OBSERVE in codenames,
    )


def board_mfa_missing(person: Viewer, cooperative: Cooperative) -> bool:
    """Whether the cooperative requires two-factor authentication of its board and the
    person has not set it up (allauth.mfa: a TOTP authenticator)."""
    if not cooperative.board_requires_mfa:
        return False
    from allauth.mfa.utils import is_mfa_enabled

    return not is_mfa_enabled(person)


def _with_mfa_rule(
    role: CooperativeRole, person: Viewer, cooperative: Cooperative
) -> CooperativeRole:
    """A board member without the two-factor authentication the cooperative requires keeps
    the other roles but not the board's rights, until it is set up."""
    if role.is_board and board_mfa_missing(person, cooperative):
        return replace(role, is_board=False, board_needs_mfa=True)
    return role


def role_of_mask(mask: int | None) -> CooperativeRole:
    return _role_of({codename for codename, bit in _ROLE_BITS.items() if (mask or 0) & bit})


def cooperative_role(person: Viewer, cooperative: Cooperative) -> CooperativeRole:
    """What the person is in the cooperative today, from their grants and, for the board,
    the term of their seat and the two-factor rule. Superusers are board everywhere, as
    guardian has it."""
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
                memo[key] = _with_mfa_rule(
                    everywhere.get(cooperative.pk, CooperativeRole()), person, cooperative
                )
            else:
                memo[key] = _role_read(person, cooperative)
        role: CooperativeRole = memo[key]
        return role
    return _role_read(person, cooperative)


def _role_read(person: Person, cooperative: Cooperative) -> CooperativeRole:
    if person.is_superuser:
        role = _role_of(set(ObjectPermissionChecker(person).get_perms(cooperative)))
        return _with_mfa_rule(role, person, cooperative)
    sql, params = role_sql(person, "%s")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql}", [*params, cooperative.pk])
        row = cursor.fetchone()
    return role_from_mask(person, cooperative, row[0] if row else 0)


def role_from_mask(person: Viewer, cooperative: Cooperative, mask: int | None) -> CooperativeRole:
    """The person's role in the cooperative from the mask a statement embedding `role_sql`
    read, with the board's two-factor rule: the one reader of that mask, for
    `cooperative_role` and the hand-written statements (the casting path, the proposal
    room) alike. For a person whose role is not read from grants, `cooperative_role`
    answers (the mask is then ignored)."""
    if not reads_role_from_grants(person):
        return cooperative_role(person, cooperative)
    role = _with_mfa_rule(role_of_mask(mask), person, cooperative)
    # Within a request, later checks of the same role reuse it, as they reuse what
    # `cooperative_role` reads.
    memo = request_memo()
    if memo is not None:
        memo.setdefault(("cooperative_role", person.pk, cooperative.pk), role)
    return role


def cooperative_roles(person: Viewer) -> dict[int, CooperativeRole]:
    """Cooperative id -> role, for every cooperative the person holds a grant on (one
    query). Superusers get the roles of their own grants here, as in the listings."""
    if not getattr(person, "is_authenticated", False) or not person.is_active:
        return {}
    memo = request_memo()
    key = ("cooperative_roles", person.pk)
    if memo is not None and key in memo:
        return dict(memo[key])
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT g.cooperative_id, {_role_mask_sql()} FROM ({grants_sql()}) g"
            " GROUP BY g.cooperative_id",
            grants_params(person),
        )
        rows = cursor.fetchall()
    roles = {int(pk): role_of_mask(mask) for pk, mask in rows}
    if memo is not None:
        memo[key] = roles
    return dict(roles)


def can_manage_cooperative(person: Viewer, cooperative: Cooperative) -> bool:
    return cooperative_role(person, cooperative).is_board


def cooperatives_readable_by(person: Viewer) -> QuerySet[Cooperative]:
    if not getattr(person, "is_authenticated", False) or not person.is_active:
        return Cooperative.objects.none()
    readable = RawSQL(
        f"SELECT g.cooperative_id FROM ({grants_sql()}) g WHERE g.codename IN (%s, %s, %s)",
        [*grants_params(person), PERM_MANAGE, PERM_PARTICIPATE, PERM_OBSERVE],
    )
    return Cooperative.objects.filter(pk__in=readable)


def access_cooperative(
    person: Viewer, slug: str, *, manage: bool = False, lock: bool = False
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
    if manage and role.board_needs_mfa:
        raise Forbidden(code="mfa_required", message=_mfa_required())
    if manage and not role.is_board:
        raise BoardOnly()
    return cooperative, role


def _mfa_required() -> str:
    from django.utils.translation import gettext as _

    return _(
        "This cooperative requires two-factor authentication of its board: set it up in "
        "your account before acting as board."
    )


def require_board(
    actor: Actor | Viewer,
    cooperative: Cooperative,
    *,
    role: CooperativeRole | None = None,
    message: Any = None,
) -> None:
    """Board only: the one check, and the one refusal (`board_only`), of an act reserved
    to the board of the cooperative, in every app. `role` is the actor's role when the
    caller already has it (no second query); `message` says what was refused where a more
    precise sentence than the default helps.

    The system actor (the scheduler) passes: it only carries out what the board decided,
    such as the times a vote opens and closes, and no request can act as it."""
    if isinstance(actor, SystemActor):
        return
    role = role if role is not None else cooperative_role(actor, cooperative)
    if role.board_needs_mfa:
        raise Forbidden(code="mfa_required", message=_mfa_required())
    if not role.is_board:
        raise BoardOnly(message)


def membership_statuses_visible(role: CooperativeRole, wanted: str | None) -> str | None:
    """The membership status a list shows: the board sees every status (or the one it asks
    for); anyone else sees the active memberships only."""
    from governance.models import MembershipStatus

    return wanted if role.is_board else MembershipStatus.ACTIVE


def can_view_membership(person: Viewer, membership: Membership, role: CooperativeRole) -> bool:
    """The board sees every membership; others the active ones and their own."""
    from governance.models import MembershipStatus

    return (
        role.is_board
        or membership.status == MembershipStatus.ACTIVE
        or membership.member.person_id == person.pk
    )


def access_membership(person: Viewer, slug: str, pk: int) -> Membership:
    """Load a membership the person may see, with the same 404 for missing and hidden."""
    from governance.selectors import membership_list

    cooperative, role = access_cooperative(person, slug)
    membership = membership_list(cooperative).filter(pk=pk).first()
    if membership is None or not can_view_membership(person, membership, role):
        raise NotFound()
    return membership
