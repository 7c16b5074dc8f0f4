"""The channel layer as configured waits on an idle Redis without timing out."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from channels_redis.core import RedisChannelLayer

from config.redis import READ_TIMEOUT_SECONDS, channel_layer_host
from tests.conftest import redis_url

pytestmark = pytest.mark.redis


def test_reads_outlast_the_core_layers_blocking_wait() -> None:
    assert RedisChannelLayer.brpop_timeout < READ_TIMEOUT_SECONDS


def test_a_consumer_idle_past_one_blocking_wait_still_receives() -> None:
    """redis-py 8 reads with a 5-second timeout by default: without the configured one, a
    room quiet for longer than the layer's 5-second BZPOPMIN would end in a TimeoutError."""

    async def scenario() -> dict[str, str]:
        layer = RedisChannelLayer(
            hosts=[channel_layer_host(redis_url())], prefix=f"collegia-test-{uuid.uuid4().hex[:8]}"
        )
        channel = await layer.new_channel()
        waiting = asyncio.ensure_future(layer.receive(channel))
        await asyncio.sleep(RedisChannelLayer.brpop_timeout + 1.5)
        assert not waiting.done(), waiting.exception() if waiting.done() else ""
        await layer.send(channel, {"type": "room.event", "text": "still here"})
        message = await asyncio.wait_for(waiting, READ_TIMEOUT_SECONDS)
        await layer.flush()
        return message

    assert asyncio.run(scenario()) == {"type": "room.event", "text": "still here"}
