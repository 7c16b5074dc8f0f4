"""One webhook delivery attempt over HTTP(S) to a checked, pinned IP address."""

import codecs
import functools
import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit, urlunsplit

import httpx

from webhooks.netguard import (
    DEFAULT_ALLOWED_PORTS,
    PortPolicy,
    ResolvedTarget,
    UnsafeDestination,
    resolve_and_check,
)

EXCERPT_CHARS: Final = 1000
# A character takes at most 4 bytes in UTF-8, so this many bytes always hold the excerpt.
_EXCERPT_BYTES: Final = 4 * EXCERPT_CHARS
_ERROR_CHARS: Final = 500


@dataclass(frozen=True, slots=True)
class AttemptResult:
    """What one attempt produced; ``status`` is None when no HTTP response was received.

    ``error`` is None when a response arrived, else one of ``timeout``,
    ``connection_refused``, ``unsafe_destination: <code>: <message>``,
    ``dns_failure: <message>``, ``tls_error: <message>``, ``connect_error: <message>``,
    ``protocol_error: <message>`` or ``network_error: <message>``.
    """

    status: int | None
    duration_ms: int
    response_excerpt: str
    error: str | None
    retry_after: str | None


@functools.cache
def _default_ssl_context() -> ssl.SSLContext:
    # Building a verifying context loads the CA bundle, so it is built once per process.
    return httpx.create_ssl_context(verify=True)


# A kept-alive connection unused for this long is closed by the pool's next use.
POOL_IDLE_SECONDS: Final = 30.0
# Destinations kept alive at once; the longest unused is closed past it.
POOL_MAX_DESTINATIONS: Final = 256

type PoolKey = tuple[str, str, int, str, int]


class ClientPool:
    """HTTP clients kept alive between deliveries, one per checked destination.

    A client is keyed by (scheme, host name, port, pinned IP address, trust store): a
    connection is reused only for the same name at the same address the guard checked for
    this delivery, so neither a DNS change nor another name served by the same address
    (whose certificate and SNI differ) can ride on it. Every delivery still resolves and
    checks the name first (``deliver``); only the connection is kept. Clients unused for
    ``idle_seconds`` are closed at the next use of the pool, and at most ``max_clients``
    are kept. Safe to share between the sending threads of a worker.
    """

    def __init__(
        self, *, idle_seconds: float = POOL_IDLE_SECONDS, max_clients: int = POOL_MAX_DESTINATIONS
    ) -> None:
        self.idle_seconds = idle_seconds
        self.max_clients = max_clients
        self._lock = threading.Lock()
        self._clients: dict[PoolKey, tuple[httpx.Client, float]] = {}

    def client(
        self, target: ResolvedTarget, ip: str, verify: ssl.SSLContext, timeout: float
    ) -> httpx.Client:
        key: PoolKey = (target.scheme, target.host, target.port, ip, id(verify))
        now = time.monotonic()
        closing: list[httpx.Client] = []
        with self._lock:
            for other, (old, used) in list(self._clients.items()):
                if now - used > self.idle_seconds:
                    closing.append(old)
                    del self._clients[other]
            found = self._clients.get(key)
            if found is None:
                if len(self._clients) >= self.max_clients:
                    oldest = min(self._clients, key=lambda k: self._clients[k][1])
                    closing.append(self._clients.pop(oldest)[0])
                client = _new_client(verify, timeout)
            else:
                client = found[0]
            self._clients[key] = (client, now)
        for old in closing:
            old.close()
        return client

    def __len__(self) -> int:
        with self._lock:
            return len(self._clients)

    def close(self) -> None:
        with self._lock:
            clients = [client for client, _used in self._clients.values()]
            self._clients.clear()
        for client in clients:
            client.close()


def _new_client(verify: ssl.SSLContext, timeout: float) -> httpx.Client:
    # Redirects are never followed; proxies and netrc from the environment are ignored.
    return httpx.Client(
        verify=verify, follow_redirects=False, trust_env=False, timeout=httpx.Timeout(timeout)
    )


def _pinned_url(target: ResolvedTarget, ip: str) -> str:
    """Return the target URL with its host replaced by ``ip`` and its fragment dropped."""
    parts = urlsplit(target.url)
    host = f"[{ip}]" if ":" in ip else ip
    return urlunsplit((target.scheme, f"{host}:{target.port}", parts.path or "/", parts.query, ""))


def _has_cause(exc: BaseException, kind: type[BaseException]) -> bool:
    """Return True when ``exc`` or an exception it was raised from is a ``kind``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, kind):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _describe(prefix: str, exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{prefix}: {text}"[:_ERROR_CHARS]


def _connect_error(exc: httpx.ConnectError) -> str:
    if _has_cause(exc, ConnectionRefusedError) or "refused" in str(exc).lower():
        return "connection_refused"
    if _has_cause(exc, ssl.SSLError):
        return _describe("tls_error", exc)
    return _describe("connect_error", exc)


def _decode_excerpt(raw: bytes, charset: str | None) -> str:
    encoding = "utf-8"
    if charset:
        try:
            encoding = codecs.lookup(charset).name
        except LookupError:
            encoding = "utf-8"
    # An incremental decoder leaves out a character cut at the end of the bytes read.
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    return decoder.decode(raw, final=False)[:EXCERPT_CHARS]


def _read_excerpt(response: httpx.Response, deadline: float) -> str:
    """Read no more of the body than the excerpt needs, and stop at the overall deadline."""
    raw = bytearray()
    for chunk in response.iter_bytes():
        raw.extend(chunk)
        if len(raw) >= _EXCERPT_BYTES or time.monotonic() > deadline:
            break
    return _decode_excerpt(bytes(raw[:_EXCERPT_BYTES]), response.charset_encoding)


def _attempt(
    *,
    client: httpx.Client,
    target: ResolvedTarget,
    ip: str,
    headers: Mapping[str, str],
    body: bytes,
    deadline: float,
    timeout: float,
) -> tuple[int, str, str | None]:
    request_headers = {name: value for name, value in headers.items() if name.lower() != "host"}
    # An uncompressed answer keeps the excerpt cheap to read; a receiver may still compress.
    if not any(name.lower() == "accept-encoding" for name in request_headers):
        request_headers["Accept-Encoding"] = "identity"
    # httpx keeps an explicit Host header, so the receiver sees the name, not the IP.
    request_headers["Host"] = target.host_header
    # The "sni_hostname" extension makes httpcore send the name as TLS SNI and verify the
    # certificate against it, although the socket is connected to the pinned IP.
    request = client.build_request(
        "POST",
        _pinned_url(target, ip),
        headers=request_headers,
        content=body,
        extensions={"sni_hostname": target.host},
        timeout=httpx.Timeout(timeout),
    )
    response = client.send(request, stream=True)
    try:
        try:
            excerpt = _read_excerpt(response, deadline)
        except httpx.HTTPError:
            # The status is what counts; a body that breaks off still leaves it valid.
            excerpt = ""
        return response.status_code, excerpt, response.headers.get("retry-after")
    finally:
        response.close()


def deliver(
    *,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    timeout: float,
    allow_private: bool,
    allowed_ports: PortPolicy = DEFAULT_ALLOWED_PORTS,
    ssl_context: ssl.SSLContext | None = None,
    pool: ClientPool | None = None,
) -> AttemptResult:
    """POST ``body`` to ``url`` once and report what happened; network failures never raise.

    The host is resolved and checked by ``netguard`` now, at delivery time, and the socket is
    connected to a checked address, never to the name: a DNS change after the check cannot
    redirect the request, for http and https alike. The Host header and, for https, the TLS
    server name and certificate verification use the original host name. When a name has
    several addresses, the next one is tried only if connecting to the previous one failed.

    Redirects are not followed, proxies and netrc from the environment are ignored, and TLS
    certificates are verified (``ssl_context`` replaces the default trust store, for a private
    CA or for tests). ``timeout`` bounds each phase (connect, send, each read); the body is
    read only up to the excerpt and not beyond ``timeout`` after the start.

    With a ``pool``, the connection to the checked address is kept alive for the next
    delivery to the same name at the same address (``ClientPool``); without one, it is
    closed after this attempt.
    """
    started = time.monotonic()
    deadline = started + timeout

    def result(
        status: int | None = None,
        excerpt: str = "",
        error: str | None = None,
        retry_after: str | None = None,
    ) -> AttemptResult:
        duration_ms = round((time.monotonic() - started) * 1000)
        return AttemptResult(
            status=status,
            duration_ms=duration_ms,
            response_excerpt=excerpt,
            error=error,
            retry_after=retry_after,
        )

    try:
        target = resolve_and_check(url, allow_private=allow_private, allowed_ports=allowed_ports)
    except UnsafeDestination as exc:
        if exc.code == "unresolvable_host":
            return result(error=f"dns_failure: {exc.message}"[:_ERROR_CHARS])
        return result(error=_describe("unsafe_destination", exc))

    verify = ssl_context if ssl_context is not None else _default_ssl_context()
    if pool is not None:
        return _try_addresses(target, headers, body, timeout, deadline, result, pool, verify)
    with _new_client(verify, timeout) as client:
        return _try_addresses(
            target, headers, body, timeout, deadline, result, lambda _ip: client, verify
        )


def _try_addresses(
    target: ResolvedTarget,
    headers: Mapping[str, str],
    body: bytes,
    timeout: float,
    deadline: float,
    result: Callable[..., AttemptResult],
    clients: ClientPool | Callable[[str], httpx.Client],
    verify: ssl.SSLContext,
) -> AttemptResult:
    error = "connect_error: no address"
    for ip in target.addresses:
        if isinstance(clients, ClientPool):
            client = clients.client(target, ip, verify, timeout)
        else:
            client = clients(ip)
        try:
            status, excerpt, retry_after = _attempt(
                client=client,
                target=target,
                ip=ip,
                headers=headers,
                body=body,
                deadline=deadline,
                timeout=timeout,
            )
        except httpx.TimeoutException:
            return result(error="timeout")
        except httpx.ConnectError as exc:
            error = _connect_error(exc)
            if error.startswith("tls_error") or time.monotonic() >= deadline:
                break
            continue
        except (httpx.RemoteProtocolError, httpx.LocalProtocolError) as exc:
            return result(error=_describe("protocol_error", exc))
        except (httpx.HTTPError, OSError) as exc:
            return result(error=_describe("network_error", exc))
        return result(status=status, excerpt=excerpt, retry_after=retry_after)
    return result(error=error)
