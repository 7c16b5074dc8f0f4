"""A real HTTP webhook receiver for tests, with programmable answers and outages."""

import socket
import ssl
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self

from standardwebhooks.webhooks import Webhook


@dataclass(frozen=True, slots=True)
class Behaviour:
    """How the receiver answers one request: wait ``delay`` seconds, then send this response."""

    status: int = 200
    body: bytes = b"ok"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0

    @classmethod
    def ok(cls, body: bytes = b"ok") -> Self:
        return cls(status=200, body=body)

    @classmethod
    def error(cls, status: int = 500, body: bytes = b"internal error") -> Self:
        return cls(status=status, body=body)

    @classmethod
    def slow(cls, seconds: float, status: int = 200) -> Self:
        return cls(status=status, delay=seconds)

    @classmethod
    def gone(cls) -> Self:
        return cls(status=410, body=b"gone")

    @classmethod
    def throttle(cls, retry_after: str, status: int = 429) -> Self:
        return cls(status=status, body=b"slow down", headers=(("Retry-After", retry_after),))

    @classmethod
    def redirect(cls, location: str, status: int = 301) -> Self:
        return cls(status=status, body=b"moved", headers=(("Location", location),))


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    """One request as received; header names are lower-cased."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: datetime
    monotonic: float = field(repr=False)
    # The client's (address, port): one per connection, so kept-alive requests share it.
    peer: tuple[str, int] = field(default=("", 0), repr=False)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], receiver: "WebhookReceiver") -> None:
        super().__init__(address, _Handler)
        self.receiver = receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that give up (timeouts, refused certificates) are part of the tests.
        pass


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        receiver = self.server.receiver
        behaviour = receiver._record_and_choose(
            RecordedRequest(
                method=self.command,
                path=self.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=body,
                received_at=datetime.now(UTC),
                monotonic=time.monotonic(),
                peer=(str(self.client_address[0]), int(self.client_address[1])),
            )
        )
        if behaviour.delay and receiver._stopping.wait(behaviour.delay):
            return
        try:
            self.send_response(behaviour.status)
            for name, value in behaviour.headers:
                self.send_header(name, value)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(behaviour.body)))
            if not receiver.keep_alive:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(behaviour.body)
        except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
            pass

    do_POST = _handle
    do_GET = _handle
    do_PUT = _handle


class WebhookReceiver:
    """A ThreadingHTTPServer on 127.0.0.1 that records requests and answers as programmed.

    Behaviours are consumed one per request, in order; once they run out, ``default`` answers.
    ``stop()`` closes the socket (a client then gets "connection refused") and ``restart()``
    listens again on the same port. Use as a context manager.
    """

    def __init__(
        self,
        *behaviours: Behaviour,
        default: Behaviour | None = None,
        path: str = "/hook",
        ssl_context: ssl.SSLContext | None = None,
        keep_alive: bool = False,
    ) -> None:
        self.path = path
        # Whether connections stay open after an answer (HTTP/1.1's default); by default
        # each answer closes its connection.
        self.keep_alive = keep_alive
        self.default = default if default is not None else Behaviour.ok()
        self._ssl_context = ssl_context
        self._behaviours: deque[Behaviour] = deque(behaviours)
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._port = 0

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("The receiver has not been started.")
        return self._port

    @property
    def url(self) -> str:
        scheme = "https" if self._ssl_context is not None else "http"
        return f"{scheme}://127.0.0.1:{self.port}{self.path}"

    @property
    def is_running(self) -> bool:
        return self._server is not None

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def program(self, *behaviours: Behaviour) -> None:
        """Queue more behaviours after those not consumed yet."""
        with self._lock:
            self._behaviours.extend(behaviours)

    def start(self) -> None:
        """Listen on the port used before, or on a free one the first time."""
        if self._server is not None:
            raise RuntimeError("The receiver is already running.")
        self._stopping.clear()
        server = _Server(("127.0.0.1", self._port), self)
        if self._ssl_context is not None:
            server.socket = self._ssl_context.wrap_socket(server.socket, server_side=True)
        self._port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Close the listening socket and release handlers that are still sleeping."""
        server, thread = self._server, self._thread
        if server is None:
            return
        self._stopping.set()
        server.shutdown()
        server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        self._server = None
        self._thread = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def wait_for_requests(self, count: int, timeout: float = 5.0) -> list[RecordedRequest]:
        """Wait until at least ``count`` requests were recorded, then return them all."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self._requests) >= count, timeout=timeout)
            return list(self._requests)

    def _record_and_choose(self, request: RecordedRequest) -> Behaviour:
        with self._arrived:
            self._requests.append(request)
            self._arrived.notify_all()
            return self._behaviours.popleft() if self._behaviours else self.default


def port_is_closed(port: int) -> bool:
    """Return True when nothing accepts TCP connections on 127.0.0.1:``port``."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) != 0


def verified_deliveries(requests: Iterable[RecordedRequest], *, secret: str) -> dict[str, Any]:
    """Verify each request with the standardwebhooks package; return payloads by webhook-id.

    Redeliveries of one message keep the first payload, as a receiver deduplicating by
    ``webhook-id`` would. A failed verification raises ``WebhookVerificationError``, and a
    redelivery whose body differs from the first raises ``AssertionError``.
    """
    webhook = Webhook(secret)
    payloads: dict[str, Any] = {}
    bodies: dict[str, bytes] = {}
    for request in requests:
        payload = webhook.verify(request.body, request.headers)
        msg_id = request.headers["webhook-id"]
        if msg_id in bodies:
            if bodies[msg_id] != request.body:
                raise AssertionError(f"Message {msg_id} was redelivered with another body.")
            continue
        bodies[msg_id] = request.body
        payloads[msg_id] = payload
    return payloads
