"""Who acts when no person does: the system actor of the timed jobs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar


@dataclass(frozen=True)
class SystemActor:
    """The scheduler, acting on what the board already decided (a vote's opening and
    closing times, the end of a board term). It is never a person: it has no id, holds no
    grant, and its audit entries have no actor and say `"system": <name>` in their data."""

    name: str = "scheduler"
    pk: ClassVar[None] = None
    is_authenticated: ClassVar[bool] = False
    is_active: ClassVar[bool] = False
    is_superuser: ClassVar[bool] = False

    def __str__(self) -> str:
        return f"system ({self.name})"


SCHEDULER = SystemActor("scheduler")


def is_system(actor: object) -> bool:
    return isinstance(actor, SystemActor)
