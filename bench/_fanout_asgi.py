"""Bench only: the least a Channels server can do to fan a room's payload out (the baseline)."""

from __future__ import annotations

import os
from typing import Any

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django.setup()

from channels.generic.websocket import AsyncWebsocketConsumer  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.urls import path  # noqa: E402


class BareRoomConsumer(AsyncWebsocketConsumer):
    """Joins the room's group and forwards each message's text: no auth, no log, no order."""

    group = ""

    async def dispatch(self, message: dict[str, Any]) -> None:
        # The least possible work: no hop to the database thread before each handler
        # (the product consumer skips it too).
        await getattr(self, message["type"].replace(".", "_"))(message)

    async def connect(self) -> None:
        self.group = f"proposal.{self.scope['url_route']['kwargs']['proposal_id']}"
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()

    async def disconnect(self, code: int) -> None:
        await self.channel_layer.group_discard(self.group, self.channel_name)

    async def room_event(self, message: dict[str, Any]) -> None:
        await self.send(text_data=message["text"])


application = ProtocolTypeRouter(
    {"websocket": URLRouter([path("ws/proposals/<int:proposal_id>/", BareRoomConsumer.as_asgi())])}
)
