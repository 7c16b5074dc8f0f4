"""Default governance rules per legal form (DOMAIN.md), with their legal references as data."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.utils.translation import gettext_noop as _noop

from governance.models import DecisionKind, LegalForm
from governance.vocabulary import (
    EXTRAORDINARY_MAJORITY,
    ORDINARY_MAJORITY,
    EmptyCollegePolicy,
    Majority,
    MajorityBase,
    QuorumMode,
    TallyMethod,
)


def _majority(majority: Majority) -> dict[str, Any]:
    return {"majority": majority.value, "majority_strict": majority.strict}


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
        "majority_base_first_call": MajorityBase.VOTES_CAST,
        "majority_base_second_call": MajorityBase.VOTES_CAST,
        "quorum_first_call": Fraction(1, 5),
        "quorum_second_call": None,
        **_majority(ORDINARY_MAJORITY),
        "legal_reference": _noop(
            "C. com. L225-98; loi 47-1775 art. 19 octies; loi 2019-744 "
            "(abstentions are not votes cast)"
        ),
    },
    DecisionKind.EXTRAORDINARY: {
        "majority_base_first_call": MajorityBase.VOTES_CAST,
        "majority_base_second_call": MajorityBase.VOTES_CAST,
        "quorum_first_call": Fraction(1, 4),
        "quorum_second_call": Fraction(1, 5),
        **_majority(EXTRAORDINARY_MAJORITY),
        "legal_reference": "C. com. L225-96; loi 47-1775 art. 19 octies",
    },
}

_SARL: dict[DecisionKind, dict[str, Any]] = {
    DecisionKind.ORDINARY: {
        # More than half of the shares, that is of all the members' votes in a cooperative,
        # on the first consultation; failing that, the majority of the votes cast on the
        # second.
        "majority_base_first_call": MajorityBase.ALL_MEMBERS,
        "majority_base_second_call": MajorityBase.VOTES_CAST,
        "quorum_first_call": None,
        "quorum_second_call": None,
        **_majority(ORDINARY_MAJORITY),
        "legal_reference": _noop(
            "C. com. L223-29 al. 1 (first consultation: more than half of all "
            "the members' votes) and al. 2 (second consultation: majority of the votes cast); "
            "loi 47-1775 art. 19 octies"
        ),
    },
    DecisionKind.EXTRAORDINARY: {
        # Two thirds of the members present or represented: abstentions count against.
        "majority_base_first_call": MajorityBase.PRESENT,
        "majority_base_second_call": MajorityBase.PRESENT,
        "quorum_first_call": Fraction(1, 4),
        "quorum_second_call": Fraction(1, 5),
        **_majority(EXTRAORDINARY_MAJORITY),
        "legal_reference": "C. com. L223-30; loi 47-1775 art. 19 octies",
    },
}

_ADVISORY: dict[str, Any] = {
    "majority_base_first_call": MajorityBase.VOTES_CAST,
    "majority_base_second_call": MajorityBase.VOTES_CAST,
    "quorum_first_call": None,
    "quorum_second_call": None,
    **_majority(ORDINARY_MAJORITY),
    "legal_reference": _noop("Advisory: no legal effect; the statutes' internal rules apply"),
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
