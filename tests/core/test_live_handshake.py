"""The cost of entering a live room, and rooms outliving a passing Redis fault."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db.backends import utils as db_utils

from config.redis import channel_layer_host
from core.live import presence
from tests.conftest import redis_url
from tests.deliberation.factories import Room, make_room
from tests.deliberation.wsutil import next_frame

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


class Counter:
    """SQL statements (any thread) and Redis round trips (commands, pipelines, pub/sub
    subscriptions) made while it counts."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import redis.asyncio.client as client

        self.sql: list[str] = []
        self.redis: list[str] = []
        # Trips to the database thread (channels.db.database_sync_to_async).
        self.hops = 0
        self.on = False
        counter = self
        execute, executemany = db_utils.CursorWrapper.execute, db_utils.CursorWrapper.executemany

        def count_sql(real: Any) -> Any:
            def wrapped(cursor: Any, sql: str, *args: Any, **kwargs: Any) -> Any:
                if counter.on:
                    counter.sql.append(sql)
                return real(cursor, sql, *args, **kwargs)

            return wrapped

        from channels.db import DatabaseSyncToAsync

        hop = DatabaseSyncToAsync.thread_handler

        def count_hop(self: Any, *args: Any, **kwargs: Any) -> Any:
            if counter.on:
                counter.hops += 1
            return hop(self, *args, **kwargs)

        monkeypatch.setattr(DatabaseSyncToAsync, "thread_handler", count_hop)
        monkeypatch.setattr(db_utils.CursorWrapper, "execute", count_sql(execute))
        monkeypatch.setattr(db_utils.CursorWrapper, "executemany", count_sql(executemany))
        command = client.Redis.execute_command
        pipeline = client.Pipeline.execute
        pubsub = client.PubSub.execute_command

        async def count_command(self: Any, *args: Any, **options: Any) -> Any:
            if counter.on and not isinstance(self, client.Pipeline):
                counter.redis.append(str(args[0]))
            return await command(self, *args, **options)

        async def count_pipeline(self: Any, *args: Any, **options: Any) -> Any:
            if counter.on:
                counter.redis.append("pipeline")
            return await pipeline(self, *args, **options)

        async def count_pubsub(self: Any, *args: Any) -> Any:
            if counter.on:
                counter.redis.append(str(args[0]))
            return await pubsub(self, *args)

        monkeypatch.setattr(client.Redis, "execute_command", count_command)
        monkeypatch.setattr(client.Pipeline, "execute", count_pipeline)
        monkeypatch.setattr(client.PubSub, "execute_command", count_pubsub)


@pytest.fixture
def redis_layer(settings: Any) -> Iterator[Any]:
    from channels_redis.pubsub import RedisPubSubChannelLayer

    prefix = f"collegia-test-{uuid.uuid4().hex[:8]}"
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [channel_layer_host(redis_url())], "prefix": prefix},
        }
    }
    layer = RedisPubSubChannelLayer(hosts=[channel_layer_host(redis_url())], prefix=prefix)
    previous = channel_layers.set("default", layer)
    presence._store = None
    yield layer
    presence._store = None
    if previous is not None:
        channel_layers.set("default", previous)


def _token_socket(room: Room, person: Any) -> WebsocketCommunicator:
    from config.routing import websocket_application
    from tests.governance.factories import api_token

    key = api_token(person)
    return WebsocketCommunicator(
        websocket_application,
        f"/ws/proposals/{room.proposal.pk}/",
        headers=[(b"origin", b"http://testserver"), (b"authorization", f"Token {key}".encode())],
    )


def test_a_handshake_costs_two_statements_and_two_redis_round_trips(
    redis_layer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    room = make_room()
    first = _token_socket(room, room.member)
    second = _token_socket(room, room.observer)
    counter = Counter(monkeypatch)

    async def scenario() -> None:
        assert (await first.connect())[0]
        await next_frame(first, "presence")
        counter.on = True
        assert (await second.connect())[0]
        entered = await next_frame(second, "presence")
        counter.on = False
        assert entered["count"] == 2
        await first.disconnect()
        await second.disconnect()
        await asyncio.sleep(0.1)
        await redis_layer.flush()

    async_to_sync(scenario)()
    # Authentication (the token and its person), then the room: proposal, last number,
    # grants and moderator grant in one statement, both in one trip to the database thread.
    assert len(counter.sql) <= 2, counter.sql
    assert counter.hops == 1
    # Joining the person's group (the room's is already heard in this process), then
    # entering presence in one script that also says who announces the change.
    assert len(counter.redis) <= 2, counter.redis


def test_a_room_outlives_a_redis_timeout(redis_layer: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A read timing out (as channels-redis reported in CI) is retried: the socket stays
    open, presence recovers and the next event still arrives."""
    from channels.db import database_sync_to_async
    from channels_redis.pubsub import RedisPubSubLoopLayer
    from redis.exceptions import TimeoutError as RedisTimeoutError

    from deliberation import services

    room = make_room()
    socket = _token_socket(room, room.member)
    real_receive = RedisPubSubLoopLayer.receive
    real_enter = presence.RedisPresence.enter
    failures = {"receive": 0, "enter": 0}

    async def flaky_receive(self: Any, channel: str) -> Any:
        if failures["receive"] < 2:
            failures["receive"] += 1
            raise RedisTimeoutError("Timeout reading from 127.0.0.1:6379")
        return await real_receive(self, channel)

    async def flaky_enter(self: Any, *args: Any, **kwargs: Any) -> Any:
        if failures["enter"] < 1:
            failures["enter"] += 1
            raise RedisTimeoutError("Timeout reading from 127.0.0.1:6379")
        return await real_enter(self, *args, **kwargs)

    monkeypatch.setattr(RedisPubSubLoopLayer, "receive", flaky_receive)
    monkeypatch.setattr(presence.RedisPresence, "enter", flaky_enter)
    monkeypatch.setattr("core.live.background.RETRY_PAUSE_SECONDS", 0.01)

    async def scenario() -> None:
        assert (await socket.connect())[0]
        entered = await next_frame(socket, "presence")
        assert entered["count"] == 1
        comment = await database_sync_to_async(services.comment_create)(
            actor=room.author, proposal=room.proposal, body="<p>Toujours là</p>"
        )
        created = await next_frame(socket, "comment.created", timeout=5)
        assert created["data"]["comment_id"] == comment.pk
        await socket.disconnect()
        await asyncio.sleep(0.1)
        await redis_layer.flush()

    async_to_sync(scenario)()
    assert failures == {"receive": 2, "enter": 1}


def _assembly_socket(assembly_id: int, person: Any) -> WebsocketCommunicator:
    from config.routing import websocket_application
    from tests.governance.factories import api_token

    key = api_token(person)
    return WebsocketCommunicator(
        websocket_application,
        f"/ws/assemblies/{assembly_id}/",
        headers=[(b"origin", b"http://testserver"), (b"authorization", f"Token {key}".encode())],
    )


def test_an_assembly_handshake_costs_two_statements(
    redis_layer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from assemblies import services
    from tests.assemblies.factories import T0, make_assembly, small_coop

    coop = small_coop()
    assembly = make_assembly(coop.cooperative, chair=coop.chair, resolutions=["Budget"])
    services.assembly_convene(actor=coop.chair, assembly=assembly, now=T0)
    socket = _assembly_socket(assembly.pk, coop.people["Workers"][0])
    counter = Counter(monkeypatch)

    async def scenario() -> None:
        counter.on = True
        assert (await socket.connect())[0]
        welcome = await next_frame(socket, "room.welcome")
        counter.on = False
        assert welcome["last_seq"] >= 0
        await socket.disconnect()
        await asyncio.sleep(0.1)
        await redis_layer.flush()

    async_to_sync(scenario)()
    # Authentication (the token and its person), then the assembly, its cooperative's
    # two-factor rule and the person's role in one statement, in one trip.
    assert len(counter.sql) <= 2, counter.sql
    assert counter.hops == 1
