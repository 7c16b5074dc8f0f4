"""Who may do what in a cooperative: predicates and loaders, in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from core.errors import Forbidden, NotFound
from governance.models import Cooperative

PERM_MANAGE = "manage_cooperative"
PERM_PARTICIPATE = "participate_in_cooperative"
PERM_OBSERVE = "observe_cooperative"
READ_PERMS = [
    f"governance.{PERM_MANAGE}",
    f"governance.{PERM_PARTICIPATE}",
    f"governance.{PERM_OBSERVE}",
]


@dataclass(frozen=True)
class CooperativeRole:
    """What one person is in one cooperative. Derived from guardian grants given by services."""

    is_board: bool = False
    is_member: bool = False
    is_observer: bool = False

    @property
    def can_read(self) -> bool:
        return self.is_board or self.is_member or self.is_observer


def cooperative_role(person: Any, cooperative: Cooperative) -> CooperativeRole:
    if not getattr(person, "is_authenticated", False) or not person.is_active:
        return CooperativeRole()
    checker = ObjectPermissionChecker(person)
    perms = set(checker.get_perms(cooperative))
    return CooperativeRole(
        is_board=PERM_MANAGE in perms,
        is_member=PERM_PARTICIPATE in perms,
        is_observer=PERM_OBSERVE in perms,
    )


def can_manage_cooperative(person: Any, cooperative: Cooperative) -> bool:
    return cooperative_role(person, cooperative).is_board


def cooperatives_readable_by(person: Any) -> QuerySet[Cooperative]:
    if not getattr(person, "is_authenticated", False):
        return Cooperative.objects.none()
    return get_objects_for_user(
        person,
        READ_PERMS,
        klass=Cooperative,
        any_perm=True,
        with_superuser=False,
        accept_global_perms=False,
    )


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
