"""Error pages: JSON in the one error shape under /api/, HTML elsewhere."""

from __future__ import annotations

import sys
from typing import Any

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt

from core.errors import (
    bad_request_body,
    error_body,
    request_too_large_body,
    service_busy_body,
    service_unavailable,
)


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _not_found(request: HttpRequest) -> JsonResponse:
    details: dict[str, Any] = {}
    if not request.path.endswith("/"):
        # Every route of the API ends with a slash: say so rather than redirect, since a
        # redirected POST loses its body.
        try:
            match = resolve(request.path + "/")
        except Resolver404:
            pass
        else:
            if match.func is not api_not_found:
                details["did_you_mean"] = request.path + "/"
    return JsonResponse(error_body("not_found", str(_("Not found.")), details), status=404)


@csrf_exempt
def api_not_found(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """The last route under /api/: an unknown API path answers JSON even with DEBUG on,
    where Django would otherwise show its HTML page. It changes nothing, so the CSRF check
    (which would answer an HTML 403 first) has nothing to protect."""
    return _not_found(request)


def bad_request(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _is_api(request):
        if isinstance(exception, RequestDataTooBig):
            return JsonResponse(request_too_large_body(), status=413)
        return JsonResponse(bad_request_body(), status=400)
    return defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Any = None) -> HttpResponse:
    if _is_api(request):
        return _not_found(request)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    """Called while the exception is being handled: a backing service that is away (the
    database, Redis) is a 503 to retry, wherever it was raised, never a 500."""
    exc = sys.exc_info()[1]
    if exc is not None and service_unavailable(exc):
        if _is_api(request):
            response: HttpResponse = JsonResponse(service_busy_body(), status=503)
        else:
            text = _("The service is busy; try again in a moment.")
            response = HttpResponse(text, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = "1"
        return response
    if _is_api(request):
        return JsonResponse(error_body("server_error", str(_("Internal error."))), status=500)
    return defaults.server_error(request)


# allauth's limits on its pages (sign-up, password reset, e-mail) count per minute.
PAGE_RATE_LIMIT_RETRY_SECONDS = 60


def too_many_requests(request: HttpRequest, exception: Any = None) -> HttpResponse:
    """A rate limit of the account pages was hit: a page saying so, status 429."""
    from django.shortcuts import render

    if _is_api(request):
        response: HttpResponse = JsonResponse(
            error_body("rate_limited", str(_("Too many requests; try again later."))), status=429
        )
    else:
        response = render(request, "429.html", status=429)
    response["Retry-After"] = str(PAGE_RATE_LIMIT_RETRY_SECONDS)
    return response
