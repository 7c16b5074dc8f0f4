"""The API's operations, from the URL resolver, with their paths filled from real objects."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from deliberation.models import Amendment, Comment, Proposal
from governance.models import Member, Membership
from voting.models import Vote
from webhooks.models import Endpoint

CONVERTER = re.compile(r"<(?:(?P<conv>\w+):)?(?P<name>\w+)>")


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def operations(methods: tuple[str, ...]) -> list[tuple[str, str]]:
    """(method, route) of every API operation answering one of `methods`."""
    found = []
    for route, pattern in _walk(get_resolver().url_patterns):
        view_class = getattr(pattern.callback, "cls", None)
        if not route.startswith("api/") or view_class is None:
            continue
        for method in methods:
            if hasattr(view_class, method):
                found.append((method.upper(), route))
    return found


def write_operations() -> list[tuple[str, str]]:
    return operations(("post", "put", "patch", "delete"))


def read_operations() -> list[tuple[str, str]]:
    return operations(("get",))


def _pk(queryset: Any) -> int:
    found = queryset.first()
    return found.pk if found is not None else 1


def ids_in(slug: str) -> dict[str, int]:
    """Real objects of the cooperative, keyed by the path segment that precedes their id,
    so that requests reach the operations instead of stopping at a 404."""
    return {
        "proposals": _pk(Proposal.objects.filter(cooperative__slug=slug)),
        "comments": _pk(Comment.objects.filter(proposal__cooperative__slug=slug)),
        "votes": _pk(Vote.objects.filter(status="open")),
        "amendments": _pk(Amendment.objects.all()),
        "memberships": _pk(Membership.objects.filter(cooperative__slug=slug)),
        "members": _pk(Member.objects.all()),
        "endpoints": _pk(Endpoint.objects.all()),
    }


def fill(route: str, ids: dict[str, int], slug: str) -> str:
    segments = route.split("/")
    out = []
    for index, segment in enumerate(segments):
        match = CONVERTER.fullmatch(segment)
        if match is None:
            out.append(segment)
        elif match["name"] == "slug":
            out.append(slug)
        elif match["name"] == "kind":
            out.append("agree")
        elif match["name"] == "msg_id":
            out.append("msg_unknown")
        else:
            out.append(str(ids.get(segments[index - 1], 1)))
    return "/" + "/".join(out)
