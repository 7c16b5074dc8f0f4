"""Helpers shared by the page views: access, domain errors, actions and paging."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    QueryDict,
)
from django.shortcuts import render
from django.urls import reverse

from core.errors import DomainError, Forbidden, InvalidInput, NotFound, RateLimited
from core.pagination import InvalidCursor, page_by_position
from governance.models import Cooperative, Person
from governance.permissions import CooperativeRole, access_cooperative

PAGE_SIZE = 50


def assembly_url(pk: int, name: str = "assembly") -> str:
    """The address of one of an assembly's pages."""
    return reverse(f"frontend:{name}", kwargs={"pk": pk})


def optional_id(data: QueryDict, name: str) -> int | None:
    """A positive id posted in a form field, or None when it is absent or not one."""
    value = data.get(name, "")
    return int(value) if value.isdigit() and 0 < int(value) < 2**63 else None


def page_view[ViewFunc: Callable[..., HttpResponse]](view: ViewFunc) -> ViewFunc:
    """Sign-in required; a domain NotFound becomes a 404 page and Forbidden a 403 page.

    Other domain errors are the view's to show, next to the form that caused them.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(exc.message) from exc
        except Forbidden as exc:
            if exc.code == "mfa_required":
                return mfa_setup_redirect(request, exc.message)
            raise PermissionDenied(exc.message) from exc

    return cast(ViewFunc, login_required(wrapper))


def mfa_setup_redirect(request: HttpRequest, message: str) -> HttpResponse:
    """A board member the cooperative requires to use two-factor authentication is sent to
    set it up, and comes back to the page they asked for."""
    from urllib.parse import urlencode

    messages.warning(request, message)
    query = urlencode({"next": request.get_full_path()})
    return HttpResponseRedirect(f"{reverse('mfa_activate_totp')}?{query}")


def signed_in(request: HttpRequest) -> Person:
    """The person signed in: page_view has sent everyone else to the sign-in page."""
    return cast(Person, request.user)


def cooperative_for(
    request: HttpRequest, slug: str, *, manage: bool = False
) -> tuple[Cooperative, CooperativeRole]:
    """The cooperative the signed-in person may read (404 otherwise); board-only with manage."""
    return access_cooperative(request.user, slug, manage=manage)


def render_coop(
    request: HttpRequest,
    template: str,
    cooperative: Cooperative,
    role: CooperativeRole,
    section: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
) -> HttpResponse:
    """Render a page of one cooperative; `section` marks the current link of its menu."""
    full = {"coop": cooperative, "role": role, "section": section, **(context or {})}
    return render(request, template, full, status=status)


def is_fetch(request: HttpRequest) -> bool:
    """True for a form the page's script sent in the background (it wants JSON back)."""
    return request.headers.get("X-Requested-With") == "fetch"


def perform(
    request: HttpRequest,
    action: Callable[[], Any],
    *,
    success: str,
    redirect_to: str,
) -> HttpResponse:
    """Run one write in its own durable transaction and come back with its outcome.

    A refusal of the domain shows its message on the page the person comes back to (or,
    for a background form, in a JSON answer); "not found" keeps its status, as for a page.
    """
    try:
        with transaction.atomic(durable=True):
            action()
    except NotFound:
        raise
    except DomainError as exc:
        return refusal(request, exc, redirect_to=redirect_to)
    if is_fetch(request):
        return JsonResponse({"ok": True, "message": success})
    messages.success(request, success)
    return HttpResponseRedirect(redirect_to)


def refusal(request: HttpRequest, exc: DomainError, *, redirect_to: str) -> HttpResponse:
    """Tell the person why the domain refused, keeping the page they were on."""
    if is_fetch(request):
        headers = {}
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
        return JsonResponse(
            {"ok": False, "code": exc.code, "message": exc.message},
            status=exc.http_status,
            headers=headers,
        )
    messages.error(request, exc.message)
    return HttpResponseRedirect(redirect_to)


def form_refusal(request: HttpRequest, message: str, *, redirect_to: str) -> HttpResponse:
    """A form that could not even be read: say so like a refusal of the domain."""
    return refusal(request, InvalidInput(message), redirect_to=redirect_to)


@dataclass(frozen=True)
class WebPage:
    """One page of a list on a web page: its rows, and the query strings of the pages
    before and after it (the same query with the position of the page), None at an end."""

    object_list: list[Any]
    previous_query: str | None
    next_query: str | None

    @property
    def has_other_pages(self) -> bool:
        return bool(self.previous_query or self.next_query)


def paginate(
    request: HttpRequest,
    items: Any,
    per_page: int = PAGE_SIZE,
    *,
    param: str = "cursor",
    forget: tuple[str, ...] = (),
) -> WebPage:
    """The page of the queryset `items` at the position the `param` query parameter names
    (the first page when it names none or is not valid): read by position, so that no
    page costs more than the first however long the list (core.pagination). The links
    keep the page's query but the parameters `forget` names (a one-off action's)."""
    try:
        page = page_by_position(items, request.GET.get(param), per_page)
    except InvalidCursor:
        page = page_by_position(items, None, per_page)

    def query(cursor: str | None) -> str | None:
        if cursor is None:
            return None
        asked = request.GET.copy()
        for name in forget:
            asked.pop(name, None)
        asked[param] = cursor
        return asked.urlencode()

    return WebPage(page.rows, query(page.previous_cursor), query(page.next_cursor))
