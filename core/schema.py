"""OpenAPI generation: every operation documents its error answers."""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from core.api import ErrorSerializer
from core.pagination import schema_parameters

_ERRORS_ALWAYS = {
    "400": "The input is not valid (code `invalid`, field details in `details`), or the body "
    "is not JSON, is not in its declared character set or nests deeper than 64 levels (code "
    "`parse_error`), or a list's `cursor` is not one its links gave (code `invalid_cursor`).",
    "401": "Not authenticated.",
    "403": "Authenticated but not allowed.",
    "404": "Missing, or not visible to you (the same answer for both).",
    "405": "Method not allowed.",
    "406": "Not acceptable.",
    "415": "Unsupported media type.",
    "503": "Every database connection of the server is busy, or the database cannot be "
    "reached (code `service_busy`); retry after the Retry-After header.",
}
_ERRORS_WRITE = {
    "409": "A rule of the domain refused the action; `code` says which.",
    "413": "The body is larger than the server accepts (code `request_too_large`).",
    "429": "Rate limited; see the Retry-After header.",
}


class AutoSchema(SpectacularAutoSchema):
    def get_serializer_name(self, serializer: Any, direction: Any) -> str:
        """Name nested serializers after their view, so that the many `InputSerializer`s and
        `OutputSerializer`s of one-view-per-operation become distinct components."""
        cls: type = serializer.__class__
        outer = cls.__qualname__.split(".")[0]
        if outer != cls.__name__:
            return outer.removesuffix("Api") + cls.__name__.removesuffix("Serializer")
        return cls.__name__

    def _get_pagination_parameters(self) -> list[dict[str, Any]]:
        """A list answers pages whichever way its view is written: `cursor` and `page_size`
        are documented wherever the answer is a page."""
        if self.method == "GET" and getattr(self._answer_of_200(), "is_page", False):
            return schema_parameters()
        inherited: list[dict[str, Any]] = super()._get_pagination_parameters()  # type: ignore[no-untyped-call]
        return inherited

    def _answer_of_200(self) -> Any:
        responses = self.get_response_serializers()
        answer = responses.get(200) if isinstance(responses, dict) else responses
        return answer if isinstance(answer, type) else type(answer)

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        errors = dict(_ERRORS_ALWAYS)
        if self.method not in ("GET", "HEAD", "OPTIONS"):
            errors.update(_ERRORS_WRITE)
        for status_code, description in errors.items():
            if status_code in responses:
                continue
            responses[status_code] = self._get_response_for_code(  # type: ignore[no-untyped-call]
                ErrorSerializer, status_code, direction=direction
            )
            responses[status_code]["description"] = description
        return responses
