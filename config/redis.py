"""How every Redis client of the service connects: one place for its timeouts."""

from __future__ import annotations

from typing import Any

# channels-redis' core layer waits for a message with a blocking BZPOPMIN of 5 seconds.
# redis-py 8 gives every read a 5-second socket timeout by default, so an idle consumer's
# wait would end in a TimeoutError and close its WebSocket. Reads may last twice the
# blocking wait: a dead connection is still noticed, an idle room is not mistaken for one.
BLOCKING_WAIT_SECONDS = 5
READ_TIMEOUT_SECONDS = 2 * BLOCKING_WAIT_SECONDS
CONNECT_TIMEOUT_SECONDS = 5


def channel_layer_host(url: str) -> dict[str, Any]:
    """A channels-redis `hosts` entry for the Redis at `url`."""
    return {
        "address": url,
        "socket_timeout": READ_TIMEOUT_SECONDS,
        "socket_connect_timeout": CONNECT_TIMEOUT_SECONDS,
    }
