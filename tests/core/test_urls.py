"""The URL configuration: no route hides another, so the order of includes is free."""

from __future__ import annotations

from django.urls import Resolver404, get_resolver, resolve

from tests.core.routes import CONVERTER, _walk

SAMPLES = {
    "int": "7",
    "str": "abc",
    "slug": "a-b",
    "uuid": "12345678-1234-1234-1234-123456789012",
    "path": "x/y",
}


def _sample_path(route: str) -> str:
    return "/" + CONVERTER.sub(lambda match: SAMPLES[match["conv"] or "str"], route)


def test_every_route_resolves_to_itself() -> None:
    # config/urls.py puts voting's API first because casting is the busiest request; that
    # is safe only while no route of one app matches a path meant for another's.
    routes = [
        route
        for route, _pattern in _walk(get_resolver().url_patterns)
        if not any(mark in route for mark in ("^", "(?", "\\"))  # regular expressions
    ]
    assert len(routes) > 400
    hidden = []
    for route in routes:
        try:
            found = resolve(_sample_path(route)).route
        except Resolver404:
            found = "no match"
        if found != route:
            hidden.append((route, found))
    assert hidden == []
