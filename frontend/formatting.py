"""Localized number formats shared by the template filters and the charts."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _

from core.percent import percent_digits, places_apart


def decimal_of(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _exact(value: Any) -> Fraction | None:
    if isinstance(value, Fraction):
        return value
    number = decimal_of(value)
    return None if number is None else Fraction(number)


def percent_text(value: Any, places: int = 2) -> str:
    """A number of percent, rounded to `places` decimals as core.percent rounds (the rule
    the decision's sentence follows too), trailing zeros dropped, localized."""
    exact = _exact(value)
    if exact is None:
        return ""
    digits = percent_digits(exact, places=places)
    decimals = len(digits.partition(".")[2])
    text = formats.number_format(Decimal(digits), decimal_pos=decimals, use_l10n=True)
    # Translators: a percentage; French puts a no-break space before the sign.
    return _("%(number)s%%") % {"number": text}


def share_text(value: Any, reference: Any = None, places: int = 2) -> str:
    """A share of one (a Fraction or "2/3") as a localized percentage. Beside a
    `reference` (the majority threshold, the required quorum), with decimals enough that
    it never reads equal to a different one and an exact tie reads as one, as the
    decision's sentence words them (core.percent.places_apart)."""
    exact = _share(value)
    if exact is None:
        return ""
    against = _share(reference)
    if against is not None:
        places = places_apart(exact, against, fewest=places)
    return percent_text(exact * 100, places)


def _share(value: Any) -> Fraction | None:
    if isinstance(value, str) and "/" in value:
        return Fraction(value)
    return _exact(value)
