"""What the plumbing reads of a person, without importing the model that defines one."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol


class PersonLike(Protocol):
    """A signed-in person as core uses one (`governance.models.Person` is the one kind):
    an id to file rows under, an address and a language to write to, a calendar epoch."""

    pk: Any
    email: str
    language: str
    calendar_epoch: int

    def refresh_from_db(
        self,
        using: str | None = None,
        fields: Iterable[str] | None = None,
        from_queryset: Any = None,
    ) -> None: ...
