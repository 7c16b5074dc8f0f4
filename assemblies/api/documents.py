"""Endpoints of the minutes (metadata, HTML page, PDF) and of the live room's event log."""

from __future__ import annotations

import base64
import hashlib
import re
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from assemblies.api.lifecycle import TAG
from assemblies.api.serializers import AssemblyEventOut, MinutesLinksOut
from assemblies.errors import MinutesNotReady
from assemblies.events import minutes_links
from assemblies.models import AssemblyEvent, Minutes
from assemblies.permissions import access_assembly
from core.api import ErrorSerializer, page_of, paginate
from core.errors import InvalidInput
from core.schema import AutoSchema

_STYLE_ELEMENT = re.compile(r"<style[^>]*>(.*?)</style>", re.DOTALL | re.IGNORECASE)


def stored_page_policy(html: str) -> str:
    """The Content-Security-Policy of a stored HTML record: no script, nothing fetched,
    and only the style elements it holds, each allowed by its SHA-256 digest.

    The stored minutes keep their <style> element byte for byte (their digest is audited
    and the PDF engine reads it), so the page allows exactly those styles and no others,
    without 'unsafe-inline'."""
    digests = sorted(
        {
            "'sha256-"
            + base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode("ascii")
            + "'"
            for body in _STYLE_ELEMENT.findall(html)
        }
    )
    styles = " ".join(digests) or "'none'"
    return (
        f"default-src 'none'; style-src {styles}; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    )


def _minutes(request: Request, pk: int) -> Minutes:
    assembly, _role = access_assembly(request.user, pk)
    minutes = Minutes.objects.filter(assembly=assembly).first()
    if minutes is None:
        raise MinutesNotReady()
    return minutes


class MinutesApi(APIView):
    class OutputSerializer(serializers.Serializer):
        assembly_id = serializers.IntegerField()
        generated_at = serializers.DateTimeField()
        html_sha256 = serializers.CharField()
        pdf_sha256 = serializers.CharField()
        audit_hash = serializers.CharField(
            help_text="Hash of the audit entry that records both digests."
        )
        links = MinutesLinksOut()

    @extend_schema(
        tags=TAG,
        responses={200: OutputSerializer, 409: ErrorSerializer},
        operation_id="assemblies_minutes_retrieve",
        description="Where to download the minutes of a closed assembly, and the "
        "SHA-256 digests the audit log holds for them. Errors: `minutes_not_ready`.",
    )
    def get(self, request: Request, pk: int) -> Response:
        minutes = _minutes(request, pk)
        body = {
            "assembly_id": pk,
            "generated_at": minutes.generated_at,
            "html_sha256": minutes.html_sha256,
            "pdf_sha256": minutes.pdf_sha256,
            "audit_hash": minutes.audit_hash,
            "links": minutes_links(minutes.assembly),
        }
        return Response(self.OutputSerializer(body).data)


class _FirstRenderer(BaseContentNegotiation):
    """A document has one form; errors are JSON whatever the client asked for."""

    def select_parser(self, request: Any, parsers: Any) -> Any:
        return parsers[0] if parsers else None

    def select_renderer(self, request: Any, renderers: Any, format_suffix: Any = None) -> Any:
        return renderers[0], renderers[0].media_type


class _DocumentRenderer(BaseRenderer):
    charset: str | None = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: Any = None, renderer_context: Any = None
    ) -> Any:
        return data


class PdfRenderer(_DocumentRenderer):
    media_type = "application/pdf"
    format = "pdf"


class HtmlRenderer(_DocumentRenderer):
    media_type = "text/html"
    format = "html"
    charset = "utf-8"


class _DocumentSchema(AutoSchema):
    def map_renderers(self, attribute: str) -> Any:
        """Error answers of document endpoints are JSON, like every other error."""
        return ["application/json"]


class _DocumentApi(APIView):
    content_negotiation_class = _FirstRenderer
    schema = _DocumentSchema()

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(response, Response) and response.status_code >= 400:
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = "application/json"
        return super().finalize_response(request, response, *args, **kwargs)


class MinutesPdfApi(_DocumentApi):
    renderer_classes = [PdfRenderer]

    @extend_schema(
        tags=TAG,
        responses={
            (200, "application/pdf"): OpenApiTypes.BINARY,
            (409, "application/json"): ErrorSerializer,
        },
        operation_id="assemblies_minutes_pdf",
        description="The minutes as a PDF, byte for byte as generated at the close "
        "(its SHA-256 is in the audit log). Errors: `minutes_not_ready`.",
    )
    def get(self, request: Request, pk: int) -> Response:
        minutes = _minutes(request, pk)
        filename = f"minutes-{pk}.pdf"
        return Response(
            bytes(minutes.pdf),
            content_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )


class MinutesHtmlApi(_DocumentApi):
    renderer_classes = [HtmlRenderer]

    @extend_schema(
        tags=TAG,
        responses={
            (200, "text/html"): OpenApiTypes.STR,
            (409, "application/json"): ErrorSerializer,
        },
        operation_id="assemblies_minutes_html",
        description="The minutes as an HTML page, as generated at the close. "
        "Errors: `minutes_not_ready`.",
    )
    def get(self, request: Request, pk: int) -> Response:
        minutes = _minutes(request, pk)
        # The page is a stored record: it needs no script, and none may run in it.
        return Response(
            minutes.html.encode("utf-8"),
            content_type="text/html; charset=utf-8",
            headers={"Content-Security-Policy": stored_page_policy(minutes.html)},
        )


class AssemblyEventListApi(APIView):
    @extend_schema(
        tags=TAG,
        responses={200: page_of(AssemblyEventOut)},
        operation_id="assemblies_events_list",
        parameters=[OpenApiParameter("since", int, description="The last number seen.")],
        description="The live room's events after `since`, in order: what a client that "
        "lost its WebSocket missed.",
    )
    def get(self, request: Request, pk: int) -> Response:
        assembly, _role = access_assembly(request.user, pk)
        raw = request.query_params.get("since", "0")
        if not raw.isdigit() or len(raw) > 18:
            raise InvalidInput(
                code="invalid_since", message=_("`since` is a non-negative event number.")
            )
        events = AssemblyEvent.objects.filter(assembly=assembly, seq__gt=int(raw)).order_by("seq")
        return paginate(self, events, AssemblyEventOut)
