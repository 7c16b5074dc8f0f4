"""Guardian grants derived from the domain state, and the observers who read."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from core.events import person_group, publish
from governance.acting import acting_members_filter
from governance.errors import AlreadyObserver, AlreadyRevoked
from governance.models import BoardRole, Cooperative, Membership, MembershipStatus, Observer, Person
from governance.permissions import PERM_MANAGE, PERM_OBSERVE, PERM_PARTICIPATE, require_board
from governance.services._common import _audit

# Access: guardian grants are derived from the domain state, never set by hand.


def person_access_sync(*, cooperative: Cooperative, person: Person) -> None:
    """Recompute one person's guardian grants on a cooperative from the domain state.

    Called by every service that changes a board role, a membership, a representative
    or an observer, so the grants can never drift from the records.
    """
    is_board = BoardRole.objects.sitting().filter(cooperative=cooperative, person=person).exists()
    # A member is whoever acts for a member with an active membership (governance.acting).
    is_member = Membership.objects.filter(
        acting_members_filter(cooperative.pk, person),
        cooperative=cooperative,
        status=MembershipStatus.ACTIVE,
    ).exists()
    is_observer = Observer.objects.filter(
        cooperative=cooperative, person=person, revoked_at__isnull=True
    ).exists()
    for perm, wanted in (
        (PERM_MANAGE, is_board),
        (PERM_PARTICIPATE, is_member),
        (PERM_OBSERVE, is_observer),
    ):
        if wanted:
            assign_perm(perm, person, cooperative)
        else:
            remove_perm(perm, person, cooperative)
    # Live connections re-check access at once when grants change.
    publish(
        {"type": "access.changed", "cooperative_id": cooperative.pk},
        groups=[person_group(person.pk)],
    )


@transaction.atomic
def observer_invite(
    *, actor: Person, cooperative: Cooperative, person: Person, organisation: str = ""
) -> Observer:
    require_board(actor, cooperative)
    if Observer.objects.filter(
        cooperative=cooperative, person=person, revoked_at__isnull=True
    ).exists():
        raise AlreadyObserver(
            _("%(p)s already observes this cooperative.") % {"p": person},
        )
    observer = Observer.objects.create(
        cooperative=cooperative, person=person, organisation=organisation, invited_at=timezone.now()
    )
    person_access_sync(cooperative=cooperative, person=person)
    _audit(
        actor,
        "observer.invited",
        cooperative,
        observer,
        person=person.username,
        organisation=organisation,
    )
    return observer


@transaction.atomic
def observer_revoke(*, actor: Person, observer: Observer) -> Observer:
    require_board(actor, observer.cooperative)
    if observer.revoked_at is not None:
        raise AlreadyRevoked(_("This observer was already removed."))
    observer.revoked_at = timezone.now()
    observer.save(update_fields=["revoked_at"])
    person_access_sync(cooperative=observer.cooperative, person=observer.person)
    _audit(
        actor, "observer.revoked", observer.cooperative, observer, person=observer.person.username
    )
    return observer
