"""Members, memberships and the representatives of legal persons."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.notifications import notify
from core.outbox import outbox_emit
from governance import events
from governance.errors import (
    AlreadyMember,
    AlreadyRepresentative,
    AlreadyRevoked,
    BoardOnly,
    CollegeInactive,
    CollegeRequired,
    MembershipStateError,
    NotLegalPerson,
    OrganisationTypeRequired,
    ReasonRequired,
    WrongCollege,
    WrongCooperative,
)
from governance.models import (
    OPEN_STATUSES,
    Category,
    College,
    Cooperative,
    Member,
    MemberKind,
    Membership,
    MembershipStatus,
    OrganisationType,
    Person,
    Representative,
)
from governance.permissions import can_manage_cooperative, require_board
from governance.services._common import _audit
from governance.services.access import person_access_sync
from governance.signals import membership_change
from governance.validation import check_local_authority_capital


def _people_of(member: Member) -> list[Person]:
    if member.person_id:
        return [member.person]  # type: ignore[list-item]
    return [
        r.person
        for r in member.representatives.filter(revoked_at__isnull=True).select_related("person")
    ]


@transaction.atomic
def membership_apply(
    *,
    actor: Person,
    cooperative: Cooperative,
    category: Category,
    college: College | None,
    person: Person | None = None,
    organisation_name: str = "",
    organisation_type: str = "",
    shares: int = 0,
) -> Membership:
    """Record an application. A natural person applies for themself (or the board for
    them); a legal person's application is filed by the board or by the person who will
    represent it, who is then designated its first representative."""
    if category.cooperative_id != cooperative.pk or (
        college is not None and college.cooperative_id != cooperative.pk
    ):
        raise WrongCooperative()
    if college is not None and not college.is_active:
        raise CollegeInactive()
    if college is None and College.objects.filter(cooperative=cooperative, is_active=True).exists():
        raise CollegeRequired()
    is_board = can_manage_cooperative(actor, cooperative)
    if organisation_name:
        if organisation_type not in OrganisationType.values:
            raise OrganisationTypeRequired()
        member = Member.objects.create(
            cooperative=cooperative,
            kind=MemberKind.LEGAL,
            name=organisation_name,
            organisation_type=organisation_type,
        )
        if not is_board:
            Representative.objects.create(member=member, person=actor, designated_at=timezone.now())
    else:
        applicant = person or actor
        if applicant.pk != actor.pk and not is_board:
            raise BoardOnly(_("Only the board may apply on behalf of someone else."))
        member, _created = Member.objects.get_or_create(
            cooperative=cooperative,
            person=applicant,
            defaults={"kind": MemberKind.NATURAL, "name": str(applicant)},
        )
        if Membership.objects.filter(member=member, status__in=OPEN_STATUSES).exists():
            raise AlreadyMember(
                _("%(name)s already has an open membership.") % {"name": member.name},
            )
    membership = Membership.objects.create(
        member=member,
        cooperative=cooperative,
        category=category,
        college=college,
        status=MembershipStatus.APPLICANT,
        applied_at=timezone.now(),
        shares=shares,
    )
    _audit(
        actor,
        "membership.applied",
        cooperative,
        membership,
        member=member.name,
        category=category.name,
        college=college.name if college else None,
    )
    return membership


def _vote_change(membership: Membership) -> AbstractContextManager[None]:
    """Around the write of a membership's state or college: the apps that count who has
    a vote follow it (governance.signals.membership_changing)."""
    return membership_change(
        cooperative_id=membership.cooperative_id, member_ids=[membership.member_id]
    )


def _lock_membership(membership: Membership) -> Membership:
    # Lock only the membership row: PostgreSQL refuses FOR UPDATE across nullable joins.
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("member", "member__person", "cooperative", "college", "category")
        .get(pk=membership.pk)
    )


@transaction.atomic
def membership_admit(
    *, actor: Person, membership: Membership, started_on: dt.date | None = None
) -> Membership:
    """Board approval of an application. Refuses a subscription that would give local
    authorities more than half of the capital. Locks the membership row; tells the apps
    counting who has a vote (governance.signals.membership_changing)."""
    membership = _lock_membership(membership)
    cooperative = membership.cooperative
    require_board(actor, cooperative)
    if membership.status != MembershipStatus.APPLICANT:
        raise MembershipStateError(
            message=_("Only an application can be admitted; this membership is %(status)s.")
            % {"status": membership.get_status_display()}
        )
    problem = check_local_authority_capital(
        cooperative, membership=membership, shares=membership.shares
    )
    if problem:
        raise DomainError(
            code=problem.code, message=problem.message, details={"member": problem.subject}
        )
    membership.status = MembershipStatus.ACTIVE
    membership.started_on = started_on or timezone.localdate()
    with _vote_change(membership):
        membership.save(update_fields=["status", "started_on"])
    for person in _people_of(membership.member):
        person_access_sync(cooperative=cooperative, person=person)
    _audit(
        actor,
        "membership.admitted",
        cooperative,
        membership,
        member=membership.member.name,
        started_on=membership.started_on,
    )
    outbox_emit(
        cooperative_id=cooperative.pk,
        type=events.MEMBERSHIP_ADMITTED,
        data=events.membership_payload(membership),
    )
    _notify_decided(membership, "admitted")
    return membership


def _notify_decided(membership: Membership, decision: str) -> None:
    """Tell the people of the member (the applicant, or an organisation's representatives)."""
    notify(
        people=_people_of(membership.member),
        kind="membership.decided",
        cooperative_id=membership.cooperative_id,
        data={
            "membership_id": membership.pk,
            "cooperative": membership.cooperative.name,
            "decision": decision,
        },
        url=f"/c/{membership.cooperative.slug}/" if decision == "admitted" else "",
    )


@transaction.atomic
def membership_refuse(*, actor: Person, membership: Membership, reason: str = "") -> Membership:
    membership = _lock_membership(membership)
    require_board(actor, membership.cooperative)
    if membership.status != MembershipStatus.APPLICANT:
        raise MembershipStateError(message=_("Only an application can be refused."))
    membership.status = MembershipStatus.REFUSED
    membership.end_reason = reason
    with _vote_change(membership):
        membership.save(update_fields=["status", "end_reason"])
    _audit(actor, "membership.refused", membership.cooperative, membership, reason=reason)
    _notify_decided(membership, "refused")
    return membership


def _end(
    actor: Person, membership: Membership, status: str, ended_on: dt.date | None, reason: str
) -> Membership:
    if membership.status != MembershipStatus.ACTIVE:
        raise MembershipStateError(
            message=_("Only an active membership can end; this one is %(status)s.")
            % {"status": membership.get_status_display()}
        )
    membership.status = status
    membership.ended_on = ended_on or timezone.localdate()
    membership.end_reason = reason
    with _vote_change(membership):
        membership.save(update_fields=["status", "ended_on", "end_reason"])
    for person in _people_of(membership.member):
        person_access_sync(cooperative=membership.cooperative, person=person)
    _audit(
        actor,
        f"membership.{status}",
        membership.cooperative,
        membership,
        member=membership.member.name,
        ended_on=membership.ended_on,
        reason=reason,
    )
    outbox_emit(
        cooperative_id=membership.cooperative_id,
        type=events.MEMBERSHIP_ENDED,
        data=events.membership_payload(membership),
    )
    return membership


@transaction.atomic
def membership_resign(
    *, actor: Person, membership: Membership, ended_on: dt.date | None = None, reason: str = ""
) -> Membership:
    """The member (or a representative of it) or the board records a resignation."""
    membership = _lock_membership(membership)
    acting = [p.pk for p in _people_of(membership.member)]
    if actor.pk not in acting:
        require_board(actor, membership.cooperative)
    return _end(actor, membership, MembershipStatus.RESIGNED, ended_on, reason)


@transaction.atomic
def membership_exclude(
    *, actor: Person, membership: Membership, reason: str, ended_on: dt.date | None = None
) -> Membership:
    membership = _lock_membership(membership)
    require_board(actor, membership.cooperative)
    if not reason.strip():
        raise ReasonRequired()
    return _end(actor, membership, MembershipStatus.EXCLUDED, ended_on, reason)


@transaction.atomic
def membership_move_college(
    *, actor: Person, membership: Membership, college: College
) -> Membership:
    """Move a member to another college. Votes already open keep their frozen roll; the
    apps counting who has a vote are told (governance.signals.membership_changing)."""
    membership = _lock_membership(membership)
    require_board(actor, membership.cooperative)
    if college.cooperative_id != membership.cooperative_id or not college.is_active:
        raise WrongCollege()
    if membership.status not in OPEN_STATUSES:
        raise MembershipStateError(message=_("Only an open membership can change college."))
    previous = membership.college.name if membership.college else None
    membership.college = college
    with _vote_change(membership):
        membership.save(update_fields=["college"])
    _audit(
        actor,
        "membership.moved",
        membership.cooperative,
        membership,
        previous=previous,
        college=college.name,
    )
    return membership


@transaction.atomic
def membership_set_shares(*, actor: Person, membership: Membership, shares: int) -> Membership:
    """Record a subscription or redemption of shares, within the local-authority cap."""
    membership = _lock_membership(membership)
    require_board(actor, membership.cooperative)
    if membership.status == MembershipStatus.ACTIVE:
        problem = check_local_authority_capital(
            membership.cooperative, membership=membership, shares=shares
        )
        if problem:
            raise DomainError(
                code=problem.code, message=problem.message, details={"member": problem.subject}
            )
    previous = membership.shares
    membership.shares = shares
    membership.save(update_fields=["shares"])
    _audit(
        actor,
        "membership.shares_changed",
        membership.cooperative,
        membership,
        previous=previous,
        shares=shares,
    )
    return membership


@transaction.atomic
def representative_designate(*, actor: Person, member: Member, person: Person) -> Representative:
    cooperative = member.cooperative
    require_board(actor, cooperative)
    if member.kind != MemberKind.LEGAL:
        raise NotLegalPerson()
    if member.representatives.filter(person=person, revoked_at__isnull=True).exists():
        raise AlreadyRepresentative(
            _("%(p)s already represents %(m)s.") % {"p": person, "m": member},
        )
    representative = Representative.objects.create(
        member=member, person=person, designated_at=timezone.now()
    )
    person_access_sync(cooperative=cooperative, person=person)
    _audit(
        actor,
        "representative.designated",
        cooperative,
        representative,
        member=member.name,
        person=person.username,
    )
    return representative


@transaction.atomic
def representative_revoke(*, actor: Person, representative: Representative) -> Representative:
    cooperative = representative.member.cooperative
    require_board(actor, cooperative)
    if representative.revoked_at is not None:
        raise AlreadyRevoked(_("This designation already ended."))
    representative.revoked_at = timezone.now()
    representative.save(update_fields=["revoked_at"])
    person_access_sync(cooperative=cooperative, person=representative.person)
    _audit(
        actor,
        "representative.revoked",
        cooperative,
        representative,
        member=representative.member.name,
        person=representative.person.username,
    )
    return representative
