"""WebSocket routes of the deliberation app: one room per proposal."""

from django.urls import path

from deliberation.consumers import ProposalConsumer

urlpatterns = [
    path("ws/proposals/<int:proposal_id>/", ProposalConsumer.as_asgi()),
]
