"""Applications: a candidate applies from the cooperative's public page; the board decides."""

from __future__ import annotations

from allauth.account.models import EmailAddress
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_append
from governance import services as governance
from governance.models import (
    Category,
    College,
    Cooperative,
    Membership,
    Person,
)
from governance.permissions import access_cooperative
from onboarding.errors import ApplicationsClosed, EmailNotVerified
from onboarding.mail import onboarding_email_send, url_for
from onboarding.models import Application, ApplicationOutcome


@transaction.atomic
def cooperative_onboarding_configure(
    *,
    actor: Person,
    cooperative: Cooperative,
    applications_open: bool | None = None,
    admission_by_vote: bool | None = None,
    board_requires_mfa: bool | None = None,
) -> Cooperative:
    """The board opens or closes applications, says whether the statutes require a vote
    of admission, and whether board members must use two-factor authentication."""
    cooperative, _role = access_cooperative(actor, cooperative.slug, manage=True, lock=True)
    changes = {}
    for field, value in (
        ("applications_open", applications_open),
        ("admission_by_vote", admission_by_vote),
        ("board_requires_mfa", board_requires_mfa),
    ):
        if value is not None and getattr(cooperative, field) != value:
            setattr(cooperative, field, value)
            changes[field] = value
    if changes:
        cooperative.save(update_fields=list(changes))
        audit_append(
            actor=actor,
            verb="cooperative.onboarding_configured",
            target=cooperative,
            cooperative_id=cooperative.pk,
            data=changes,
        )
    return cooperative


def email_verified(person: Person) -> bool:
    return EmailAddress.objects.filter(user=person, verified=True).exists()


@transaction.atomic
def application_file(
    *,
    actor: Person,
    cooperative: Cooperative,
    category: Category,
    college: College | None,
    message: str = "",
) -> Application:
    """A candidate with a verified e-mail applies for membership while the board has
    applications open. The membership opened waits in the board's queue."""
    cooperative = Cooperative.objects.select_for_update().get(pk=cooperative.pk)
    if not cooperative.applications_open:
        raise ApplicationsClosed(_("This cooperative does not take applications at the moment."))
    if not email_verified(actor):
        raise EmailNotVerified(_("Confirm your e-mail address before applying."))
    membership = governance.membership_apply(
        actor=actor, cooperative=cooperative, category=category, college=college, person=actor
    )
    application = Application.objects.create(
        membership=membership, cooperative=cooperative, person=actor, message=message.strip()
    )
    return application


def _outcome_email(membership: Membership, *, accepted: bool, reason: str = "") -> None:
    people: list[Person] = []
    if membership.member.person is not None:
        people = [membership.member.person]
    else:
        people = [r.person for r in membership.member.representatives.filter(revoked_at=None)]
    for person in people:
        if not person.email:
            continue
        onboarding_email_send(
            to=person.email,
            template="application_accepted" if accepted else "application_rejected",
            context={
                "name": str(person),
                "cooperative": membership.cooperative.name,
                "reason": reason,
                "link": url_for("frontend:cooperative", slug=membership.cooperative.slug),
            },
        )


def _decide(membership: Membership, actor: Person, outcome: str, reason: str) -> None:
    Application.objects.filter(membership=membership).update(
        outcome=outcome, decided_at=timezone.now(), decided_by=actor, reason=reason
    )


@transaction.atomic
def application_accept(*, actor: Person, membership: Membership) -> Membership:
    """Admit an applicant (governance's admission, with its legal checks) and tell the
    candidate by e-mail after the commit."""
    membership = governance.membership_admit(actor=actor, membership=membership)
    _decide(membership, actor, ApplicationOutcome.ACCEPTED, "")
    _outcome_email(membership, accepted=True)
    return membership


@transaction.atomic
def application_reject(*, actor: Person, membership: Membership, reason: str = "") -> Membership:
    """Refuse an applicant and tell the candidate by e-mail after the commit."""
    membership = governance.membership_refuse(actor=actor, membership=membership, reason=reason)
    _decide(membership, actor, ApplicationOutcome.REJECTED, reason)
    _outcome_email(membership, accepted=False, reason=reason)
    return membership


def applicant_membership(actor: Person, cooperative: Cooperative, pk: int) -> Membership:
    """An application of this cooperative, for its board (404 for anything else)."""
    from core.errors import NotFound

    access_cooperative(actor, cooperative.slug, manage=True)
    membership = (
        Membership.objects.select_related("member", "member__person", "cooperative")
        .filter(cooperative=cooperative, pk=pk)
        .first()
    )
    if membership is None:
        raise NotFound()
    return membership
