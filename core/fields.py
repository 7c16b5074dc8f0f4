"""A model field for exact fractions such as a quorum of 1/5 or a majority of 2/3."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models


def parse_fraction(value: Any) -> Fraction:
    """Accept a Fraction, an int, "2/3", "0.25" or "25%"; never a float."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, (bool, float)):
        raise ValidationError(f"{value!r} is not an exact fraction.")
    if isinstance(value, int):
        return Fraction(value)
    text = str(value).strip()
    try:
        if text.endswith("%"):
            return Fraction(text[:-1].strip()) / 100
        return Fraction(text)
    except (ValueError, ZeroDivisionError) as exc:
        raise ValidationError(f"{value!r} is not an exact fraction such as 2/3 or 0.25.") from exc


def format_fraction(value: Fraction) -> str:
    return f"{value.numerator}/{value.denominator}"


class FractionField(models.CharField[Any, Any]):
    """Stores a Fraction as "numerator/denominator" text, so 2/3 stays exactly 2/3."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> Any:
        return None if value is None else parse_fraction(value)

    def to_python(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        return parse_fraction(value)

    def get_prep_value(self, value: Any) -> Any:
        if value is None or value == "":
            return None
        return format_fraction(parse_fraction(value))

    def value_to_string(self, obj: Any) -> str:
        value = self.value_from_object(obj)
        return "" if value is None else format_fraction(parse_fraction(value))
