"""Plain-language explanation of a result, in the active language, from its stored parts."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.percent import format_percent, places_apart
from governance.vocabulary import (
    EXTRAORDINARY_MAJORITY,
    ORDINARY_MAJORITY,
    MajorityBase,
    QuorumMode,
)

# A sentence gives percentages to one decimal, more where a figure sits next to its threshold.
SENTENCE_PLACES = 1


def explain(parts: Mapping[str, Any]) -> str:
    """One sentence saying what was decided and by which rules, e.g. "Adopted: 58 % weighted
    support, ordinary majority above 50 %; quorum 31 % of 40 members, above 20 %."."""
    if parts.get("kind") == "resolution":
        return _resolution(parts)
    return _other(parts)


def explain_en(parts: Mapping[str, Any]) -> str:
    """The English form, the one a Decision records."""
    with translation.override("en"):
        return explain(parts)


def _pct(value: Fraction, *, places: int = SENTENCE_PLACES) -> str:
    text = format_percent(value, places=places)
    separator = str(formats.get_format("DECIMAL_SEPARATOR"))
    return text.replace(".", separator)


def _pct_apart(value: Fraction, reference: Fraction) -> str:
    """Enough decimals that a value never reads equal to a different threshold."""
    return _pct(value, places=places_apart(value, reference, fewest=SENTENCE_PLACES))


def _frac(value: Any) -> Fraction | None:
    return None if value is None else Fraction(value)


def _resolution(parts: Mapping[str, Any]) -> str:
    quorum = quorum_clause(
        mode=parts["quorum_mode"],
        ratio=Fraction(parts["quorum_ratio"]),
        required=_frac(parts["quorum_required"]),
        lowest_name=parts["quorum_lowest_college_name"],
        eligible=parts["eligible"],
    )
    outcome = parts["outcome"]
    if outcome == "quorum_not_reached":
        return _("Not adopted: %(quorum)s.") % {"quorum": quorum}
    if outcome == "no_votes_cast":
        return _("Not adopted: no votes cast; %(quorum)s.") % {"quorum": quorum}
    if outcome == "empty_college":
        return _(
            "Not adopted: no votes cast in %(colleges)s, and the statutes make a college "
            "without votes fail the resolution, so no support was decided; %(quorum)s."
        ) % {"colleges": ", ".join(parts["empty_college_names"]), "quorum": quorum}
    value = Fraction(parts["majority_value"])
    strict = bool(parts["majority_strict"])
    threshold = _pct(value)
    if (value, strict) == ORDINARY_MAJORITY:
        majority = _("ordinary majority above %(threshold)s") % {"threshold": threshold}
    elif (value, strict) == EXTRAORDINARY_MAJORITY:
        majority = _("extraordinary majority of at least %(threshold)s") % {"threshold": threshold}
    elif strict:
        majority = _("required majority above %(threshold)s") % {"threshold": threshold}
    else:
        majority = _("required majority of at least %(threshold)s") % {"threshold": threshold}
    if parts.get("majority_base") == MajorityBase.ALL_MEMBERS:
        majority = _("%(majority)s of all the members on the roll") % {"majority": majority}
    values = {
        "support": _pct_apart(Fraction(parts["support"]), value),
        "majority": majority,
        "quorum": quorum,
    }
    return _resolution_sentence(parts, values) + _silent_colleges(parts)


def _resolution_sentence(parts: Mapping[str, Any], values: Mapping[str, str]) -> str:
    outcome = parts["outcome"]
    if parts.get("one_member_one_vote"):
        if outcome == "adopted":
            return (
                _("Adopted: %(support)s support, one member one vote, %(majority)s; %(quorum)s.")
                % values
            )
        return (
            _(
                "Rejected: %(support)s support, one member one vote, %(majority)s not reached; "
                "%(quorum)s."
            )
            % values
        )
    # Results stored before one_member_one_vote was recorded only tell the college count.
    weighted = parts["college_count"] > 1
    if outcome == "adopted":
        if weighted:
            return _("Adopted: %(support)s weighted support, %(majority)s; %(quorum)s.") % values
        return _("Adopted: %(support)s support, %(majority)s; %(quorum)s.") % values
    if weighted:
        return (
            _("Rejected: %(support)s weighted support, %(majority)s not reached; %(quorum)s.")
            % values
        )
    return _("Rejected: %(support)s support, %(majority)s not reached; %(quorum)s.") % values


def _silent_colleges(parts: Mapping[str, Any]) -> str:
    """Say when the per-registered-member tally left a college where nobody voted aside."""
    if parts.get("empty_college_policy_applied") != "dropped_by_method":
        return ""
    return " " + _(
        "Per registered member, a member who does not vote does not count: nobody voted in "
        "%(colleges)s, which weighs on neither side."
    ) % {"colleges": ", ".join(parts["empty_college_names"])}


def quorum_clause(
    *,
    mode: str,
    ratio: Fraction,
    required: Fraction | None,
    lowest_name: str | None,
    eligible: int,
) -> str:
    members = ngettext("%(count)d member", "%(count)d members", eligible) % {"count": eligible}
    if required is None:
        return _("turnout %(ratio)s of %(members)s, no quorum required") % {
            "ratio": _pct(ratio),
            "members": members,
        }
    if ratio > required:
        comparison = _("above %(required)s")
    elif ratio == required:
        comparison = _("exactly at %(required)s")
    else:
        comparison = _("below %(required)s")
    values = {
        "ratio": _pct_apart(ratio, required),
        "members": members,
        "comparison": comparison % {"required": _pct(required)},
        "college": lowest_name or "",
    }
    if mode == QuorumMode.PER_COLLEGE:
        return (
            _(
                "quorum in each college of %(members)s, lowest %(ratio)s (%(college)s), "
                "%(comparison)s"
            )
            % values
        )
    if mode == QuorumMode.WEIGHTED:
        return _("weighted quorum %(ratio)s of %(members)s, %(comparison)s") % values
    return _("quorum %(ratio)s of %(members)s, %(comparison)s") % values


def _other(parts: Mapping[str, Any]) -> str:
    q = parts["quorum"]
    quorum = quorum_clause(
        mode=q["mode"],
        ratio=Fraction(q["ratio"]),
        required=_frac(q["required"]),
        lowest_name=q.get("lowest_college_name"),
        eligible=parts["eligible"],
    )
    outcome = parts["outcome"]
    kind = parts["kind"]
    if outcome == "quorum_not_reached":
        return _("Not decided: %(quorum)s.") % {"quorum": quorum}
    if kind == "consent":
        if outcome == "adopted":
            return _("Adopted by consent: no paramount objection stands; %(quorum)s.") % {
                "quorum": quorum
            }
        return ngettext(
            "Not adopted: %(count)d paramount objection stands; %(quorum)s.",
            "Not adopted: %(count)d paramount objections stand; %(quorum)s.",
            parts["standing"],
        ) % {"count": parts["standing"], "quorum": quorum}
    if outcome == "no_votes_cast":
        return _("No decision: no votes cast; %(quorum)s.") % {"quorum": quorum}
    winners = parts["winners"]
    if outcome == "tie":
        return _("No single winner: %(options)s tie; %(quorum)s.") % {
            "options": ", ".join(winners),
            "quorum": quorum,
        }
    values = {"option": winners[0], "quorum": quorum}
    if kind == "majority_judgment":
        return _(
            'Majority judgment: %(option)s wins with the majority grade "%(grade)s"; %(quorum)s.'
        ) % {**values, "grade": parts["grade"]}
    if kind == "approval":
        return _(
            "Approval: %(option)s wins, approved by %(score)s of the weighted voters; %(quorum)s."
        ) % {**values, "score": _pct(Fraction(parts["score"]))}
    return _("Schulze method: %(option)s wins; %(quorum)s.") % values
