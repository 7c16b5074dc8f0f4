"""A cooperative's audit entries and the check of the chain."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import page_of, paginate
from core.audit import audit_verify
from governance import selectors
from governance.api.serializers import TAG, AuditEntryOut
from governance.permissions import access_cooperative


class AuditListApi(APIView):
    @extend_schema(
        tags=TAG,
        responses={200: page_of(AuditEntryOut)},
        operation_id="audit_list",
        description="Board: this cooperative's entries.",
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug, manage=True)
        entries = selectors.audit_entry_list(cooperative)
        return paginate(self, entries, AuditEntryOut)


class AuditVerifyApi(APIView):
    class OutputSerializer(serializers.Serializer[Any]):
        ok = serializers.BooleanField()
        checked = serializers.IntegerField()
        first_broken_id = serializers.IntegerField(allow_null=True)
        reason = serializers.CharField()

    @extend_schema(tags=TAG, responses={200: OutputSerializer}, operation_id="audit_verify")
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug, manage=True)
        result = audit_verify()
        reason = result.reason
        if not result.ok and not selectors.audit_entry_is_own(cooperative, result.first_broken_id):
            # The chain is the installation's: a break in another cooperative's entries is
            # reported without naming what it is about.
            reason = _(
                "An entry outside this cooperative's own acts is broken; the site operator "
                "can run `python manage.py verify_audit` for the details."
            )
        return Response(
            {
                "ok": result.ok,
                "checked": result.checked,
                "first_broken_id": result.first_broken_id,
                "reason": reason,
            }
        )
