"""Versioned governance rules per decision kind."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from governance.errors import MajorityOutOfRange, QuorumOutOfRange, UnknownDecisionKind
from governance.models import Cooperative, DecisionKind, DecisionRules, Person, RulesVersion
from governance.permissions import require_board
from governance.services._common import _audit

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

    require_board(actor, cooperative)
    Cooperative.objects.select_for_update().filter(pk=cooperative.pk).first()
    current = rules_current(cooperative)
    unknown = set(changes) - set(DecisionKind.values)
    if unknown:
        raise UnknownDecisionKind(
            _("Unknown decision kind: %(k)s") % {"k": ", ".join(unknown)},
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
                raise QuorumOutOfRange(
                    details={"decision_kind": old.decision_kind, "field": key},
                )
        if not (Fraction(0) < Fraction(values["majority"]) < 1):
            raise MajorityOutOfRange(
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
