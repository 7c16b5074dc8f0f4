"""API conventions shared by every app: pagination, error component, base view."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.response import Response

from core.pagination import Pagination

__all__ = ["ErrorSerializer", "Pagination", "page_of", "paginate", "person_of"]


class ErrorSerializer(serializers.Serializer[Any]):
    """The one shape of every error answer."""

    code = serializers.CharField(help_text="Stable machine-readable code, e.g. `vote_closed`.")
    message = serializers.CharField(help_text="Human-readable explanation, localized.")
    details = serializers.DictField(
        child=serializers.JSONField(), help_text="Field errors or facts about the refusal."
    )


def paginate(
    view: Any, queryset: Any, serializer_class: type[serializers.Serializer[Any]]
) -> Response:
    """Page a queryset with the view's paginator and render it with `serializer_class`."""
    paginator = Pagination()
    page: Any = paginator.paginate_queryset(queryset, view.request, view=view)
    assert page is not None
    return paginator.get_paginated_response(
        serializer_class(page, many=True, context={"request": view.request}).data
    )


_PAGE_SERIALIZERS: dict[str, type[serializers.Serializer[Any]]] = {}


def page_of(item: type[serializers.Serializer[Any]] | serializers.Serializer[Any]) -> Any:
    """The schema of one page of `item`s, as `paginate()` renders it."""
    item_class = item if isinstance(item, type) else type(item)
    name = f"Paginated{item_class.__name__}List"
    if name not in _PAGE_SERIALIZERS:
        _PAGE_SERIALIZERS[name] = type(
            name,
            (serializers.Serializer,),
            {
                "next": serializers.URLField(
                    allow_null=True, help_text="The next page, or null on the last."
                ),
                "previous": serializers.URLField(
                    allow_null=True, help_text="The page before, or null on the first."
                ),
                "results": item_class(many=True),
                "__module__": __name__,
                "is_page": True,
            },
        )
    return _PAGE_SERIALIZERS[name]


def person_of(request: Any) -> Any:
    """The authenticated person of a request, for services' `actor` argument.

    Views run behind IsAuthenticated, so an anonymous user never reaches a service.
    """
    user = request.user
    if not getattr(user, "is_authenticated", False):
        from rest_framework.exceptions import NotAuthenticated

        raise NotAuthenticated()
    return user
