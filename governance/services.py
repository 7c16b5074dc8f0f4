"""Every write to the governance model. Each one audits in its own transaction."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from guardian.shortcuts import assign_perm, remove_perm

from core.audit import audit_append
from core.errors import DomainError, Forbidden, InvalidInput
from core.events import person_group, publish
from core.outbox import outbox_emit
from governance import events
from governance.models import (
    OPEN_STATUSES,
    BoardRole,
    Category,
    College,
    CollegeConfigVersion,
    CollegeWeight,
    Cooperative,
    CooperativeUserPermission,
    DecisionKind,
    DecisionRules,
    Member,
    MemberKind,
    Membership,
    MembershipStatus,
    Observer,
    OrganisationType,
    Person,
    Representative,
    RulesVersion,
)
from governance.permissions import (
    PERM_MANAGE,
    PERM_OBSERVE,
    PERM_PARTICIPATE,
    can_manage_cooperative,
)
from governance.presets import default_rules
from governance.validation import check_local_authority_capital, validate_college_weights

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


# Access: guardian grants are derived from the domain state, never set by hand.


def person_access_sync(*, cooperative: Cooperative, person: Person) -> None:
    """Recompute one person's guardian grants on a cooperative from the domain state.

    Called by every service that changes a board role, a membership, a representative
    or an observer, so the grants can never drift from the records.
    """
    is_board = BoardRole.objects.sitting().filter(cooperative=cooperative, person=person).exists()
    is_member = (
        Membership.objects.filter(
            cooperative=cooperative, status=MembershipStatus.ACTIVE, member__person=person
        ).exists()
        or Membership.objects.filter(
            cooperative=cooperative,
            status=MembershipStatus.ACTIVE,
            member__representatives__person=person,
            member__representatives__revoked_at__isnull=True,
        ).exists()
    )
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


def _people_of(member: Member) -> list[Person]:
    if member.person_id:
        return [member.person]  # type: ignore[list-item]
    return [
        r.person
        for r in member.representatives.filter(revoked_at__isnull=True).select_related("person")
    ]


# Cooperative, categories, colleges, rules.


@dataclass(frozen=True)
class CollegeSpec:
    name: str
    weight: Decimal


@transaction.atomic
def cooperative_create(
    *,
    actor: Person,
    name: str,
    slug: str,
    legal_form: str,
    colleges: Sequence[CollegeSpec] = (),
) -> Cooperative:
    """Create a cooperative with the default rules of its legal form; the creator chairs
    its board until the board is elected."""
    if Cooperative.objects.filter(slug=slug).exists():
        raise InvalidInput(
            code="slug_taken", message=_("The address '%(slug)s' is already used.") % {"slug": slug}
        )
    cooperative = Cooperative.objects.create(name=name, slug=slug, legal_form=legal_form)
    version = RulesVersion.objects.create(
        cooperative=cooperative, number=1, created_by=actor, reason="Defaults of the legal form"
    )
    for kind in DecisionKind.values:
        DecisionRules.objects.create(
            version=version, decision_kind=kind, **default_rules(legal_form, kind)
        )
    today = timezone.localdate()
    BoardRole.objects.create(
        cooperative=cooperative,
        person=actor,
        role="chair",
        started_on=today,
        term_ends_on=_add_years(today, BOARD_TERM_MAX_YEARS),
    )
    person_access_sync(cooperative=cooperative, person=actor)
    _audit(actor, "cooperative.created", cooperative, cooperative, name=name, legal_form=legal_form)
    if colleges:
        colleges_configure(
            actor=actor, cooperative=cooperative, colleges=colleges, reason="Initial configuration"
        )
    return cooperative


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def category_create(*, actor: Person, cooperative: Cooperative, name: str, kind: str) -> Category:
    _require_board(actor, cooperative)
    if Category.objects.filter(cooperative=cooperative, name=name).exists():
        raise InvalidInput(
            code="category_exists",
            message=_("A category named '%(name)s' exists.") % {"name": name},
        )
    category = Category.objects.create(cooperative=cooperative, name=name, kind=kind)
    _audit(actor, "category.created", cooperative, category, name=name, kind=kind)
    return category


class CollegesInvalid(InvalidInput):
    code = "colleges_invalid"


@transaction.atomic
def colleges_configure(
    *, actor: Person, cooperative: Cooperative, colleges: Sequence[CollegeSpec], reason: str = ""
) -> CollegeConfigVersion:
    """Replace the colleges and weights as one change, making a new immutable version.

    Refuses a configuration breaking art. 19 octies, naming each college at fault, and
    the removal of a college that still holds open memberships. Locks the cooperative row
    so that two boards editing at once make two versions, one after the other.
    """
    _require_board(actor, cooperative)
    Cooperative.objects.select_for_update().filter(pk=cooperative.pk).first()
    report = validate_college_weights([(c.name, Decimal(c.weight)) for c in colleges])
    if not report.ok:
        raise CollegesInvalid(
            message=" ".join(p.message for p in report.errors),
            details={
                "errors": [p.as_dict() for p in report.errors],
                "warnings": [p.as_dict() for p in report.warnings],
            },
        )
    existing = {c.name.lower(): c for c in College.objects.filter(cooperative=cooperative)}
    wanted = {spec.name.strip().lower() for spec in colleges}
    for key, college in existing.items():
        if key not in wanted and college.is_active:
            if Membership.objects.filter(college=college, status__in=OPEN_STATUSES).exists():
                raise CollegesInvalid(
                    code="college_has_members",
                    message=_("College '%(name)s' still has members; move them before removing it.")
                    % {"name": college.name},
                    details={"college": college.name},
                )
            college.is_active = False
            college.save(update_fields=["is_active"])
    number = (
        CollegeConfigVersion.objects.filter(cooperative=cooperative).aggregate(m=Max("number"))["m"]
        or 0
    ) + 1
    version = CollegeConfigVersion.objects.create(
        cooperative=cooperative, number=number, created_by=actor, reason=reason
    )
    for position, spec in enumerate(colleges):
        found = existing.get(spec.name.strip().lower())
        if found is None:
            college = College.objects.create(
                cooperative=cooperative, name=spec.name.strip(), position=position
            )
        else:
            college = found
            college.position, college.is_active, college.name = position, True, spec.name.strip()
            college.save(update_fields=["position", "is_active", "name"])
        CollegeWeight.objects.create(version=version, college=college, weight=spec.weight)
    weights = [
        {"college_id": w.college_id, "college": w.college.name, "weight": str(w.weight)}
        for w in version.weights.select_related("college")
    ]
    _audit(
        actor,
        "colleges.configured",
        cooperative,
        version,
        number=number,
        weights=weights,
        reason=reason,
    )
    outbox_emit(
        cooperative_id=cooperative.pk,
        type=events.COLLEGE_WEIGHTS_CHANGED,
        data=events.college_weights_payload(cooperative, version),
    )
    return version


RULE_FIELDS = (
    "tally_method",
    "majority_base_first_call",
    "majority_base_second_call",
    "empty_college_policy",
    "quorum_mode",
    "quorum_first_call",
    "quorum_second_call",
    "majority",
    "majority_strict",
    "proxies_allowed",
    "proxy_cap",
    "secret_ballot_default",
    "notice_days_first_call",
    "notice_days_later_call",
    "legal_reference",
)


@transaction.atomic
def rules_update(
    *,
    actor: Person,
    cooperative: Cooperative,
    changes: dict[str, dict[str, Any]],
    block_votes_on_composition_breach: bool | None = None,
    reason: str = "",
) -> RulesVersion:
    """Make a new rules version: the current one with `changes` (decision kind -> fields)."""
    from fractions import Fraction

    from governance.selectors import rules_current

    _require_board(actor, cooperative)
    Cooperative.objects.select_for_update().filter(pk=cooperative.pk).first()
    current = rules_current(cooperative)
    unknown = set(changes) - set(DecisionKind.values)
    if unknown:
        raise InvalidInput(
            code="unknown_decision_kind",
            message=_("Unknown decision kind: %(k)s") % {"k": ", ".join(unknown)},
        )
    version = RulesVersion.objects.create(
        cooperative=cooperative,
        number=current.number + 1,
        created_by=actor,
        reason=reason,
        block_votes_on_composition_breach=(
            current.block_votes_on_composition_breach
            if block_votes_on_composition_breach is None
            else block_votes_on_composition_breach
        ),
    )
    for old in current.kinds.all():
        values = {f: getattr(old, f) for f in RULE_FIELDS}
        values.update(changes.get(old.decision_kind, {}))
        for key in ("quorum_first_call", "quorum_second_call"):
            q = values[key]
            if q is not None and not (Fraction(0) < Fraction(q) <= 1):
                raise InvalidInput(
                    code="quorum_out_of_range",
                    message=_("A quorum is a fraction above 0 and at most 1."),
                    details={"decision_kind": old.decision_kind, "field": key},
                )
        if not (Fraction(0) < Fraction(values["majority"]) < 1):
            raise InvalidInput(
                code="majority_out_of_range",
                message=_("A majority threshold is a fraction between 0 and 1."),
                details={"decision_kind": old.decision_kind},
            )
        DecisionRules.objects.create(version=version, decision_kind=old.decision_kind, **values)
    _audit(
        actor,
        "rules.updated",
        cooperative,
        version,
        number=version.number,
        changes={k: {f: str(v) for f, v in c.items()} for k, c in changes.items()},
        reason=reason,
    )
    return version


# Members and memberships.


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
        raise InvalidInput(
            code="wrong_cooperative",
            message=_("The category or college belongs to another cooperative."),
        )
    if college is not None and not college.is_active:
        raise InvalidInput(code="college_inactive", message=_("This college no longer exists."))
    if college is None and College.objects.filter(cooperative=cooperative, is_active=True).exists():
        raise InvalidInput(
            code="college_required", message=_("This cooperative has colleges: choose one.")
        )
    is_board = can_manage_cooperative(actor, cooperative)
    if organisation_name:
        if organisation_type not in OrganisationType.values:
            raise InvalidInput(
                code="organisation_type_required",
                message=_("Say what kind of organisation applies."),
            )
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
            raise Forbidden(
                code="board_only", message=_("Only the board may apply on behalf of someone else.")
            )
        member, _created = Member.objects.get_or_create(
            cooperative=cooperative,
            person=applicant,
            defaults={"kind": MemberKind.NATURAL, "name": str(applicant)},
        )
        if Membership.objects.filter(member=member, status__in=OPEN_STATUSES).exists():
            raise MembershipStateError(
                code="already_member",
                message=_("%(name)s already has an open membership.") % {"name": member.name},
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
    authorities more than half of the capital. Locks the membership row."""
    membership = _lock_membership(membership)
    cooperative = membership.cooperative
    _require_board(actor, cooperative)
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
    return membership


@transaction.atomic
def membership_refuse(*, actor: Person, membership: Membership, reason: str = "") -> Membership:
    membership = _lock_membership(membership)
    _require_board(actor, membership.cooperative)
    if membership.status != MembershipStatus.APPLICANT:
        raise MembershipStateError(message=_("Only an application can be refused."))
    membership.status = MembershipStatus.REFUSED
    membership.end_reason = reason
    membership.save(update_fields=["status", "end_reason"])
    _audit(actor, "membership.refused", membership.cooperative, membership, reason=reason)
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
        _require_board(actor, membership.cooperative)
    return _end(actor, membership, MembershipStatus.RESIGNED, ended_on, reason)


@transaction.atomic
def membership_exclude(
    *, actor: Person, membership: Membership, reason: str, ended_on: dt.date | None = None
) -> Membership:
    membership = _lock_membership(membership)
    _require_board(actor, membership.cooperative)
    if not reason.strip():
        raise InvalidInput(code="reason_required", message=_("An exclusion states its reason."))
    return _end(actor, membership, MembershipStatus.EXCLUDED, ended_on, reason)


@transaction.atomic
def membership_move_college(
    *, actor: Person, membership: Membership, college: College
) -> Membership:
    """Move a member to another college. Votes already open keep their frozen roll."""
    membership = _lock_membership(membership)
    _require_board(actor, membership.cooperative)
    if college.cooperative_id != membership.cooperative_id or not college.is_active:
        raise InvalidInput(code="wrong_college", message=_("Choose a college of this cooperative."))
    if membership.status not in OPEN_STATUSES:
        raise MembershipStateError(message=_("Only an open membership can change college."))
    previous = membership.college.name if membership.college else None
    membership.college = college
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
    _require_board(actor, membership.cooperative)
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


# Representatives, board, observers.


@transaction.atomic
def representative_designate(*, actor: Person, member: Member, person: Person) -> Representative:
    cooperative = member.cooperative
    _require_board(actor, cooperative)
    if member.kind != MemberKind.LEGAL:
        raise InvalidInput(
            code="not_legal_person", message=_("Only a legal person has representatives.")
        )
    if member.representatives.filter(person=person, revoked_at__isnull=True).exists():
        raise DomainError(
            code="already_representative",
            message=_("%(p)s already represents %(m)s.") % {"p": person, "m": member},
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
    _require_board(actor, cooperative)
    if representative.revoked_at is not None:
        raise DomainError(code="already_revoked", message=_("This designation already ended."))
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


def _check_board_term(start: dt.date, end: dt.date) -> None:
    """A board term ends after it starts and lasts at most six years (C. com. L225-18)."""
    if end > _add_years(start, BOARD_TERM_MAX_YEARS) or end <= start:
        raise InvalidInput(
            code="board_term_too_long",
            message=_("A board term lasts at most %(n)d years.") % {"n": BOARD_TERM_MAX_YEARS},
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
    _require_board(actor, cooperative)
    start = started_on or timezone.localdate()
    end = term_ends_on or _add_years(start, BOARD_TERM_MAX_YEARS)
    _check_board_term(start, end)
    if BoardRole.objects.sitting().filter(cooperative=cooperative, person=person).exists():
        raise DomainError(
            code="already_on_board", message=_("%(p)s already sits on the board.") % {"p": person}
        )
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
    _require_board(actor, cooperative)
    if board_role.revoked_at is not None:
        raise DomainError(code="already_revoked", message=_("This board role already ended."))
    remaining = (
        BoardRole.objects.sitting().filter(cooperative=cooperative).exclude(pk=board_role.pk)
    )
    if not remaining.exists():
        raise DomainError(
            code="last_board_member", message=_("The last board member cannot be removed.")
        )
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
    _require_board(actor, cooperative)
    locked = BoardRole.objects.select_for_update().filter(pk=board_role.pk).first()
    if locked is None or locked.revoked_at is not None:
        raise DomainError(code="already_revoked", message=_("This board role already ended."))
    board_role = locked
    start = renewed_on or timezone.localdate()
    if start < board_role.started_on:
        raise InvalidInput(
            code="renewal_before_start",
            message=_("A term is renewed on or after the day it started."),
        )
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
                None,
                "board_role.term_ended",
                seat.cooperative,
                seat,
                person=seat.person.username,
                role=seat.role,
                term_ends_on=seat.term_ends_on,
            )
    return due


@transaction.atomic
def observer_invite(
    *, actor: Person, cooperative: Cooperative, person: Person, organisation: str = ""
) -> Observer:
    _require_board(actor, cooperative)
    if Observer.objects.filter(
        cooperative=cooperative, person=person, revoked_at__isnull=True
    ).exists():
        raise DomainError(
            code="already_observer",
            message=_("%(p)s already observes this cooperative.") % {"p": person},
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
    _require_board(actor, observer.cooperative)
    if observer.revoked_at is not None:
        raise DomainError(code="already_revoked", message=_("This observer was already removed."))
    observer.revoked_at = timezone.now()
    observer.save(update_fields=["revoked_at"])
    person_access_sync(cooperative=observer.cooperative, person=observer.person)
    _audit(
        actor, "observer.revoked", observer.cooperative, observer, person=observer.person.username
    )
    return observer
