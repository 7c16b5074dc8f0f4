"""Helpers to drive the proposal room's WebSocket in tests."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from deliberation.routing import urlpatterns

# How long a test waits for a frame it expects: a bound on a failing test's time, not a
# measure of speed (two test workers on a loaded machine took over 2 s at times).
WAIT_SECONDS = 10.0


class AsPerson:
    """Stand-in for the authentication middleware: puts a person (and session) in scope."""

    def __init__(
        self,
        inner: Any,
        person: Any,
        *,
        session_key: str | None = None,
        auth_method: str | None = None,
    ) -> None:
        self.inner = inner
        self.person = person
        self.session_key = session_key
        self.auth_method = auth_method

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        extra: dict[str, Any] = {"user": self.person}
        if self.session_key is not None:
            extra["session"] = type("Session", (), {"session_key": self.session_key})()
        if self.auth_method is not None:
            extra["auth_method"] = self.auth_method
        return await self.inner({**scope, **extra}, receive, send)


def communicator(
    person: Any, proposal_id: int, query: str = "", **options: Any
) -> WebsocketCommunicator:
    path = f"/ws/proposals/{proposal_id}/" + (f"?{query}" if query else "")
    return WebsocketCommunicator(AsPerson(URLRouter(urlpatterns), person, **options), path)


async def _poll(comm: WebsocketCommunicator, quiet: float) -> dict[str, Any] | None:
    """The next output, or None once nothing came for `quiet` seconds. Unlike
    receive_output, a quiet socket is not a failure and the application keeps running."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + quiet
    while loop.time() < deadline:
        if comm.future.done():
            comm.future.result()
        if not comm.output_queue.empty():
            message: dict[str, Any] = comm.output_queue.get_nowait()
            return message
        await asyncio.sleep(0.005)
    return None


async def frames(
    comm: WebsocketCommunicator,
    *,
    skip: tuple[str, ...] = ("presence", "presence.delta"),
    quiet: float = 0.3,
) -> list[dict[str, Any]]:
    """Every frame received until the socket stays quiet, except the skipped types."""
    received = []
    while True:
        message = await _poll(comm, quiet)
        if message is None:
            return received
        if message["type"] != "websocket.send":
            received.append({"type": "_" + message["type"], "code": message.get("code")})
            return received
        frame = json.loads(message["text"])
        if frame["type"] not in skip:
            received.append(frame)


async def next_frame(
    comm: WebsocketCommunicator, type_: str, *, timeout: float = WAIT_SECONDS
) -> dict[str, Any]:
    """The next frame of a type, dropping others on the way."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        message = await comm.receive_output(timeout=max(0.01, deadline - loop.time()))
        if message["type"] == "websocket.close":
            raise AssertionError(f"closed with {message.get('code')} while waiting for {type_}")
        frame = json.loads(message["text"])
        if frame["type"] == type_:
            return frame


async def closed_with(comm: WebsocketCommunicator, *, timeout: float = WAIT_SECONDS) -> int | None:
    """Read until the server closes the socket; return its close code."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        message = await comm.receive_output(timeout=max(0.01, deadline - loop.time()))
        if message["type"] == "websocket.close":
            code: int | None = message.get("code")
            return code
