"""Invitations: the board adds an associate, a representative or an observer by e-mail."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass
from typing import Any

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_append
from core.errors import InvalidInput
from governance import services as governance
from governance.models import (
    OPEN_STATUSES,
    Category,
    College,
    Cooperative,
    Member,
    MemberKind,
    Membership,
    Observer,
    OrganisationType,
    Person,
    Representative,
)
from governance.permissions import access_cooperative
from onboarding.errors import AlreadyMember, EmailInUse, InvitationInvalid, InvitationState
from onboarding.mail import onboarding_email_send, url_for
from onboarding.models import Invitation, InvitationKind

USERNAME_MAX = 150


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _ttl() -> dt.timedelta:
    return dt.timedelta(days=float(getattr(settings, "INVITATION_TTL_DAYS", 7)))


def normalize_email(email: str) -> str:
    """The address as stored: trimmed, domain in lower case; refuses a malformed one."""
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(
            code="invalid_email",
            message=_("%(email)s is not an e-mail address.") % {"email": email},
        ) from exc
    local, _at, domain = email.rpartition("@")
    return f"{local}@{domain.lower()}"


def person_by_email(email: str) -> Person | None:
    """The account using this address, as its main e-mail or one it added."""
    found = Person.objects.filter(email__iexact=email).first()
    if found is not None:
        return found
    address = EmailAddress.objects.filter(email__iexact=email).select_related("user").first()
    return address.user if address is not None else None  # type: ignore[return-value]


def _username_for(email: str) -> str:
    base = re.sub(r"[^\w.@+-]", "", email.split("@", 1)[0].lower())[:40] or "member"
    candidate, number = base, 1
    while Person.objects.filter(username__iexact=candidate).exists():
        number += 1
        candidate = f"{base}{number}"
    return candidate[:USERNAME_MAX]


def _person_create(*, email: str, name: str) -> Person:
    """An account with no password yet: its owner chooses one through the invitation."""
    first, _sp, last = name.strip().partition(" ")
    person = Person(
        username=_username_for(email),
        email=email,
        first_name=first[:150],
        last_name=last[:150],
        display_name=name.strip()[:150],
    )
    person.set_unusable_password()
    person.save()
    EmailAddress.objects.create(user=person, email=email, primary=True, verified=False)
    return person


def _issue(invitation: Invitation) -> str:
    """A fresh one-time token for the invitation (the previous one stops working)."""
    token = secrets.token_urlsafe(32)
    invitation.token_digest = _digest(token)
    invitation.expires_at = timezone.now() + _ttl()
    invitation.sent_at = timezone.now()
    invitation.send_count += 1
    return token


def _send(invitation: Invitation, token: str, *, actor: Person) -> None:
    onboarding_email_send(
        to=invitation.email,
        template="invitation",
        context={
            "name": str(invitation.person),
            "cooperative": invitation.cooperative.name,
            "kind": invitation.kind,
            "inviter": str(actor),
            "username": invitation.person.username,
            "link": url_for("frontend:invitation_accept", token=token),
            "expires_at": invitation.expires_at,
        },
    )


def _invite(
    *, actor: Person, cooperative: Cooperative, person: Person, kind: str, member: Member | None
) -> Invitation:
    invitation = Invitation(
        cooperative=cooperative,
        person=person,
        email=person.email,
        kind=kind,
        member=member,
        created_by=actor,
        expires_at=timezone.now(),
    )
    token = _issue(invitation)
    invitation.save()
    audit_append(
        actor=actor,
        verb="invitation.sent",
        target=invitation,
        cooperative_id=cooperative.pk,
        data={"email": invitation.email, "kind": kind},
    )
    _send(invitation, token, actor=actor)
    return invitation


def _notify(*, actor: Person, cooperative: Cooperative, person: Person, kind: str) -> None:
    """Tell someone who already has an account what the board made them."""
    onboarding_email_send(
        to=person.email,
        template="designation_notice",
        context={
            "name": str(person),
            "cooperative": cooperative.name,
            "kind": kind,
            "inviter": str(actor),
            "link": url_for("frontend:cooperative", slug=cooperative.slug),
        },
    )


@dataclass(frozen=True)
class AssociateSpec:
    """One associate to add, as typed in a form, an API call or a line of a CSV file."""

    name: str
    email: str
    kind: str = MemberKind.NATURAL
    college: College | None = None
    category: Category | None = None
    shares: int = 0
    organisation_type: str = ""


def associate_check(*, cooperative: Cooperative, spec: AssociateSpec) -> None:
    """Every refusal `associate_add` can give before it writes anything: a bad address,
    one already used by an account (a member of this cooperative or not), a pending
    invitation, a missing category or college, a legal person without its kind."""
    email = normalize_email(spec.email)
    if not spec.name.strip():
        raise InvalidInput(code="name_required", message=_("Give the associate's name."))
    if spec.kind not in MemberKind.values:
        raise InvalidInput(
            code="invalid_kind", message=_("A member is a natural or a legal person.")
        )
    if spec.kind == MemberKind.LEGAL and spec.organisation_type not in OrganisationType.values:
        raise InvalidInput(
            code="organisation_type_required",
            message=_("Say what kind of organisation the legal person is."),
        )
    if spec.category is None or spec.category.cooperative_id != cooperative.pk:
        raise InvalidInput(code="category_required", message=_("Choose a category."))
    if spec.shares < 0:
        raise InvalidInput(code="invalid_shares", message=_("Shares cannot be negative."))
    existing = person_by_email(email)
    if existing is not None and spec.kind == MemberKind.NATURAL:
        if Membership.objects.filter(
            cooperative=cooperative, status__in=OPEN_STATUSES, member__person=existing
        ).exists():
            raise AlreadyMember(
                _("%(email)s is already an associate of this cooperative.") % {"email": email}
            )
        raise EmailInUse(
            _(
                "An account already uses %(email)s: that person can apply from the "
                "cooperative's page."
            )
            % {"email": email}
        )
    if (
        spec.kind == MemberKind.LEGAL
        and Member.objects.filter(
            cooperative=cooperative,
            kind=MemberKind.LEGAL,
            name__iexact=spec.name.strip(),
            memberships__status__in=OPEN_STATUSES,
        ).exists()
    ):
        raise AlreadyMember(
            _("%(name)s is already an associate of this cooperative.") % {"name": spec.name}
        )


@transaction.atomic
def associate_add(
    *, actor: Person, cooperative: Cooperative, spec: AssociateSpec
) -> Invitation | None:
    """The board adds an associate: the person's account (no password yet), the member,
    its membership (admitted at once, or pending when the statutes require a vote of
    admission), and an invitation by e-mail to choose a password. A legal person's
    e-mail is its representative's; if that person already has an account, they are
    designated and told so, and no invitation is needed (None is returned).

    Everything happens in one transaction: any refusal leaves nothing behind, and the
    e-mail leaves only after the commit."""
    access_cooperative(actor, cooperative.slug, manage=True)
    associate_check(cooperative=cooperative, spec=spec)
    email = normalize_email(spec.email)
    assert spec.category is not None
    existing = person_by_email(email)
    if spec.kind == MemberKind.LEGAL:
        membership = governance.membership_apply(
            actor=actor,
            cooperative=cooperative,
            category=spec.category,
            college=spec.college,
            organisation_name=spec.name.strip(),
            organisation_type=spec.organisation_type,
            shares=spec.shares,
        )
        person = existing or _person_create(email=email, name=spec.name)
        governance.representative_designate(actor=actor, member=membership.member, person=person)
    else:
        person = _person_create(email=email, name=spec.name)
        membership = governance.membership_apply(
            actor=actor,
            cooperative=cooperative,
            category=spec.category,
            college=spec.college,
            person=person,
            shares=spec.shares,
        )
    if not cooperative.admission_by_vote:
        governance.membership_admit(actor=actor, membership=membership)
    if existing is not None:
        _notify(
            actor=actor,
            cooperative=cooperative,
            person=existing,
            kind=InvitationKind.REPRESENTATIVE,
        )
        return None
    return _invite(
        actor=actor,
        cooperative=cooperative,
        person=person,
        kind=InvitationKind.MEMBER,
        member=membership.member,
    )


def _person_for_designation(*, email: str, name: str) -> tuple[Person, bool]:
    email = normalize_email(email)
    existing = person_by_email(email)
    if existing is not None:
        return existing, False
    if not name.strip():
        raise InvalidInput(
            code="name_required", message=_("Give the name of the person to invite.")
        )
    return _person_create(email=email, name=name), True


@transaction.atomic
def representative_invite(
    *, actor: Person, member: Member, email: str, name: str = ""
) -> Representative:
    """Designate a legal person's representative by e-mail: an invitation when the person
    has no account yet, a notice when they have one."""
    cooperative = member.cooperative
    access_cooperative(actor, cooperative.slug, manage=True)
    person, created = _person_for_designation(email=email, name=name)
    representative = governance.representative_designate(actor=actor, member=member, person=person)
    if created:
        _invite(
            actor=actor,
            cooperative=cooperative,
            person=person,
            kind=InvitationKind.REPRESENTATIVE,
            member=member,
        )
    else:
        _notify(
            actor=actor, cooperative=cooperative, person=person, kind=InvitationKind.REPRESENTATIVE
        )
    return representative


@transaction.atomic
def observer_invite_by_email(
    *, actor: Person, cooperative: Cooperative, email: str, name: str = "", organisation: str = ""
) -> Observer:
    """Name an observer by e-mail: an invitation when the person has no account yet, a
    notice when they have one."""
    access_cooperative(actor, cooperative.slug, manage=True)
    person, created = _person_for_designation(email=email, name=name)
    observer = governance.observer_invite(
        actor=actor, cooperative=cooperative, person=person, organisation=organisation
    )
    if created:
        _invite(
            actor=actor,
            cooperative=cooperative,
            person=person,
            kind=InvitationKind.OBSERVER,
            member=None,
        )
    else:
        _notify(actor=actor, cooperative=cooperative, person=person, kind=InvitationKind.OBSERVER)
    return observer


def _lock(invitation: Invitation) -> Invitation:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("cooperative", "person")
        .get(pk=invitation.pk)
    )


@transaction.atomic
def invitation_resend(*, actor: Person, invitation: Invitation) -> Invitation:
    """Send a pending or expired invitation again with a new link, valid for a new
    period; the previous link stops working. Locks the invitation."""
    invitation = _lock(invitation)
    access_cooperative(actor, invitation.cooperative.slug, manage=True)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvitationState(
            _("This invitation was already %(state)s; it cannot be sent again.")
            % {"state": _("accepted") if invitation.accepted_at else _("revoked")}
        )
    token = _issue(invitation)
    invitation.save(update_fields=["token_digest", "expires_at", "sent_at", "send_count"])
    audit_append(
        actor=actor,
        verb="invitation.resent",
        target=invitation,
        cooperative_id=invitation.cooperative_id,
        data={"email": invitation.email},
    )
    _send(invitation, token, actor=actor)
    return invitation


@transaction.atomic
def invitation_revoke(*, actor: Person, invitation: Invitation) -> Invitation:
    """Revoke an invitation that was not accepted: its link stops working. The account
    and the membership stay for the board to decide on. Locks the invitation."""
    invitation = _lock(invitation)
    access_cooperative(actor, invitation.cooperative.slug, manage=True)
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise InvitationState(_("Only an invitation not yet accepted can be revoked."))
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at"])
    audit_append(
        actor=actor,
        verb="invitation.revoked",
        target=invitation,
        cooperative_id=invitation.cooperative_id,
        data={"email": invitation.email},
    )
    return invitation


def invitation_for_token(token: str, *, lock: bool = False) -> Invitation:
    """The pending invitation a link names; InvitationInvalid for an unknown, expired,
    revoked or used link, with a message saying which."""
    queryset = Invitation.objects.select_related("cooperative", "person")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    invitation = queryset.filter(token_digest=_digest(token or "")).first()
    if invitation is None:
        raise InvitationInvalid(_("This invitation link is not valid."))
    if invitation.accepted_at is not None:
        raise InvitationInvalid(
            _(
                "This invitation link was already used. Sign in with your password, or ask for "
                "a new one."
            ),
            code="invitation_used",
        )
    if invitation.revoked_at is not None:
        raise InvitationInvalid(_("This invitation was revoked."), code="invitation_revoked")
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid(
            _("This invitation link has expired. Ask the board to send it again."),
            code="invitation_expired",
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, password: str) -> Person:
    """The invited person chooses a password through the link: the link is used up, the
    e-mail address counts as verified (the link reached it). Locks the invitation."""
    invitation = invitation_for_token(token, lock=True)
    person = invitation.person
    try:
        validate_password(password, user=person)
    except ValidationError as exc:
        raise InvalidInput(
            code="weak_password", message=" ".join(str(m) for m in exc.messages)
        ) from exc
    person.set_password(password)
    person.save(update_fields=["password"])
    EmailAddress.objects.filter(user=person, email__iexact=invitation.email).update(verified=True)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_append(
        actor=person,
        verb="invitation.accepted",
        target=invitation,
        cooperative_id=invitation.cooperative_id,
        data={"email": invitation.email},
    )
    return person


def invitation_state_counts(cooperative: Cooperative) -> dict[str, Any]:
    """For the board's page: how many invitations are in each state."""
    from onboarding.selectors import invitation_list

    counts: dict[str, int] = {}
    for invitation in invitation_list(cooperative):
        state = invitation.state()
        counts[state] = counts.get(state, 0) + 1
    return counts
