"""API tokens, sign-in and the signed-in person."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import page_of, paginate, person_of
from governance import login_throttle, tokens
from governance.api.serializers import PersonOut
from governance.errors import InvalidCredentials


class TokenObtainApi(APIView):
    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []

    class InputSerializer(serializers.Serializer[Any]):
        username = serializers.CharField(max_length=150)
        password = serializers.CharField(max_length=200, style={"input_type": "password"})

    class OutputSerializer(serializers.Serializer[Any]):
        token = serializers.CharField(help_text="Shown once; only its digest is stored.")
        id = serializers.CharField(help_text="The token's public id: its first characters.")
        expires_at = serializers.DateTimeField(allow_null=True)

    @extend_schema(
        tags=["auth"],
        request=InputSerializer,
        responses={200: OutputSerializer},
        operation_id="auth_token_obtain",
        description=(
            "Failed attempts are limited per account and per client address "
            "(`LOGIN_RATE_ACCOUNT`, `LOGIN_RATE_ADDRESS`): past the limit every attempt, "
            "right or wrong, answers 429 `login_throttled` with a Retry-After header. "
            "Each call issues a new token, valid `API_TOKEN_TTL` days (90 by default)."
        ),
    )
    def post(self, request: Request) -> Response:
        from django.contrib.auth import authenticate

        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        username = data.validated_data["username"]
        address = login_throttle.client_address(request)
        login_throttle.login_check(username=username, address=address)
        user = authenticate(request, username=username, password=data.validated_data["password"])
        if user is None:
            login_throttle.login_failed(username=username, address=address)
            raise InvalidCredentials()
        login_throttle.login_succeeded(username=username)
        token, key = tokens.api_token_create(person=user)
        return Response({"token": key, "id": tokens.token_id(token), "expires_at": token.expiry})


class ApiTokenOut(serializers.Serializer[Any]):
    id = serializers.CharField(source="token_key", help_text="The token's first characters.")
    created_at = serializers.DateTimeField(source="created")
    expires_at = serializers.DateTimeField(source="expiry", allow_null=True)
    current = serializers.SerializerMethodField()

    def get_current(self, token: Any) -> bool:
        """Whether this request was authenticated with this token."""
        auth = getattr(self.context.get("request"), "auth", None)
        return bool(getattr(auth, "digest", None) == token.digest)


class ApiTokenListApi(APIView):
    @extend_schema(
        tags=["auth"],
        responses={200: page_of(ApiTokenOut)},
        operation_id="auth_tokens_list",
        description="Your own live API tokens, newest first. The tokens themselves are "
        "never shown again; `id` is their first characters.",
    )
    def get(self, request: Request) -> Response:
        found = tokens.api_token_list(person=person_of(request))
        return paginate(self, found, ApiTokenOut)


class ApiTokenRevokeApi(APIView):
    @extend_schema(
        tags=["auth"],
        request=None,
        responses={204: None},
        operation_id="auth_token_revoke",
        description="Revoke one of your tokens (404 `not_found` for any other id). "
        "Live connections opened with it close.",
    )
    def post(self, request: Request, token_id: str) -> Response:
        tokens.api_token_revoke(person=person_of(request), token_key=token_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SignOutEverywhereApi(APIView):
    class OutputSerializer(serializers.Serializer[Any]):
        tokens_revoked = serializers.IntegerField()

    @extend_schema(
        tags=["auth"],
        request=None,
        responses={200: OutputSerializer},
        operation_id="auth_sign_out_everywhere",
        description="Revoke every API token of yours (this request's included), end every "
        "web session and close all your live connections.",
    )
    def post(self, request: Request) -> Response:
        revoked = tokens.person_sign_out_everywhere(person=person_of(request))
        return Response({"tokens_revoked": revoked})


class MeApi(APIView):
    @extend_schema(tags=["auth"], responses={200: PersonOut}, operation_id="me_get")
    def get(self, request: Request) -> Response:
        return Response(PersonOut(request.user).data)
