"""Domain errors and the one DRF exception handler that maps them to HTTP."""

from __future__ import annotations

import logging
import sys
from typing import Any, ClassVar

import psycopg
from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import DatabaseError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from psycopg_pool import PoolTimeout
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions as drf_exceptions
from rest_framework import status
from rest_framework.response import Response

logger = logging.getLogger(__name__)


class DomainError(Exception):
    """A rule of the domain refused an action; `code` is stable, `message` is for people."""

    code: ClassVar[str] = "domain_error"
    http_status: ClassVar[int] = status.HTTP_409_CONFLICT
    default_message: ClassVar[Any] = _("The action is not allowed in the current state.")

    def __init__(
        self,
        message: Any = None,
        *,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.message = str(message if message is not None else self.default_message)
        if code is not None:
            self.code = code  # type: ignore[misc]
        self.details = details or {}
        super().__init__(self.message)


def refusal[E: DomainError](name: str, base: type[E], code: str, message: Any = None) -> type[E]:
    """A refusal that only names itself: `Name = refusal("Name", Base, "code", _("..."))`
    defines the subclass `Name` of `Base` with its stable code and, when given, its own
    message, in the module that calls it. A refusal with a docstring, a status or a
    behaviour of its own is written as a class."""
    namespace: dict[str, Any] = {"code": code, "__module__": sys._getframe(1).f_globals["__name__"]}
    if message is not None:
        namespace["default_message"] = message
    made: type[E] = type(name, (base,), namespace)
    return made


class NotFound(DomainError):
    """Missing and not-yours are the same answer, so existence never leaks."""

    code = "not_found"
    http_status = status.HTTP_404_NOT_FOUND
    default_message = _("Not found.")


class InvalidInput(DomainError):
    code = "invalid"
    http_status = status.HTTP_400_BAD_REQUEST
    default_message = _("The input is not valid.")


class Forbidden(DomainError):
    """For acts on an object the person may see but not change."""

    code = "forbidden"
    http_status = status.HTTP_403_FORBIDDEN
    default_message = _("You may not do this.")


class RateLimited(DomainError):
    code = "rate_limited"
    http_status = status.HTTP_429_TOO_MANY_REQUESTS
    default_message = _("Too many requests; try again later.")

    def __init__(self, message: Any = None, *, retry_after: int, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


_DRF_CODES: dict[type[drf_exceptions.APIException], str] = {
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.AuthenticationFailed: "authentication_failed",
    drf_exceptions.PermissionDenied: "forbidden",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.NotAcceptable: "not_acceptable",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.ParseError: "parse_error",
    drf_exceptions.ValidationError: "invalid",
    drf_exceptions.Throttled: "rate_limited",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "details": details or {}}


def request_too_large_body() -> dict[str, Any]:
    message = _("The request body is larger than the server accepts (%(limit)d bytes).") % {
        "limit": settings.DATA_UPLOAD_MAX_MEMORY_SIZE or 0
    }
    return error_body(
        "request_too_large",
        str(message),
        {"max_bytes": settings.DATA_UPLOAD_MAX_MEMORY_SIZE},
    )


def bad_request_body() -> dict[str, Any]:
    return error_body("bad_request", str(_("The request is malformed.")))


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Render every error in one JSON shape: {"code", "message", "details"}."""
    if isinstance(exc, DomainError):
        headers = {}
        if isinstance(exc, RateLimited):
            headers["Retry-After"] = str(exc.retry_after)
        return Response(
            error_body(exc.code, exc.message, exc.details), status=exc.http_status, headers=headers
        )
    if service_unavailable(exc):
        # The client only learns to retry; the operator needs to know which service.
        logger.warning(
            "Answered 503 service_busy: %s: %s", type(exc).__name__, exc.__cause__ or exc
        )
        return Response(
            service_busy_body(),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
            headers={"Retry-After": "1"},
        )
    if isinstance(exc, RequestDataTooBig):
        return Response(request_too_large_body(), status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
    if isinstance(exc, SuspiciousOperation | BadRequest):
        return Response(bad_request_body(), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, Http404 | OverflowError):
        # An id past the database's integer range (SQLite refuses to bind it) names nothing.
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    if not isinstance(exc, drf_exceptions.APIException):
        return None
    code = next((c for k, c in _DRF_CODES.items() if isinstance(exc, k)), "error")
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))  # type: ignore[attr-defined]
    if isinstance(exc, drf_exceptions.ValidationError):
        detail = exc.detail
        # Keys as JSON writes them: a list field's errors are keyed by the item's index.
        details: dict[str, Any] = (
            {str(key): value for key, value in detail.items()}
            if isinstance(detail, dict)
            else {"non_field_errors": detail}
        )
        first = _first_message(detail)
        body = error_body(code, first or str(_("The input is not valid.")), details)
    else:
        body = error_body(code, str(exc.detail))
    return Response(body, status=exc.status_code, headers=headers)


def service_busy_body() -> dict[str, Any]:
    return error_body("service_busy", str(_("The service is busy; try again in a moment.")))


# SQLSTATE classes of a lost or refused connection (08), and of a server shutting down or
# starting up (57P01-57P03): the database is away, the request itself is not at fault.
_CONNECTION_SQLSTATES = ("08", "57P01", "57P02", "57P03")


def service_unavailable(exc: BaseException) -> bool:
    """True when `exc` says a backing service is away or saturated rather than broken:
    no pooled database connection came free in time (DATABASE_POOL_TIMEOUT), the database
    cannot be reached or dropped the connection, or Redis cannot be reached. The client is
    told to retry (503) rather than given a 500."""
    if isinstance(exc, DatabaseError):
        cause = exc.__cause__
        if isinstance(cause, PoolTimeout):
            return True
        if isinstance(cause, psycopg.OperationalError | psycopg.InterfaceError):
            sqlstate = cause.sqlstate
            return sqlstate is None or sqlstate.startswith(_CONNECTION_SQLSTATES)
        return False
    return isinstance(exc, RedisConnectionError | RedisTimeoutError)


def _first_message(detail: Any) -> str | None:
    if isinstance(detail, dict):
        for key, value in detail.items():
            inner = _first_message(value)
            if inner:
                return inner if key == "non_field_errors" else f"{key}: {inner}"
        return None
    if isinstance(detail, list):
        for item in detail:
            inner = _first_message(item)
            if inner:
                return inner
        return None
    return str(detail)
