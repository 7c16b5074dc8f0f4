"""Rooms across server processes: separate channels-redis layers on the real Redis."""

from __future__ import annotations

import asyncio
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

from config.redis import channel_layer_host
from core.live import presence
from deliberation import services
from deliberation.consumers import ProposalConsumer
from tests.conftest import redis_url
from tests.deliberation.factories import Room, make_room
from tests.deliberation.wsutil import AsPerson, frames, next_frame

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

LAYERS = {
    "pubsub": "channels_redis.pubsub.RedisPubSubChannelLayer",
    "core": "channels_redis.core.RedisChannelLayer",
}


def _layer(backend: str, prefix: str) -> Any:
    from django.utils.module_loading import import_string

    return import_string(LAYERS[backend])(hosts=[channel_layer_host(redis_url())], prefix=prefix)


def _server_app(alias: str) -> Any:
    """The room consumer as one server process runs it, bound to its own layer."""
    consumer = type(f"ConsumerOn_{alias}", (ProposalConsumer,), {"channel_layer_alias": alias})
    return URLRouter([path("ws/proposals/<int:proposal_id>/", consumer.as_asgi())])


@pytest.fixture(params=sorted(LAYERS))
def processes(
    request: pytest.FixtureRequest, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Iterator[dict[str, Any]]:
    """Three separate layer instances on one Redis: the writer's and two servers'."""
    backend = request.param
    prefix = f"collegia-test-{uuid.uuid4().hex[:8]}"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": LAYERS[backend],
            "CONFIG": {"hosts": [channel_layer_host(redis_url())], "prefix": prefix},
        },
    }
    monkeypatch.setattr(presence, "BROADCAST_DELAY_SECONDS", 0.02)
    presence._store = None
    instances = {name: _layer(backend, prefix) for name in ("default", "server_a", "server_b")}
    previous = {name: channel_layers.set(name, layer) for name, layer in instances.items()}
    yield instances
    for name, layer in previous.items():
        if layer is None:
            channel_layers.backends.pop(name, None)
        else:
            channel_layers.set(name, layer)
    presence._store = None


def test_a_comment_reaches_consumers_on_two_separate_layers(
    processes: dict[str, Any], transactional_db: None
) -> None:
    assert len({id(layer) for layer in processes.values()}) == 3
    room: Room = make_room()
    post = database_sync_to_async(services.comment_create)

    async def scenario() -> None:
        store = presence.presence_store()
        assert isinstance(store, presence.RedisPresence)
        await store._client().delete(store._key(room.proposal.pk))
        on_a = WebsocketCommunicator(
            AsPerson(_server_app("server_a"), room.member), f"/ws/proposals/{room.proposal.pk}/"
        )
        on_b = WebsocketCommunicator(
            AsPerson(_server_app("server_b"), room.observer), f"/ws/proposals/{room.proposal.pk}/"
        )
        assert (await on_a.connect())[0]
        assert (await on_b.connect())[0]
        present = await next_frame(on_b, "presence")
        assert present["count"] == 2
        update = await next_frame(on_a, "presence.delta")
        while update["count"] != 2:
            update = await next_frame(on_a, "presence.delta")
        comment = await post(
            actor=room.author, proposal=room.proposal, body="<p>Vu des deux côtés</p>"
        )
        for comm in (on_a, on_b):
            received = await frames(comm)
            assert [(f["type"], f["data"]["comment_id"], f["data"]["body"]) for f in received] == [
                ("comment.created", comment.pk, "<p>Vu des deux côtés</p>")
            ]
        await on_a.disconnect()
        await on_b.disconnect()
        await asyncio.sleep(0.1)
        assert await store.people(room.proposal.pk) == []
        for layer in processes.values():
            await layer.flush()

    async_to_sync(scenario)()


def test_a_crowd_joining_at_once_waits_for_redis_connections_instead_of_failing() -> None:
    store = presence.RedisPresence(redis_url() or "")
    room_id = -int(uuid.uuid4().int % 1_000_000) - 1

    async def scenario() -> None:
        await store._client().delete(store._key(room_id))
        await asyncio.gather(
            *(
                store.enter(room_id, f"conn-{n}", presence.Present(person_id=n, name=f"P{n}"))
                for n in range(400)
            )
        )
        assert len(await store.people(room_id)) == 400
        await asyncio.gather(*(store.leave(room_id, f"conn-{n}") for n in range(400)))
        assert await store.people(room_id) == []

    async_to_sync(scenario)()
