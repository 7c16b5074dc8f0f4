"""Cooperatives, their categories and their colleges."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.outbox import outbox_emit
from governance import events
from governance.errors import CategoryExists, CollegeHasMembers, CollegesInvalid, SlugTaken
from governance.models import (
    OPEN_STATUSES,
    BoardRole,
    Category,
    College,
    CollegeConfigVersion,
    CollegeWeight,
    Cooperative,
    DecisionKind,
    DecisionRules,
    Membership,
    Person,
    RulesVersion,
)
from governance.permissions import require_board
from governance.presets import default_rules
from governance.services._common import BOARD_TERM_MAX_YEARS, _add_years, _audit
from governance.services.access import person_access_sync
from governance.signals import college_roll_changed
from governance.validation import validate_college_weights


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
        raise SlugTaken(_("The address '%(slug)s' is already used.") % {"slug": slug})
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


@transaction.atomic
def category_create(*, actor: Person, cooperative: Cooperative, name: str, kind: str) -> Category:
    require_board(actor, cooperative)
    if Category.objects.filter(cooperative=cooperative, name=name).exists():
        raise CategoryExists(
            _("A category named '%(name)s' exists.") % {"name": name},
        )
    category = Category.objects.create(cooperative=cooperative, name=name, kind=kind)
    _audit(actor, "category.created", cooperative, category, name=name, kind=kind)
    return category


@transaction.atomic
def colleges_configure(
    *, actor: Person, cooperative: Cooperative, colleges: Sequence[CollegeSpec], reason: str = ""
) -> CollegeConfigVersion:
    """Replace the colleges and weights as one change, making a new immutable version.

    Refuses a configuration breaking art. 19 octies, naming each college at fault, and
    the removal of a college that still holds open memberships. Locks the cooperative row
    so that two boards editing at once make two versions, one after the other. The apps
    counting who has a vote count again (governance.signals.college_roll_changed).
    """
    require_board(actor, cooperative)
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
                raise CollegeHasMembers(
                    _("College '%(name)s' still has members; move them before removing it.")
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
    college_roll_changed.send(sender=None, cooperative_id=cooperative.pk)
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
