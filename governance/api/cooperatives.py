"""Cooperatives, their colleges and their categories."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import page_of, paginate, person_of
from governance import selectors, services
from governance.api.serializers import (
    TAG,
    CategoryOut,
    CollegeVersionOut,
    CooperativeDetailOut,
    CooperativeOut,
)
from governance.errors import NoColleges
from governance.models import CategoryKind, LegalForm
from governance.permissions import access_cooperative, cooperatives_readable_by
from governance.validation import composition_warnings


class CollegeIn(serializers.Serializer[Any]):
    name = serializers.CharField(max_length=120)
    weight = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100)
    )


class CooperativeListCreateApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        name = serializers.CharField(max_length=200)
        slug = serializers.SlugField(max_length=80)
        legal_form = serializers.ChoiceField(choices=LegalForm.choices)
        colleges = CollegeIn(many=True, required=False)

    @extend_schema(
        tags=TAG, responses={200: page_of(CooperativeOut)}, operation_id="cooperatives_list"
    )
    def get(self, request: Request) -> Response:
        return paginate(
            self, cooperatives_readable_by(request.user).order_by("name"), CooperativeOut
        )

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: CooperativeOut},
        operation_id="cooperatives_create",
    )
    def post(self, request: Request) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        with transaction.atomic(durable=True):
            cooperative = services.cooperative_create(
                actor=person_of(request),
                name=values["name"],
                slug=values["slug"],
                legal_form=values["legal_form"],
                colleges=[
                    services.CollegeSpec(c["name"], c["weight"]) for c in values.get("colleges", [])
                ],
            )
        return Response(CooperativeOut(cooperative).data, status=status.HTTP_201_CREATED)


class CooperativeDetailApi(APIView):
    @extend_schema(
        tags=TAG, responses={200: CooperativeDetailOut}, operation_id="cooperatives_retrieve"
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, role = access_cooperative(request.user, slug)
        body = {
            **CooperativeOut(cooperative).data,
            "colleges": (
                CollegeVersionOut(v).data
                if (v := selectors.college_config_current(cooperative))
                else None
            ),
            "rules_version": selectors.rules_current(cooperative).number,
            "warnings": [p.as_dict() for p in composition_warnings(cooperative)],
            "my_role": {
                "is_board": role.is_board,
                "is_member": role.is_member,
                "is_observer": role.is_observer,
            },
        }
        return Response(body)


class CollegesApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        colleges = CollegeIn(many=True)
        reason = serializers.CharField(max_length=300, required=False, allow_blank=True)

    @extend_schema(tags=TAG, responses={200: CollegeVersionOut}, operation_id="colleges_current")
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        version = selectors.college_config_current(cooperative)
        if version is None:
            raise NoColleges()
        return Response(CollegeVersionOut(version).data)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: CollegeVersionOut},
        operation_id="colleges_configure",
        description="Replace colleges and weights atomically (a statute change). "
        "Refused with `colleges_invalid` naming each college at fault.",
    )
    def put(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            version = services.colleges_configure(
                actor=person_of(request),
                cooperative=cooperative,
                colleges=[
                    services.CollegeSpec(c["name"], c["weight"])
                    for c in data.validated_data["colleges"]
                ],
                reason=data.validated_data.get("reason", ""),
            )
        return Response(
            CollegeVersionOut(selectors.college_config_current(cooperative)).data
            if version
            else None,
            status=status.HTTP_201_CREATED,
        )


class CollegeVersionListApi(APIView):
    @extend_schema(
        tags=TAG, responses={200: page_of(CollegeVersionOut)}, operation_id="colleges_versions"
    )
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        return paginate(self, selectors.college_config_versions(cooperative), CollegeVersionOut)


class CategoryListCreateApi(APIView):
    class InputSerializer(serializers.Serializer[Any]):
        name = serializers.CharField(max_length=120)
        kind = serializers.ChoiceField(choices=CategoryKind.choices)

    @extend_schema(tags=TAG, responses={200: page_of(CategoryOut)}, operation_id="categories_list")
    def get(self, request: Request, slug: str) -> Response:
        cooperative, _role = access_cooperative(request.user, slug)
        return paginate(self, selectors.category_list(cooperative), CategoryOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: CategoryOut},
        operation_id="categories_create",
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            cooperative, _role = access_cooperative(request.user, slug, manage=True)
            category = services.category_create(
                actor=person_of(request), cooperative=cooperative, **data.validated_data
            )
        return Response(CategoryOut(category).data, status=status.HTTP_201_CREATED)
