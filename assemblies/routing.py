"""WebSocket routes of the assemblies app: one room per assembly."""

from django.urls import path

from assemblies.consumers import AssemblyConsumer

urlpatterns = [
    path("ws/assemblies/<int:assembly_id>/", AssemblyConsumer.as_asgi()),
]
