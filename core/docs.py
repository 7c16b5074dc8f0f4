"""The browsable API documentation: Swagger UI served from this server's static files.

The page works without internet (the drf-spectacular-sidecar package ships Swagger UI),
and under the site's Content-Security-Policy: its start-up script is a separate request
(SpectacularSwaggerSplitView) and its page styles a static file, so nothing inline runs.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.csp import CSP
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.request import Request
from rest_framework.response import Response


class ApiDocsView(SpectacularSwaggerSplitView):
    template_name = "core/api_docs.html"

    def finalize_response(
        self, request: Request, response: Response, *args: Any, **kwargs: Any
    ) -> Response:
        response = super().finalize_response(request, response, *args, **kwargs)
        # Swagger UI's own stylesheet draws its icons with data: URLs; only this page
        # allows images from data: (the site's policy otherwise stays as it is).
        csp: dict[str, Any] = settings.SECURE_CSP
        policy: dict[str, list[str]] = {k: list(v) for k, v in csp.items()}
        policy["img-src"] = [*policy.get("img-src", [CSP.SELF]), "data:"]
        response._csp_config = policy  # type: ignore[attr-defined]
        return response
