"""The product's URLs plus the bare baseline of the casting benchmark (never in the product)."""

from typing import Any

from django.urls import path
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as product_urlpatterns


class BareApi(APIView):
    """Token authentication, JSON body parsed and validated, a small JSON answer: the least
    a DRF endpoint taking a ballot could do."""

    class InputSerializer(serializers.Serializer):
        choice = serializers.JSONField()

    def post(self, request: Request, **kwargs: Any) -> Response:
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            {"user": request.user.pk, "choice": data.validated_data["choice"]},
            status=status.HTTP_201_CREATED,
        )


urlpatterns = [
    path("bench/bare/", BareApi.as_view()),
    *product_urlpatterns,
]
