"""Board pages of the statutes: colleges and weights, governance rules."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from core.errors import DomainError, Forbidden, NotFound
from frontend.formatting import percent_text
from frontend.forms import (
    WEIGHT_INPUT_MAX,
    WEIGHT_PLACES,
    CollegeRow,
    DecisionRulesForm,
    colleges_from_post,
)
from frontend.views.common import (
    cooperative_for,
    page_view,
    perform,
    render_coop,
    signed_in,
)
from governance import selectors, services
from governance.models import DecisionKind, LegalForm
from governance.permissions import access_cooperative
from governance.presets import default_rules
from governance.validation import (
    COLLEGE_WEIGHT_MAX,
    COLLEGE_WEIGHT_MIN,
    COLLEGE_WEIGHT_TOTAL,
    COLLEGES_MAX,
    COLLEGES_MIN,
    COLLEGES_RECOMMENDED_MIN,
)


def _url(name: str, slug: str, **kwargs: Any) -> str:
    return reverse(f"frontend:{name}", kwargs={"slug": slug, **kwargs})


# Colleges and weights.


def college_rules_for_page() -> dict[str, Any]:
    """The legal numbers and messages the live check in the browser applies.

    The numbers come from governance.validation and the messages are the same
    translated texts as its server-side report, so both checks say the same thing.
    """
    return {
        "weight_min": str(COLLEGE_WEIGHT_MIN),
        "weight_max": str(COLLEGE_WEIGHT_MAX),
        "total": str(COLLEGE_WEIGHT_TOTAL),
        "count_min": COLLEGES_MIN,
        "count_max": COLLEGES_MAX,
        "recommended_min": COLLEGES_RECOMMENDED_MIN,
        "places": WEIGHT_PLACES,
        "input_max": str(WEIGHT_INPUT_MAX),
        "messages": {
            "name_missing": _("Every college needs a name."),
            "name_duplicate": _("The college name '%(name)s' is used twice."),
            "count": _(
                "A cooperative with colleges has between %(min)d and %(max)d of them; "
                "this configuration has %(count)d."
            ),
            "count_low": _("Only %(count)d colleges: at least %(min)d are recommended."),
            "below": _(
                "College '%(name)s' weighs %(weight)s %%, below the legal minimum of %(min)s %%."
            ),
            "above": _(
                "College '%(name)s' weighs %(weight)s %%, above the legal maximum of %(max)s %%."
            ),
            "sum": _("The weights sum to %(total)s %%; they must sum to exactly 100 %%."),
            "weight_missing": _("Give this college a weight."),
            "weight_invalid": _("Enter the weight as a number of percent, such as 25."),
            "weight_range": _("A weight is a number of percent between 0 and 100."),
            "weight_places": _("A weight has at most two decimals."),
            "valid": _("This configuration respects the law: it can be saved."),
        },
        "total_label": _("Total: %(total)s %%"),
        "errors_title": _("This configuration cannot be saved:"),
    }


@page_view
def colleges(request: HttpRequest, slug: str) -> HttpResponse:
    """The colleges-and-weights editor. Only a configuration the service accepts is saved."""
    cooperative, role = cooperative_for(request, slug, manage=True)
    problems: list[dict[str, str]] = []
    warnings: list[dict[str, str]] = []
    reason = ""
    status = 200
    if request.method == "POST":
        parsed = colleges_from_post(request.POST)
        rows, reason = parsed.rows, parsed.reason
        if not parsed.has_row_errors:
            try:
                with transaction.atomic(durable=True):
                    cooperative, _role = access_cooperative(request.user, slug, manage=True)
                    version = services.colleges_configure(
                        actor=signed_in(request),
                        cooperative=cooperative,
                        colleges=parsed.specs,
                        reason=reason,
                    )
            except (NotFound, Forbidden):
                raise
            except DomainError as exc:
                problems = list(
                    exc.details.get("errors")
                    or [
                        {
                            "code": exc.code,
                            "message": exc.message,
                            "subject": exc.details.get("college", ""),
                        }
                    ]
                )
                warnings = list(exc.details.get("warnings") or [])
            else:
                messages.success(
                    request,
                    _("Colleges saved as configuration version %(number)d.")
                    % {"number": version.number},
                )
                return HttpResponseRedirect(_url("board_colleges", slug))
        _attach_problems(rows, problems)
        status = 400
    else:
        current = selectors.college_config_current(cooperative)
        weights = list(current.weights.all()) if current else []
        rows = [
            CollegeRow(i, w.college.name, _weight_text(w.weight)) for i, w in enumerate(weights)
        ]
        rows += [CollegeRow(i) for i in range(len(rows), COLLEGES_MAX)]
    context = {
        "rows": rows,
        "reason": reason,
        "problems": problems,
        "warnings": warnings,
        "rules": college_rules_for_page(),
        "versions": selectors.college_config_versions(cooperative)[:10],
    }
    return render_coop(
        request,
        "frontend/board/colleges.html",
        cooperative,
        role,
        "colleges",
        context,
        status=status,
    )


def _weight_text(weight: Any) -> str:
    normalized = weight.normalize()
    return f"{normalized:f}"


def _attach_problems(rows: list[CollegeRow], problems: list[dict[str, str]]) -> None:
    """Show each problem that names a college next to that college's row too."""
    for problem in problems:
        subject = (problem.get("subject") or "").strip().lower()
        if not subject:
            continue
        for row in rows:
            if row.name.strip().lower() == subject and not row.error:
                row.error = problem["message"]


# Governance rules.


def _rule_bounds(legal_form: str, kind: str) -> dict[str, str]:
    """Beside each field, the value the legal form's preset gives (governance.presets)
    and the range the rules service accepts."""
    defaults = default_rules(legal_form, kind)
    form_label = str(LegalForm(legal_form).label)

    def share(value: Any) -> str:
        if value is None:
            return _("no quorum")
        return percent_text(Fraction(value) * 100, 2)

    bounds: dict[str, str] = {}
    for name in ("quorum_first_call", "quorum_second_call"):
        bounds[name] = _(
            "Default of the legal form (%(form)s): %(default)s. Allowed: above %(min)s and "
            "up to %(max)s; the statutes may raise the legal quorum, not lower it."
        ) % {
            "form": form_label,
            "default": share(defaults[name]),
            "min": percent_text(0),
            "max": percent_text(100),
        }
    bounds["majority"] = _(
        "Default of the legal form (%(form)s): %(default)s. Allowed: above %(min)s and "
        "below %(max)s."
    ) % {
        "form": form_label,
        "default": share(defaults["majority"]),
        "min": percent_text(0),
        "max": percent_text(100),
    }
    for name in ("notice_days_first_call", "notice_days_later_call"):
        bounds[name] = _(
            "Default of the legal form (%(form)s): %(default)s days. Allowed: 0 to 365 days."
        ) % {"form": form_label, "default": defaults[name]}
    return bounds


RULE_KIND_HEADINGS: dict[str, Any] = {
    DecisionKind.ORDINARY: gettext_lazy("Ordinary decisions"),
    DecisionKind.EXTRAORDINARY: gettext_lazy("Extraordinary decisions"),
    DecisionKind.ADVISORY: gettext_lazy("Advisory decisions"),
}


@page_view
def rules(request: HttpRequest, slug: str) -> HttpResponse:
    """The rules of one decision kind at a time (chosen with `?kind=`), each share typed
    as a percentage with the legal form's default and the accepted range beside it."""
    cooperative, role = cooperative_for(request, slug, manage=True)
    current = selectors.rules_current(cooperative)
    by_kind = {r.decision_kind: r for r in current.kinds.all()}
    source = request.POST if request.method == "POST" else request.GET
    kind = source.get("kind", DecisionKind.ORDINARY)
    if kind not in by_kind:
        kind = DecisionKind.ORDINARY
    editing = kind if request.method == "POST" else None
    status = 200
    if editing:
        form = DecisionRulesForm(request.POST, prefix=kind)
    else:
        form = DecisionRulesForm(prefix=kind, initial=DecisionRulesForm.initial_from(by_kind[kind]))
    for name, text in _rule_bounds(cooperative.legal_form, kind).items():
        field = form.fields[name]
        field.help_text = f"{field.help_text} {text}".strip()
    label = str(RULE_KIND_HEADINGS.get(kind, kind))
    if editing:
        if form.is_valid():
            changes = form.changes_from(by_kind[kind])
            if not changes:
                messages.info(request, _("Nothing changed."))
                return HttpResponseRedirect(_url("board_rules", slug) + f"?kind={kind}")
            try:
                with transaction.atomic(durable=True):
                    cooperative, _role = access_cooperative(request.user, slug, manage=True)
                    version = services.rules_update(
                        actor=signed_in(request),
                        cooperative=cooperative,
                        changes={kind: changes},
                        reason=form.cleaned_data["reason"],
                    )
            except (NotFound, Forbidden):
                raise
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(
                    request, _("Rules saved as version %(number)d.") % {"number": version.number}
                )
                return HttpResponseRedirect(_url("board_rules", slug) + f"?kind={kind}")
        status = 400
    context = {
        "current": current,
        "kind": kind,
        "kinds": [(k, str(RULE_KIND_HEADINGS.get(k, k))) for k in DecisionKind.values],
        "forms": [(kind, label, form)],
        "form": form,
        "label": label,
        "editing": editing,
        "versions": selectors.rules_versions(cooperative)[:10],
    }
    return render_coop(
        request, "frontend/board/rules.html", cooperative, role, "rules", context, status=status
    )


@page_view
@require_POST
def rules_composition(request: HttpRequest, slug: str) -> HttpResponse:
    """Whether a breach of the SCIC composition blocks opening assembly votes."""
    cooperative, _role = cooperative_for(request, slug, manage=True)
    block = request.POST.get("block") == "on"
    return perform(
        request,
        lambda: services.rules_update(
            actor=signed_in(request),
            cooperative=cooperative,
            changes={},
            block_votes_on_composition_breach=block,
            reason=request.POST.get("reason", "")[:300],
        ),
        success=_("Rules saved."),
        redirect_to=_url("board_rules", slug),
    )
