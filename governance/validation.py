"""The rules of the law on colleges, composition and capital, each under its own name."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Sum
from django.utils.translation import gettext as _

from governance.models import (
    Category,
    CategoryKind,
    Cooperative,
    LegalForm,
    Membership,
    MembershipStatus,
    OrganisationType,
)

COLLEGE_WEIGHT_MIN = Decimal(10)
COLLEGE_WEIGHT_MAX = Decimal(50)
COLLEGE_WEIGHT_TOTAL = Decimal(100)
COLLEGES_MIN = 2
COLLEGES_MAX = 10
COLLEGES_RECOMMENDED_MIN = 3
LOCAL_AUTHORITY_CAPITAL_MAX = Decimal(50)
SCIC_MIN_CATEGORIES = 3


@dataclass(frozen=True)
class Problem:
    code: str
    message: str
    subject: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "subject": self.subject}


@dataclass
class Report:
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}"


def validate_college_weights(colleges: Sequence[tuple[str, Decimal]]) -> Report:
    """Art. 19 octies: 10 % to 50 % per college, 100 % in all, 2 to 10 colleges."""
    report = Report()
    names = [name.strip() for name, _weight in colleges]
    if any(not name for name in names):
        report.errors.append(Problem("college_name_missing", _("Every college needs a name.")))
    seen: set[str] = set()
    for name in names:
        if name.lower() in seen:
            report.errors.append(
                Problem(
                    "college_name_duplicate",
                    _("The college name '%(name)s' is used twice.") % {"name": name},
                    name,
                )
            )
        seen.add(name.lower())
    count = len(colleges)
    if count < COLLEGES_MIN or count > COLLEGES_MAX:
        report.errors.append(
            Problem(
                "college_count",
                _(
                    "A cooperative with colleges has between %(min)d and %(max)d of them; "
                    "this configuration has %(count)d."
                )
                % {"min": COLLEGES_MIN, "max": COLLEGES_MAX, "count": count},
            )
        )
    elif count < COLLEGES_RECOMMENDED_MIN:
        report.warnings.append(
            Problem(
                "college_count_low",
                _("Only %(count)d colleges: at least %(min)d are recommended.")
                % {"count": count, "min": COLLEGES_RECOMMENDED_MIN},
            )
        )
    for name, weight in colleges:
        if weight < COLLEGE_WEIGHT_MIN:
            report.errors.append(
                Problem(
                    "college_weight_below_minimum",
                    _(
                        "College '%(name)s' weighs %(weight)s %%, below the legal minimum of "
                        "%(min)s %%."
                    )
                    % {"name": name, "weight": _pct(weight), "min": _pct(COLLEGE_WEIGHT_MIN)},
                    name,
                )
            )
        elif weight > COLLEGE_WEIGHT_MAX:
            report.errors.append(
                Problem(
                    "college_weight_above_maximum",
                    _(
                        "College '%(name)s' weighs %(weight)s %%, above the legal maximum of "
                        "%(max)s %%."
                    )
                    % {"name": name, "weight": _pct(weight), "max": _pct(COLLEGE_WEIGHT_MAX)},
                    name,
                )
            )
    total = sum((weight for _name, weight in colleges), Decimal(0))
    if count and total != COLLEGE_WEIGHT_TOTAL:
        report.errors.append(
            Problem(
                "college_weights_sum",
                _("The weights sum to %(total)s %%; they must sum to exactly 100 %%.")
                % {"total": _pct(total)},
            )
        )
    return report


def composition_warnings(cooperative: Cooperative) -> list[Problem]:
    """SCIC composition (art. 19 septies): at least 3 categories, with users and employees.

    Reported as warnings: members come and go, so admissions are not blocked.
    """
    if cooperative.legal_form == LegalForm.OTHER:
        return []
    # One probe per category of the cooperative (a handful), each stopping at the first
    # active member it finds: not a read of every membership.
    kinds = set(
        Category.objects.filter(cooperative=cooperative)
        .filter(
            Exists(
                Membership.objects.filter(category=OuterRef("pk"), status=MembershipStatus.ACTIVE)
            )
        )
        .values_list("kind", flat=True)
    )
    warnings: list[Problem] = []
    if len(kinds) < SCIC_MIN_CATEGORIES:
        warnings.append(
            Problem(
                "scic_too_few_categories",
                _(
                    "A SCIC needs at least %(min)d categories of associates; active members "
                    "belong to %(count)d."
                )
                % {"min": SCIC_MIN_CATEGORIES, "count": len(kinds)},
            )
        )
    if CategoryKind.BENEFICIARIES not in kinds:
        warnings.append(
            Problem(
                "scic_no_beneficiaries",
                _("A SCIC must count beneficiaries (users) among its associates."),
            )
        )
    if CategoryKind.EMPLOYEES not in kinds and CategoryKind.PRODUCERS not in kinds:
        warnings.append(
            Problem(
                "scic_no_employees_or_producers",
                _(
                    "A SCIC must count its employees (or, without employees, producers) "
                    "among its associates."
                ),
            )
        )
    return warnings


@dataclass(frozen=True)
class CapitalShare:
    local_authority_shares: int
    total_shares: int

    @property
    def percent(self) -> Decimal:
        if not self.total_shares:
            return Decimal(0)
        return Decimal(self.local_authority_shares * 100) / Decimal(self.total_shares)


def local_authority_capital(
    cooperative: Cooperative, *, change_membership_id: int | None = None, new_shares: int = 0
) -> CapitalShare:
    """Shares held by local authorities vs all shares, as if one membership held `new_shares`."""
    held = Membership.objects.filter(cooperative=cooperative, status=MembershipStatus.ACTIVE)
    if change_membership_id is not None:
        held = held.exclude(pk=change_membership_id)
    totals = held.aggregate(
        total=Sum("shares"),
        local=Sum("shares", filter=Q(member__organisation_type=OrganisationType.LOCAL_AUTHORITY)),
    )
    return CapitalShare(totals["local"] or 0, totals["total"] or 0)


def check_local_authority_capital(
    cooperative: Cooperative, *, membership: Membership, shares: int
) -> Problem | None:
    """Loi ESS 2014: local authorities and their groupings hold at most 50 % of the capital."""
    others = local_authority_capital(cooperative, change_membership_id=membership.pk)
    is_local = membership.member.organisation_type == OrganisationType.LOCAL_AUTHORITY
    local = others.local_authority_shares + (shares if is_local else 0)
    total = others.total_shares + shares
    after = CapitalShare(local, total)
    if total and after.percent > LOCAL_AUTHORITY_CAPITAL_MAX:
        return Problem(
            "local_authority_capital_exceeded",
            _(
                "Local authorities would hold %(local)d of %(total)d shares (%(pct)s %%), above "
                "the legal maximum of 50 %% of the capital."
            )
            % {"local": local, "total": total, "pct": f"{after.percent:.2f}"},
            membership.member.name,
        )
    return None
