"""Keyset pagination: a page of any list costs the same, however long the list grows.

A page is the `page_size` rows that follow (or precede) a position in the list's own
order. The position is the values of that order in the row at the edge of the page the
client comes from, with the primary key as the last tiebreak, so every row has exactly
one place. The database reads the page from where the position is, through the order's
index when it has one: no COUNT of the whole list and no OFFSET that reads and skips the
rows before the page. The position travels as the `cursor` query parameter of the
`next` and `previous` links, signed, so that a client can follow it but not forge one.

A list whose rows change between two pages neither repeats nor skips a row that stayed:
the next page starts after the last row shown, wherever the rows before it went.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.constants import LOOKUP_SEP
from django.db.models.expressions import OrderBy
from django.utils import formats
from django.utils.translation import gettext_lazy as _
from rest_framework.pagination import BasePagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import replace_query_param

from core.errors import InvalidInput, refusal

InvalidCursor = refusal(
    "InvalidCursor",
    InvalidInput,
    "invalid_cursor",
    _("This page link is not valid for this list; start again from its first page."),
)

# Lists shown with their size are counted up to this many rows, then shown as "1,000+":
# counting 10,000 index entries already cost a page 3 ms at 100,000 members.
COUNT_CAP = 1_000


@dataclass(frozen=True, slots=True)
class CappedCount:
    """How many rows a list holds, counted up to a cap: exact below it, "cap+" beyond, so
    that showing a list's size costs the same however long the list grows."""

    value: int
    capped: bool

    def __str__(self) -> str:
        shown = formats.number_format(self.value, use_l10n=True, force_grouping=True)
        return f"{shown}+" if self.capped else shown


def count_up_to(queryset: models.QuerySet[Any], cap: int = COUNT_CAP) -> CappedCount:
    """The size of `queryset`, read no further than `cap` rows past its start."""
    counted = queryset.order_by()[: cap + 1].count()
    return CappedCount(min(counted, cap), counted > cap)


CURSOR_PARAM = "cursor"
PAGE_SIZE_PARAM = "page_size"
_SALT = "core.pagination.cursor"


@dataclass(frozen=True, slots=True)
class Key:
    """One column of a list's order: the value the page's rows are compared on."""

    alias: str
    expression: Any
    descending: bool
    nullable: bool

    def runs_down(self, backwards: bool) -> bool:
        """Whether the key is read in descending order (its own order, or the reverse
        of it going back)."""
        return self.descending != backwards

    def order(self, backwards: bool) -> OrderBy:
        """This key's order; NULLs sit where PostgreSQL puts them by default (after the
        values ascending, before them descending) on every database."""
        descending = self.runs_down(backwards)
        if not self.nullable:
            return OrderBy(F(self.alias), descending=descending)
        if descending:
            return OrderBy(F(self.alias), descending=True, nulls_first=True)
        return OrderBy(F(self.alias), nulls_last=True)

    def equal(self, value: Any) -> Q:
        if value is None:
            return Q(**{f"{self.alias}__isnull": True})
        return Q(**{self.alias: value})

    def at_or_after(self, value: Any, backwards: bool) -> Q | None:
        """The rows at or after `value`, as a range an index on this key can start from
        (None when NULLs make it no range)."""
        if self.nullable or value is None:
            return None
        return Q(**{f"{self.alias}__{'lte' if self.runs_down(backwards) else 'gte'}": value})

    def after(self, value: Any, backwards: bool) -> Q:
        """The rows that come strictly after `value` in this key's order."""
        if self.runs_down(backwards):  # NULLs first.
            if value is None:
                return Q(**{f"{self.alias}__isnull": False})
            return Q(**{f"{self.alias}__lt": value})
        if value is None:  # Ascending, NULLs last: nothing comes after a NULL.
            return Q(pk__in=[])
        later = Q(**{f"{self.alias}__gt": value})
        return later | Q(**{f"{self.alias}__isnull": True}) if self.nullable else later


def _nullable(model: type[models.Model], path: str) -> bool:
    """Whether the column `path` names can read as NULL from `model`'s rows: a nullable
    field, or a relation on the way that may be missing or many."""
    for part in path.split(LOOKUP_SEP):
        try:
            field: Any = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except FieldDoesNotExist:
            return True  # An annotation or a transform: assume the worst.
        if field.null or not field.concrete or field.many_to_many:
            return True
        if field.is_relation:
            model = field.related_model
    return False


def keys_of(queryset: models.QuerySet[Any]) -> list[Key]:
    """The keys of the queryset's own order (its model's default order when it has
    none), ended by the primary key so that every row has one place."""
    query = queryset.query
    ordering = list(query.order_by) or (
        list(queryset.model._meta.ordering) if query.default_ordering else []
    )
    keys: list[Key] = []
    for position, item in enumerate(ordering):
        alias = f"cursor_key_{position}"
        expression: Any
        if isinstance(item, OrderBy):
            expression, descending = item.expression, item.descending
        elif isinstance(item, str):
            if item == "?":
                raise ValueError("A randomly ordered list cannot be paged by position.")
            descending, expression = item.startswith("-"), F(item.lstrip("-+"))
        elif hasattr(item, "resolve_expression"):  # An expression, ascending.
            expression, descending = item, False
        else:
            raise ValueError(f"Cannot page by the order {item!r}.")
        path = getattr(expression, "name", None) if isinstance(expression, F) else None
        nullable = True if path is None else _nullable(queryset.model, path)
        keys.append(Key(alias, expression, descending, nullable))
        if path in ("pk", queryset.model._meta.pk.name):
            return keys  # Unique already: nothing after it would ever break a tie.
    keys.append(Key(f"cursor_key_{len(keys)}", F("pk"), False, False))
    return keys


def _signature(keys: list[Key]) -> str:
    """What a cursor was made for: one list's order, not another's."""
    described = ",".join(f"{'-' if k.descending else ''}{k.expression!r}" for k in keys)
    return hashlib.sha256(described.encode()).hexdigest()[:12]


def _encode(value: Any) -> Any:
    """A key's value as JSON, keeping its type exactly (microseconds included)."""
    if value is None or isinstance(value, (bool, int, str, float)):
        return value
    if isinstance(value, datetime.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"n": str(value)}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    raise TypeError(f"Cannot page by a value of type {type(value).__name__}.")


_DECODERS: dict[str, Callable[[str], Any]] = {
    "dt": datetime.datetime.fromisoformat,
    "d": datetime.date.fromisoformat,
    "n": decimal.Decimal,
    "u": uuid.UUID,
}


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        ((tag, text),) = value.items()
        return _DECODERS[tag](text)
    return value


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page starts: after (or, going back, before) the row with these values;
    `inclusive` takes that row too (the way back from past the end of a list)."""

    values: tuple[Any, ...]
    backwards: bool = False
    inclusive: bool = False

    def sign(self, keys: list[Key]) -> str:
        payload = {
            "o": _signature(keys),
            "v": [_encode(v) for v in self.values],
            "b": self.backwards,
            "i": self.inclusive,
        }
        return signing.dumps(payload, salt=_SALT, compress=True)

    @classmethod
    def read(cls, cursor: str, keys: list[Key]) -> Position:
        try:
            payload = signing.loads(cursor, salt=_SALT)
            if payload["o"] != _signature(keys) or len(payload["v"]) != len(keys):
                raise InvalidCursor()
            values = tuple(_decode(v) for v in payload["v"])
            return cls(values, bool(payload["b"]), bool(payload["i"]))
        except (signing.BadSignature, KeyError, TypeError, ValueError, decimal.InvalidOperation):
            raise InvalidCursor() from None

    def rows(self, keys: list[Key]) -> Q:
        """The rows past this position in the keys' order (read backwards when going
        back): those after it on the first key, then equal on it and after on the next."""
        found = Q(pk__in=[])
        tied = Q()
        for key, value in zip(keys, self.values, strict=True):
            found |= tied & key.after(value, self.backwards)
            tied &= key.equal(value)
        rows = found | tied if self.inclusive else found
        # Said again as a range of the first key, which the disjunction above hides from
        # the planner: the scan of its index starts at the position, not at the list's start.
        start = keys[0].at_or_after(self.values[0], self.backwards)
        return rows if start is None else start & rows


@dataclass(frozen=True, slots=True)
class PageByPosition:
    """One page of a list, with the cursors of the pages beside it (None at an end)."""

    rows: list[Any]
    next_cursor: str | None
    previous_cursor: str | None


def page_by_position(
    queryset: models.QuerySet[Any], cursor: str | None, size: int
) -> PageByPosition:
    """The `size` rows of `queryset` from the position `cursor` names (the first page when
    it names none), in the queryset's order; an invalid cursor raises InvalidCursor."""
    keys = keys_of(queryset)
    position = Position.read(cursor, keys) if cursor else None
    backwards = position is not None and position.backwards
    queryset = queryset.annotate(**{k.alias: k.expression for k in keys})
    if position is not None:
        queryset = queryset.filter(position.rows(keys))
    queryset = queryset.order_by(*(k.order(backwards) for k in keys))
    try:
        rows = list(queryset[: size + 1])
    except ValidationError:  # A value of the wrong type for its column.
        raise InvalidCursor() from None
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()

    def at(row: Any, **where: bool) -> str:
        return Position(tuple(getattr(row, k.alias) for k in keys), **where).sign(keys)

    # Going forward, there is more after the page when the extra row came, and a way back
    # when the page did not start the list; going back, the other way round.
    more_after = True if backwards else more
    more_before = more if backwards else position is not None
    if rows:
        return PageByPosition(
            rows,
            at(rows[-1]) if more_after else None,
            at(rows[0], backwards=True) if more_before else None,
        )
    if position is not None and not backwards:
        # Past the end (the rows after the position went away): the way back starts at
        # the position itself.
        back = Position(position.values, backwards=True, inclusive=True)
        return PageByPosition(rows, None, back.sign(keys))
    return PageByPosition(rows, None, None)


def page_size_asked(asked: str | None, *, default: int, largest: int) -> int:
    """The page size a client asked for, within bounds; `default` when it asked for none
    or for nonsense."""
    try:
        size = int(asked or "")
    except ValueError:
        return default
    return min(size, largest) if size > 0 else default


class Pagination(BasePagination):
    """Pages of `page_size` rows (50 unless asked, at most 200) linked by `next` and
    `previous`, each a URL with the `cursor` of its position."""

    page_size = 50
    max_page_size = 200

    def paginate_queryset(
        self, queryset: Any, request: Request, view: Any = None
    ) -> list[Any] | None:
        self.request = request
        size = page_size_asked(
            request.query_params.get(PAGE_SIZE_PARAM),
            default=self.page_size,
            largest=self.max_page_size,
        )
        self.page = page_by_position(queryset, request.query_params.get(CURSOR_PARAM), size)
        return self.page.rows

    def _link(self, cursor: str | None) -> str | None:
        if cursor is None:
            return None
        return replace_query_param(self.request.build_absolute_uri(), CURSOR_PARAM, cursor)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "next": self._link(self.page.next_cursor),
                "previous": self._link(self.page.previous_cursor),
                "results": data,
            }
        )


def schema_parameters() -> list[dict[str, Any]]:
    """The query parameters of every list, for the OpenAPI schema."""
    return [
        {
            "name": CURSOR_PARAM,
            "in": "query",
            "required": False,
            "description": "The position of a page, as the `next` or `previous` link of "
            "the page before gives it; none for the first page.",
            "schema": {"type": "string"},
        },
        {
            "name": PAGE_SIZE_PARAM,
            "in": "query",
            "required": False,
            "description": f"Rows per page: {Pagination.page_size} unless asked, at most "
            f"{Pagination.max_page_size}.",
            "schema": {"type": "integer", "minimum": 1, "maximum": Pagination.max_page_size},
        },
    ]
