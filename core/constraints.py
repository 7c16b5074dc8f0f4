"""Database constraints that several models state alike."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


def reached_has_time(
    name: str, *, state: str, at: str, field: str = "status"
) -> models.CheckConstraint:
    """A row whose `field` is `state` records when it got there: `at` is set."""
    return models.CheckConstraint(
        condition=~Q(**{field: state}) | Q(**{f"{at}__isnull": False}), name=name
    )
