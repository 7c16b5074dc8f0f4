"""Consent decisions (sociocracy): adopted unless a paramount objection still stands."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from voting.tally.types import JSONValue, TallyInputError, to_jsonable

type ObjectionId = int | str


class ObjectionState(StrEnum):
    RAISED = "raised"
    RESOLVED = "resolved"
    WITHDRAWN = "withdrawn"
    UPHELD = "upheld"


# An objection in one of these states still blocks consent if it is paramount.
STANDING_STATES = frozenset({ObjectionState.RAISED, ObjectionState.UPHELD})


class ConsentOutcome(StrEnum):
    ADOPTED = "adopted"
    BLOCKED = "blocked"


@dataclass(frozen=True, kw_only=True, slots=True)
class Objection:
    id: ObjectionId
    state: ObjectionState
    is_paramount: bool


@dataclass(frozen=True, kw_only=True, slots=True)
class ConsentResult:
    outcome: ConsentOutcome
    adopted: bool
    # Paramount objections still raised or upheld, in input order: each one blocks consent.
    standing_objections: tuple[ObjectionId, ...]
    # Objections still raised or upheld that are not paramount: recorded, never blocking.
    open_concerns: tuple[ObjectionId, ...]

    def to_dict(self) -> dict[str, JSONValue]:
        return to_jsonable(self)


def tally_consent(*, objections: Sequence[Objection]) -> ConsentResult:
    """Adopt when no paramount objection is raised or upheld; resolved or withdrawn ones lapse."""
    ids = [objection.id for objection in objections]
    if len(set(ids)) != len(ids):
        raise TallyInputError("objection ids repeat")
    open_objections = [o for o in objections if ObjectionState(o.state) in STANDING_STATES]
    standing = tuple(o.id for o in open_objections if o.is_paramount)
    outcome = ConsentOutcome.BLOCKED if standing else ConsentOutcome.ADOPTED
    return ConsentResult(
        outcome=outcome,
        adopted=not standing,
        standing_objections=standing,
        open_concerns=tuple(o.id for o in open_objections if not o.is_paramount),
    )
