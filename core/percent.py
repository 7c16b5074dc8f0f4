"""The one rounding rule for percentages: from the exact value, half away from zero."""

from __future__ import annotations

from fractions import Fraction

# Beyond this many decimals a percentage is written as it rounds, even next to a reference.
MOST_PLACES = 4


def decimal_str(value: Fraction, *, places: int) -> str:
    """Decimal form rounded half away from zero, computed with integers only."""
    value = Fraction(value)
    scale = 10**places
    quotient, remainder = divmod(abs(value.numerator) * scale, value.denominator)
    if 2 * remainder >= value.denominator:
        quotient += 1
    sign = "-" if value < 0 and quotient else ""
    digits = str(quotient).rjust(places + 1, "0")
    if places == 0:
        return f"{sign}{digits}"
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def percent_digits(value: Fraction, *, places: int) -> str:
    """A number of percent (58 for 58 %) rounded to `places` decimals, trailing zeros
    dropped, with a dot: the digits every page and every sentence show."""
    text = decimal_str(Fraction(value), places=places)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def percent_str(value: Fraction) -> str:
    """A share of one as a percentage with four decimals, the JSON form: 29/50 -> "58.0000"."""
    return decimal_str(Fraction(value) * 100, places=MOST_PLACES)


def format_percent(value: Fraction, *, places: int = 1) -> str:
    """A share of one as a percentage without trailing zeros: 29/50 -> "58 %", 1/3 -> "33.3 %"."""
    return f"{percent_digits(Fraction(value) * 100, places=places)} %"


def places_apart(value: Fraction, reference: Fraction, *, fewest: int) -> int:
    """Decimals enough, from `fewest`, that a share never reads equal to a different
    reference (a support just above the threshold never shows as the threshold), while
    an exact tie reads as one."""
    value, reference = Fraction(value), Fraction(reference)
    for places in range(fewest, MOST_PLACES):
        if value == reference or percent_digits(value * 100, places=places) != percent_digits(
            reference * 100, places=places
        ):
            return places
    return max(fewest, MOST_PLACES)
