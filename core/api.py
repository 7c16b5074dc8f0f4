"""API conventions shared by every app: pagination, error component, base view."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_paginated_response(self, data: Any) -> Response:
        assert self.page is not None
        return Response(
            {
                "count": self.page.paginator.count,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )


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
                "count": serializers.IntegerField(),
                "next": serializers.URLField(allow_null=True),
                "previous": serializers.URLField(allow_null=True),
                "results": item_class(many=True),
                "__module__": __name__,
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
