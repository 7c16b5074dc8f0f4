"""Webhook routes under /api/v1/: the event catalog and each cooperative's endpoints."""

from django.urls import URLPattern, URLResolver, path

from webhooks import api

endpoint = "cooperatives/<slug:slug>/webhooks/endpoints/<int:pk>/"
message = endpoint + "messages/<slug:msg_id>/"
urlpatterns: list[URLPattern | URLResolver] = [
    path("webhooks/event-types/", api.EventTypeListApi.as_view(), name="api-webhook-event-types"),
    path(
        "cooperatives/<slug:slug>/webhooks/endpoints/",
        api.EndpointListCreateApi.as_view(),
        name="api-webhook-endpoints",
    ),
    path(endpoint, api.EndpointDetailApi.as_view(), name="api-webhook-endpoint"),
    path(endpoint + "secret/", api.EndpointSecretApi.as_view()),
    path(endpoint + "rotate-secret/", api.EndpointRotateSecretApi.as_view()),
    path(endpoint + "test/", api.EndpointTestApi.as_view()),
    path(endpoint + "replay-failed/", api.EndpointReplayFailedApi.as_view()),
    path(endpoint + "messages/", api.MessageListApi.as_view(), name="api-webhook-messages"),
    path(message, api.MessageDetailApi.as_view()),
    path(message + "attempts/", api.AttemptListApi.as_view()),
    path(message + "replay/", api.MessageReplayApi.as_view()),
]
