"""Default governance rules per legal form (DOMAIN.md), with their legal references as data."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from governance.models import (
    AbstentionPolicy,
    DecisionKind,
    EmptyCollegePolicy,
    LegalForm,
    QuorumMode,
    TallyMethod,
)

_COMMON: dict[str, Any] = {
    "tally_method": TallyMethod.PROPORTIONAL,
    "empty_college_policy": EmptyCollegePolicy.REDISTRIBUTE,
    "quorum_mode": QuorumMode.ALL_MEMBERS,
    "proxies_allowed": True,
    "proxy_cap": None,
    "secret_ballot_default": False,
    "notice_days_first_call": 15,
    "notice_days_later_call": 10,
}

_SA: dict[DecisionKind, dict[str, Any]] = {
    DecisionKind.ORDINARY: {
        "abstention_policy": AbstentionPolicy.EXCLUDED,
        "quorum_first_call": Fraction(1, 5),
        "quorum_second_call": None,
        "majority": Fraction(1, 2),
        "majority_strict": True,
        "legal_reference": "C. com. L225-98; loi 47-1775 art. 19 octies; loi 2019-744 "
        "(abstentions are not votes cast)",
    },
    DecisionKind.EXTRAORDINARY: {
        "abstention_policy": AbstentionPolicy.EXCLUDED,
        "quorum_first_call": Fraction(1, 4),
        "quorum_second_call": Fraction(1, 5),
        "majority": Fraction(2, 3),
        "majority_strict": False,
        "legal_reference": "C. com. L225-96; loi 47-1775 art. 19 octies",
    },
}

_SARL: dict[DecisionKind, dict[str, Any]] = {
    DecisionKind.ORDINARY: {
        "abstention_policy": AbstentionPolicy.COUNTED_AGAINST,
        "quorum_first_call": None,
        "quorum_second_call": None,
        "majority": Fraction(1, 2),
        "majority_strict": True,
        "legal_reference": "C. com. L223-29; loi 47-1775 art. 19 octies",
    },
    DecisionKind.EXTRAORDINARY: {
        "abstention_policy": AbstentionPolicy.COUNTED_AGAINST,
        "quorum_first_call": Fraction(1, 4),
        "quorum_second_call": Fraction(1, 5),
        "majority": Fraction(2, 3),
        "majority_strict": False,
        "legal_reference": "C. com. L223-30; loi 47-1775 art. 19 octies",
    },
}

_ADVISORY: dict[str, Any] = {
    "abstention_policy": AbstentionPolicy.EXCLUDED,
    "quorum_first_call": None,
    "quorum_second_call": None,
    "majority": Fraction(1, 2),
    "majority_strict": True,
    "legal_reference": "Advisory: no legal effect; the statutes' internal rules apply",
}

# SAS statutes decide everything; the SA rules are the suggested starting point.
_BY_FORM: dict[LegalForm, dict[DecisionKind, dict[str, Any]]] = {
    LegalForm.SCIC_SA: _SA,
    LegalForm.SCIC_SAS: _SA,
    LegalForm.SCIC_SARL: _SARL,
    LegalForm.OTHER: _SA,
}


def default_rules(legal_form: str, decision_kind: str) -> dict[str, Any]:
    """The DecisionRules field values the law or practice suggests for this form and kind."""
    if decision_kind == DecisionKind.ADVISORY:
        specific = _ADVISORY
    else:
        specific = _BY_FORM[LegalForm(legal_form)][DecisionKind(decision_kind)]
    return {**_COMMON, **specific}
