"""Endpoints of proxies and consent objections."""

from __future__ import annotations

from typing import ClassVar

from django.db import transaction
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ErrorSerializer, page_of, paginate, person_of
from core.errors import NotFound
from voting import selectors, services
from voting.api.serializers import ObjectionOut, ProxyOut
from voting.models import Objection, ObjectionState, Proxy
from voting.permissions import access_vote

TAG = ["voting"]
MAX_ID = 2**63 - 1


class ProxyListGiveApi(APIView):
    class InputSerializer(serializers.Serializer):
        holder_id = serializers.IntegerField(
            min_value=1, max_value=MAX_ID, help_text="The member who will vote for you."
        )
        member_id = serializers.IntegerField(
            required=False,
            allow_null=True,
            min_value=1,
            max_value=MAX_ID,
            help_text="The member giving the proxy, when you act for several.",
        )

    @extend_schema(
        tags=TAG,
        responses={200: page_of(ProxyOut)},
        operation_id="proxies_list",
        description="The board sees every proxy; a member those they gave or hold.",
    )
    def get(self, request: Request, vote_id: int) -> Response:
        vote, role = access_vote(request.user, vote_id)
        return paginate(self, selectors.proxy_list(vote, request.user, role), ProxyOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={
            201: ProxyOut,
            409: OpenApiResponse(
                ErrorSerializer,
                description="A rule of the vote refused the proxy: `proxies_not_allowed`, "
                "`proxy_cap_reached`, `proxy_exists`, `already_voted`, `vote_not_open`, "
                "`vote_closed`, or `use_assembly_booth` (the vote belongs to an assembly: "
                "proxies are given for the assembly).",
            ),
        },
        operation_id="proxies_give",
        description="Give your ballot for this vote to another member on the roll. "
        "Errors: `proxies_not_allowed`, `proxy_cap_reached`, `proxy_exists`, "
        "`already_voted`, `holder_not_on_roll`, `not_on_roll`, `use_assembly_booth`.",
    )
    def post(self, request: Request, vote_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            vote, _role = access_vote(request.user, vote_id)
            proxy = services.proxy_give(
                actor=person_of(request),
                vote=vote,
                holder_id=data.validated_data["holder_id"],
                principal_id=data.validated_data.get("member_id"),
            )
        proxy = Proxy.objects.select_related("principal", "holder").get(pk=proxy.pk)
        return Response(ProxyOut(proxy).data, status=status.HTTP_201_CREATED)


class ProxyRevokeApi(APIView):
    @extend_schema(
        tags=TAG,
        request=None,
        responses={200: ProxyOut},
        operation_id="proxies_revoke",
        description="Withdraw a proxy you gave, until the holder uses it. Errors: "
        "`proxy_revoked`, `proxy_used`, `vote_closed`, `use_assembly_booth` (the vote "
        "belongs to an assembly: proxies are managed there).",
    )
    def post(self, request: Request, vote_id: int, pk: int) -> Response:
        with transaction.atomic(durable=True):
            vote, _role = access_vote(request.user, vote_id)
            proxy = Proxy.objects.filter(vote=vote, pk=pk).first()
            if proxy is None:
                raise NotFound()
            proxy = services.proxy_revoke(actor=person_of(request), proxy=proxy)
        proxy = Proxy.objects.select_related("principal", "holder").get(pk=proxy.pk)
        return Response(ProxyOut(proxy).data)


class ObjectionListRaiseApi(APIView):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(max_length=4000)
        is_paramount = serializers.BooleanField(required=False, default=True)
        member_id = serializers.IntegerField(
            required=False, allow_null=True, min_value=1, max_value=MAX_ID
        )

    @extend_schema(tags=TAG, responses={200: page_of(ObjectionOut)}, operation_id="objections_list")
    def get(self, request: Request, vote_id: int) -> Response:
        vote, _role = access_vote(request.user, vote_id)
        return paginate(self, selectors.objection_list(vote), ObjectionOut)

    @extend_schema(
        tags=TAG,
        request=InputSerializer,
        responses={201: ObjectionOut},
        operation_id="objections_raise",
        description="Object to a consent decision, with a reason. A paramount "
        "objection blocks consent while it is raised or upheld.",
    )
    def post(self, request: Request, vote_id: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            vote, _role = access_vote(request.user, vote_id)
            objection = services.objection_raise(
                actor=person_of(request),
                vote=vote,
                reason=data.validated_data["reason"],
                is_paramount=data.validated_data["is_paramount"],
                member_id=data.validated_data.get("member_id"),
            )
        return Response(ObjectionOut(_objection(objection.pk)).data, status=status.HTTP_201_CREATED)


def _objection(pk: int) -> Objection:
    return Objection.objects.select_related("member", "raised_by").get(pk=pk)


class _ObjectionDecideApi(APIView):
    state: ClassVar[str]

    class InputSerializer(serializers.Serializer):
        note = serializers.CharField(max_length=1000, required=False, allow_blank=True)

    def post(self, request: Request, vote_id: int, pk: int) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        with transaction.atomic(durable=True):
            vote, _role = access_vote(request.user, vote_id)
            objection = Objection.objects.filter(vote=vote, pk=pk).first()
            if objection is None:
                raise NotFound()
            services.objection_decide(
                actor=person_of(request),
                objection=objection,
                state=self.state,
                note=data.validated_data.get("note", ""),
            )
        return Response(ObjectionOut(_objection(pk)).data)


class ObjectionWithdrawApi(_ObjectionDecideApi):
    state = ObjectionState.WITHDRAWN

    @extend_schema(
        tags=TAG,
        request=_ObjectionDecideApi.InputSerializer,
        responses={200: ObjectionOut},
        operation_id="objections_withdraw",
        description="The objector withdraws the objection.",
    )
    def post(self, request: Request, vote_id: int, pk: int) -> Response:
        return super().post(request, vote_id, pk)


class ObjectionResolveApi(_ObjectionDecideApi):
    state = ObjectionState.RESOLVED

    @extend_schema(
        tags=TAG,
        request=_ObjectionDecideApi.InputSerializer,
        responses={200: ObjectionOut},
        operation_id="objections_resolve",
        description="The board records the objection resolved.",
    )
    def post(self, request: Request, vote_id: int, pk: int) -> Response:
        return super().post(request, vote_id, pk)


class ObjectionUpholdApi(_ObjectionDecideApi):
    state = ObjectionState.UPHELD

    @extend_schema(
        tags=TAG,
        request=_ObjectionDecideApi.InputSerializer,
        responses={200: ObjectionOut},
        operation_id="objections_uphold",
        description="The board records the objection upheld: it keeps blocking.",
    )
    def post(self, request: Request, vote_id: int, pk: int) -> Response:
        return super().post(request, vote_id, pk)
