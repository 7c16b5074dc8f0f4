"""Validate a ballot's choice for its vote method and put it in one canonical stored form."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.utils.translation import gettext as _

from core.errors import InvalidInput
from voting.models import ConsentChoice, ResolutionChoice, VoteMethod

MAX_OPTIONS = 20
MAX_GRADES = 10
MAX_LABEL = 200


class InvalidChoice(InvalidInput):
    code = "invalid_choice"


def canonical_choice(
    *, method: str, options: Sequence[str], grades: Sequence[str], choice: Any
) -> Any:
    """Return the stored form of `choice`, or raise InvalidChoice saying what is wrong.

    Equal ballots get equal stored forms (same keys in the same order, options in the
    vote's order), so that a tally can count them with one GROUP BY.
    """
    if method == VoteMethod.RESOLUTION:
        return _one_of(choice, ResolutionChoice.values)
    if method == VoteMethod.CONSENT:
        return _one_of(choice, ConsentChoice.values)
    if method == VoteMethod.APPROVAL:
        return _approval(choice, options)
    if method == VoteMethod.MAJORITY_JUDGMENT:
        return _grades(choice, options, grades)
    if method == VoteMethod.RANKED:
        return _ranking(choice, options)
    raise InvalidChoice(_("Unknown vote method."))


def _one_of(choice: Any, allowed: Sequence[str]) -> str:
    if not isinstance(choice, str) or choice not in allowed:
        raise InvalidChoice(
            _("Choose one of: %(allowed)s.") % {"allowed": ", ".join(allowed)},
            details={"allowed": list(allowed)},
        )
    return choice


def _known_option(label: Any, options: Sequence[str]) -> str:
    if not isinstance(label, str) or label not in options:
        raise InvalidChoice(
            _("'%(label)s' is not an option of this vote.") % {"label": str(label)[:MAX_LABEL]},
            details={"options": list(options)},
        )
    return label


def _approval(choice: Any, options: Sequence[str]) -> list[str]:
    if not isinstance(choice, list):
        raise InvalidChoice(_("An approval ballot is a list of the options you approve."))
    approved = {_known_option(label, options) for label in choice}
    if len(approved) != len(choice):
        raise InvalidChoice(_("An option is approved twice."))
    return [option for option in options if option in approved]


def _grades(choice: Any, options: Sequence[str], grades: Sequence[str]) -> dict[str, str]:
    if not isinstance(choice, dict):
        raise InvalidChoice(
            _("A majority judgment ballot gives a grade to each option."),
            details={"grades": list(grades)},
        )
    for label, grade in choice.items():
        _known_option(label, options)
        if not isinstance(grade, str) or grade not in grades:
            raise InvalidChoice(
                _("'%(grade)s' is not a grade of this vote.") % {"grade": str(grade)[:MAX_LABEL]},
                details={"grades": list(grades)},
            )
    # An option left without a grade gets the worst one (Balinski and Laraki).
    return {option: choice.get(option, grades[0]) for option in options}


def _ranking(choice: Any, options: Sequence[str]) -> list[list[str]]:
    if not isinstance(choice, list) or not choice:
        raise InvalidChoice(
            _("A ranked ballot lists options best first; a list inside it marks a tie.")
        )
    seen: set[str] = set()
    ranking: list[list[str]] = []
    for item in choice:
        group = item if isinstance(item, list) else [item]
        labels = [_known_option(label, options) for label in group]
        if seen.intersection(labels) or len(set(labels)) != len(labels):
            raise InvalidChoice(_("An option is ranked twice."))
        seen.update(labels)
        if labels:
            ranking.append([option for option in options if option in labels])
    if not ranking:
        raise InvalidChoice(_("Rank at least one option."))
    return ranking


def validate_options(*, method: str, options: Any, grades: Any) -> None:
    """Refuse option and grade lists that do not fit the method."""
    needs_options = method in (VoteMethod.MAJORITY_JUDGMENT, VoteMethod.APPROVAL, VoteMethod.RANKED)
    if not needs_options:
        if options or grades:
            raise InvalidInput(
                code="options_not_used", message=_("This vote method takes no options or grades.")
            )
        return
    _labels(options, minimum=2, maximum=MAX_OPTIONS, what="options")
    if method == VoteMethod.MAJORITY_JUDGMENT:
        _labels(grades, minimum=2, maximum=MAX_GRADES, what="grades")
    elif grades:
        raise InvalidInput(
            code="options_not_used", message=_("Only majority judgment uses grades.")
        )


def _labels(values: Any, *, minimum: int, maximum: int, what: str) -> None:
    if (
        not isinstance(values, list)
        or not minimum <= len(values) <= maximum
        or any(not isinstance(v, str) or not v.strip() or len(v) > MAX_LABEL for v in values)
        or len({v.strip() for v in values}) != len(values)
    ):
        values_dict = {"min": minimum, "max": maximum, "len": MAX_LABEL}
        if what == "grades":
            message = _(
                "Give between %(min)d and %(max)d distinct, non-empty grades of at most "
                "%(len)d characters."
            )
        else:
            message = _(
                "Give between %(min)d and %(max)d distinct, non-empty options of at most "
                "%(len)d characters."
            )
        raise InvalidInput(
            code=f"invalid_{what}", message=message % values_dict, details={"field": what}
        )
