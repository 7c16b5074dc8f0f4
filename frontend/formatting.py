"""Localized number formats shared by the template filters and the charts."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from fractions import Fraction
from typing import Any

from django.utils import formats
from django.utils.translation import gettext as _


def decimal_of(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def percent_text(value: Any, places: int = 2) -> str:
    """A number of percent, rounded to `places` decimals, trailing zeros dropped, localized."""
    number = decimal_of(value)
    if number is None:
        return ""
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_EVEN)
    normalized = rounded.normalize()
    if normalized == normalized.to_integral():
        normalized = normalized.quantize(Decimal(1))
    decimals = max(0, -normalized.as_tuple().exponent)  # type: ignore[operator]
    text = formats.number_format(normalized, decimal_pos=decimals, use_l10n=True)
    # Translators: a percentage; French puts a no-break space before the sign.
    return _("%(number)s%%") % {"number": text}
