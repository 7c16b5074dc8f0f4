"""Redis going away: requests keep their answers, the comment limit fails open, live events
come back with Redis. A redis-server of the test's own, on a free port, is killed and
restarted."""

from __future__ import annotations

import asyncio
import json
import logging
import queue
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
from channels.layers import channel_layers
from channels_redis.pubsub import RedisPubSubChannelLayer
from django.test import Client, override_settings
from rest_framework.test import APIClient

from config.redis import channel_layer_host
from core.live import presence
from deliberation.room import room_group
from tests.core.routes import fill, ids_in, read_operations
from tests.deliberation.factories import Room, make_room
from voting import live
from voting.models import Vote

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]

PREFIX = "collegia-redis-down-test."
PUBSUB = "channels_redis.pubsub.RedisPubSubChannelLayer"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """A redis-server process on its own port, that the test stops and starts again."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            pytest.fail("redis-server is not installed")
        self.binary = binary
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""]
            + ["--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port)
        for _ in range(200):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.025)
        pytest.fail("redis-server did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None


class Listener:
    """A server process's view of a room: its own layer, subscribed to the room's group."""

    def __init__(self, url: str, group: str) -> None:
        self.url = url
        self.group = group
        self.received: queue.Queue[dict[str, Any]] = queue.Queue()
        self.ready = threading.Event()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=lambda: asyncio.run(self._run()), daemon=True)

    async def _run(self) -> None:
        layer = RedisPubSubChannelLayer(hosts=[channel_layer_host(self.url)], prefix=PREFIX)
        channel = await layer.new_channel()
        await layer.group_add(self.group, channel)
        self.ready.set()
        while not self.stop.is_set():
            try:
                message = await asyncio.wait_for(layer.receive(channel), 0.2)
            except TimeoutError:
                continue
            self.received.put(message)
        await layer.flush()

    def wait_until_subscribed(self, port: int) -> None:
        channel = f"{PREFIX}__group__{self.group}"
        client = redis.Redis(port=port)
        for _ in range(600):
            if dict(client.pubsub_numsub(channel)).get(channel.encode(), 0) >= 1:
                return
            time.sleep(0.025)
        pytest.fail("the listener never subscribed again")

    def comment_ids(self, wanted: int) -> list[int]:
        """Comment ids of the room events received, until `wanted` is among them."""
        seen: list[int] = []
        while wanted not in seen:
            message = self.received.get(timeout=15)
            frame = json.loads(message.get("text", "{}"))
            if frame.get("type") == "comment.created":
                seen.append(frame["data"]["comment_id"])
        return seen


@pytest.fixture
def own_redis(settings: Any) -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    settings.CHANNEL_LAYERS = {
        "default": {
            "BACKEND": PUBSUB,
            "CONFIG": {"hosts": [channel_layer_host(server.url)], "prefix": PREFIX},
        }
    }
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": server.url,
            "KEY_PREFIX": PREFIX,
        }
    }
    channel_layers.backends.pop("default", None)
    presence._store = None
    try:
        yield server
    finally:
        server.kill()
        channel_layers.backends.pop("default", None)
        presence._store = None


def _comment(client: APIClient, room: Room, text: str) -> Any:
    return client.post(
        f"/api/v1/proposals/{room.proposal.pk}/comments/", {"body": f"<p>{text}</p>"}, format="json"
    )


def _acceptable(answer: Any) -> bool:
    if answer.status_code < 500:
        return True
    return answer.status_code == 503 and answer.json()["code"] == "service_busy"


def test_requests_survive_redis_going_away_and_live_events_come_back(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    room = make_room()
    client = APIClient()
    client.force_authenticate(room.member)
    listener = Listener(own_redis.url, room_group(room.proposal.pk))
    listener.thread.start()
    assert listener.ready.wait(timeout=15)
    try:
        before = _comment(client, room, "Avant la coupure")
        assert before.status_code == 201
        assert before.json()["id"] in listener.comment_ids(before.json()["id"])

        own_redis.kill()
        with caplog.at_level(logging.WARNING):
            during = _comment(client, room, "Pendant la coupure")
        assert during.status_code == 201, during.content
        assert any(
            r.name == "deliberation.ratelimit" and "not enforced" in r.getMessage()
            for r in caplog.records
        )
        # Every read of the API, filled with this cooperative's objects.
        ids = ids_in(room.cooperative.slug)
        for method, route in read_operations():
            answer = client.generic(method, fill(route, ids, room.cooperative.slug))
            assert _acceptable(answer), (route, answer.status_code, answer.content[:200])
        reaction = client.put(f"/api/v1/comments/{during.json()['id']}/reactions/agree/")
        assert reaction.status_code < 300
        page = Client()
        page.force_login(room.member)
        assert page.get(f"/api/v1/proposals/{room.proposal.pk}/").status_code == 200

        own_redis.start()
        # The listener's layer subscribes again by itself; a message published before it
        # has is gone (pub/sub keeps nothing), which the room's event log makes up for.
        listener.wait_until_subscribed(own_redis.port)
        after = _comment(client, room, "Après le retour")
        assert after.status_code == 201
        received = listener.comment_ids(after.json()["id"])
        assert during.json()["id"] not in received, "an event lost during the cut stays lost"
    finally:
        listener.stop.set()
        listener.thread.join(timeout=10)


def test_a_turnout_push_asked_while_redis_is_away_is_skipped_with_a_warning(
    own_redis: RedisServer, caplog: pytest.LogCaptureFixture
) -> None:
    own_redis.kill()
    with override_settings(COLLEGIA={"TURNOUT_PUSH_SECONDS": 1}), caplog.at_level(logging.WARNING):
        # Outside a transaction the push is asked for at once, as after a commit.
        live.turnout_changed(Vote(pk=123, proposal_id=1))
    assert any("not pushed" in r.getMessage() for r in caplog.records)


def test_an_unexpected_redis_error_in_a_view_is_a_503(own_redis: RedisServer) -> None:
    from django.core.cache import cache

    own_redis.kill()
    with pytest.raises(redis.ConnectionError) as raised:
        cache.get("anything")
    from core.errors import exception_handler

    response = exception_handler(raised.value, {})
    assert response is not None
    assert response.status_code == 503
    assert response.data["code"] == "service_busy"
