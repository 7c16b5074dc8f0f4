"""The assembly room across server processes: consumers bound to separate channels-redis
layers on the real Redis both receive a check-in made by a third."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.urls import path

from assemblies import services
from assemblies.consumers import AssemblyConsumer
from config.redis import channel_layer_host
from tests.assemblies.factories import FIRST_CALL, T0, make_assembly, member, small_coop
from tests.assemblies.test_consumers import AsPerson
from tests.conftest import redis_url

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
PUBSUB = "channels_redis.pubsub.RedisPubSubChannelLayer"


def _server(alias: str) -> Any:
    consumer = type(f"AssemblyOn_{alias}", (AssemblyConsumer,), {"channel_layer_alias": alias})
    return URLRouter([path("ws/assemblies/<int:assembly_id>/", consumer.as_asgi())])


@pytest.fixture
def layers(settings: Any) -> Iterator[dict[str, Any]]:
    from django.utils.module_loading import import_string

    prefix = f"collegia-test-{uuid.uuid4().hex[:8]}"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": PUBSUB,
            "CONFIG": {"hosts": [channel_layer_host(redis_url())], "prefix": prefix},
        }
    }
    instances = {
        name: import_string(PUBSUB)(hosts=[channel_layer_host(redis_url())], prefix=prefix)
        for name in ("default", "server_a", "server_b")
    }
    previous = {name: channel_layers.set(name, layer) for name, layer in instances.items()}
    yield instances
    for name, layer in previous.items():
        if layer is None:
            channel_layers.backends.pop(name, None)
        else:
            channel_layers.set(name, layer)


async def _next(comm: WebsocketCommunicator, type_: str) -> dict[str, Any]:
    while True:
        frame = json.loads((await comm.receive_output(timeout=3))["text"])
        if frame["type"] == type_:
            return frame


def test_a_check_in_reaches_attendees_on_two_server_processes(layers: dict[str, Any]) -> None:
    coop = small_coop()
    assembly = make_assembly(coop.cooperative, chair=coop.chair)
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    arriving = member(coop.cooperative, coop.usernames("Users")[0]).pk
    check_in = database_sync_to_async(services.attendance_check_in)

    async def scenario() -> None:
        on_a = WebsocketCommunicator(
            AsPerson(_server("server_a"), coop.people["Workers"][0]),
            f"/ws/assemblies/{assembly.pk}/",
        )
        on_b = WebsocketCommunicator(
            AsPerson(_server("server_b"), coop.chair), f"/ws/assemblies/{assembly.pk}/"
        )
        assert (await on_a.connect())[0] and (await on_b.connect())[0]
        await _next(on_a, "room.welcome")
        await _next(on_b, "room.welcome")
        await check_in(
            actor=coop.chair, assembly=assembly, mode="present", member_id=arriving, now=FIRST_CALL
        )
        for comm in (on_a, on_b):
            event = await _next(comm, "attendance.changed")
            assert (event["seq"], event["data"]["present"]) == (2, 1)
        await on_a.disconnect()
        await on_b.disconnect()
        for layer in layers.values():
            await layer.flush()

    async_to_sync(scenario)()
