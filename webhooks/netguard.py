"""SSRF guard: webhook URLs must resolve only to public addresses before any connection."""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit

type IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH: Final = 2000
ALLOWED_SCHEMES: Final = frozenset({"http", "https"})
DEFAULT_PORTS: Final = {"http": 80, "https": 443}
# Ports a webhook may be sent to unless WEBHOOK_ALLOWED_PORTS says otherwise: the web's own
# ports and the unprivileged range. Below 1024 live SSH, SMTP, DNS and the like, which a
# webhook has no business reaching on a public host.
DEFAULT_ALLOWED_PORTS_TEXT: Final = "80,443,1024-65535"

# 100.64.0.0/10 is carrier-grade NAT space; Python's is_private does not cover it.
_SHARED_ADDRESS_SPACE: Final = ipaddress.IPv4Network("100.64.0.0/10")
# NAT64 prefixes translate to the IPv4 address held in their last 32 bits.
_NAT64_PREFIXES: Final = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
)
# Legacy numeric IPv4 spellings ("127.1", "0x7f000001", "2130706433") that resolvers accept.
_LEGACY_IPV4: Final = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]+|[0-9]+)){0,3}$")


class UnsafeDestination(ValueError):
    """A webhook destination that must not be contacted, with a stable machine ``code``.

    Codes: ``invalid_url``, ``url_too_long``, ``scheme_not_allowed``, ``missing_host``,
    ``userinfo_not_allowed``, ``invalid_port``, ``port_not_allowed``, ``unresolvable_host``,
    ``private_address``.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True, slots=True)
class PortPolicy:
    """The destination ports a webhook may be sent to, as inclusive ranges."""

    ranges: tuple[tuple[int, int], ...]

    @classmethod
    def parse(cls, text: str) -> PortPolicy:
        """Read "80,443,1024-65535": ports and inclusive ranges separated by commas.

        Raises ``ValueError`` for anything else, including ports outside 1-65535.
        """
        ranges: list[tuple[int, int]] = []
        for item in text.split(","):
            item = item.strip()
            if not item:
                continue
            low_text, _dash, high_text = item.partition("-")
            try:
                low = int(low_text)
                high = int(high_text) if high_text else low
            except ValueError:
                raise ValueError(f"{item!r} is neither a port nor a range of ports") from None
            if not 1 <= low <= high <= 65535:
                raise ValueError(f"{item!r} is not a range of ports between 1 and 65535")
            ranges.append((low, high))
        if not ranges:
            raise ValueError("the list of allowed ports is empty")
        return cls(tuple(ranges))

    def allows(self, port: int) -> bool:
        return any(low <= port <= high for low, high in self.ranges)

    def describe(self) -> str:
        return ", ".join(str(low) if low == high else f"{low}-{high}" for low, high in self.ranges)


DEFAULT_ALLOWED_PORTS: Final = PortPolicy.parse(DEFAULT_ALLOWED_PORTS_TEXT)


@dataclass(frozen=True, slots=True)
class ResolvedTarget:
    """A checked destination: connect to ``ip`` (or the next of ``addresses``), never re-resolve.

    ``host`` is the ASCII (IDNA) host name to send as Host and as TLS server name.
    """

    url: str
    scheme: str
    host: str
    port: int
    ip: str
    addresses: tuple[str, ...]

    @property
    def host_header(self) -> str:
        """Return the Host header value: the host, bracketed if IPv6, with a non-default port."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        if self.port == DEFAULT_PORTS[self.scheme]:
            return host
        return f"{host}:{self.port}"


def _forbidden_reason(ip: IPAddress) -> str | None:
    """Return why ``ip`` is not a public unicast address, or None when it is."""
    if isinstance(ip, ipaddress.IPv6Address):
        # Addresses that embed an IPv4 address are judged by the address they lead to.
        embedded: list[ipaddress.IPv4Address] = []
        if ip.ipv4_mapped is not None:
            embedded.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            embedded.append(ip.sixtofour)
        if ip.teredo is not None:
            embedded.extend(ip.teredo)
        if any(ip in prefix for prefix in _NAT64_PREFIXES):
            embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        for inner in embedded:
            reason = _forbidden_reason(inner)
            if reason is not None:
                return f"embeds a {reason} IPv4 address"
        if ip.is_site_local:
            return "site-local"
    checks: tuple[tuple[bool, str], ...] = (
        (ip.is_unspecified, "unspecified"),
        (ip.is_loopback, "loopback"),
        (ip.is_link_local, "link-local"),
        (ip.is_multicast, "multicast"),
        (isinstance(ip, ipaddress.IPv4Address) and ip in _SHARED_ADDRESS_SPACE, "shared"),
        (ip.is_private, "private"),
        (ip.is_reserved, "reserved"),
        (not ip.is_global, "non-global"),
    )
    for matched, reason in checks:
        if matched:
            return reason
    return None


def _literal_ip(host: str) -> IPAddress | None:
    """Return ``host`` as an IP address when it is written as one, in any accepted spelling."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _LEGACY_IPV4.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def _parse(url: str, allowed_ports: PortPolicy) -> tuple[str, str, int]:
    """Check the URL's form and port and return its scheme, ASCII host and port."""
    if not isinstance(url, str) or not url:
        raise UnsafeDestination("invalid_url", "The URL is empty.")
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeDestination(
            "url_too_long", f"The URL is longer than {MAX_URL_LENGTH} characters."
        )
    if any(ord(char) <= 0x20 or ord(char) == 0x7F for char in url):
        raise UnsafeDestination("invalid_url", "The URL contains spaces or control characters.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise UnsafeDestination("invalid_port", f"The URL is not valid: {exc}.") from exc
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeDestination("scheme_not_allowed", "Only http and https URLs are allowed.")
    if "@" in parts.netloc:
        raise UnsafeDestination(
            "userinfo_not_allowed", "The URL must not contain a user name or password."
        )
    hostname = parts.hostname
    if not hostname:
        raise UnsafeDestination("missing_host", "The URL has no host.")
    if port == 0:
        raise UnsafeDestination("invalid_port", "Port 0 cannot be contacted.")
    try:
        ascii_host = hostname if hostname.isascii() else hostname.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise UnsafeDestination("invalid_url", "The host name is not a valid name.") from exc
    if len(ascii_host) > 253 or ".." in ascii_host or ascii_host.startswith("."):
        raise UnsafeDestination("invalid_url", "The host name is not a valid name.")
    port = port or DEFAULT_PORTS[scheme]
    if not allowed_ports.allows(port):
        raise UnsafeDestination(
            "port_not_allowed",
            f"Port {port} cannot receive webhooks; allowed ports: {allowed_ports.describe()}.",
        )
    return scheme, ascii_host.rstrip(".") or ascii_host, port


def validate_url_syntax(
    url: str, *, allow_private: bool = False, allowed_ports: PortPolicy = DEFAULT_ALLOWED_PORTS
) -> None:
    """Check a URL when an endpoint is created, without any DNS look-up.

    Raises ``UnsafeDestination`` for a URL that is not http(s), has no host, carries a user
    name or password, exceeds 2,000 characters, names a port outside ``allowed_ports``, or
    names a non-public IP literally (unless ``allow_private``). Names are only resolved, and
    checked again, at delivery time.
    """
    _scheme, host, _port = _parse(url, allowed_ports)
    if allow_private:
        return
    # Names reserved for the local machine (RFC 6761) are refused without resolving them.
    if host == "localhost" or host.endswith(".localhost"):
        raise UnsafeDestination("private_address", "The URL points to the local machine.")
    literal = _literal_ip(host)
    if literal is not None:
        reason = _forbidden_reason(literal)
        if reason is not None:
            raise UnsafeDestination(
                "private_address", f"The URL points to a {reason} address ({literal})."
            )


def resolve_and_check(
    url: str, *, allow_private: bool, allowed_ports: PortPolicy = DEFAULT_ALLOWED_PORTS
) -> ResolvedTarget:
    """Resolve the URL's host and return the addresses to connect to, all of them checked.

    Refuses (``UnsafeDestination``) when ANY resolved address is not public unicast, unless
    ``allow_private``, so a name that mixes a public and a private record is refused. The
    caller must connect to the returned addresses, never to the name, so a DNS answer that
    changes between this check and the connection cannot redirect the request. The port is
    checked again too, so an endpoint saved under a wider ``allowed_ports`` is not sent to.
    """
    scheme, host, port = _parse(url, allowed_ports)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        message = f"The host {host} cannot be resolved."
        raise UnsafeDestination("unresolvable_host", message) from exc
    addresses: list[str] = []
    for family, _type, _proto, _canonname, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        address = str(sockaddr[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise UnsafeDestination("unresolvable_host", f"The host {host} has no IP address.")
    if not allow_private:
        for address in addresses:
            # A scope suffix ("%eth0") only occurs on link-local addresses, refused below.
            ip = ipaddress.ip_address(address.split("%", 1)[0])
            reason = _forbidden_reason(ip)
            if reason is not None:
                raise UnsafeDestination(
                    "private_address", f"The host {host} resolves to a {reason} address ({ip})."
                )
    return ResolvedTarget(
        url=url, scheme=scheme, host=host, port=port, ip=addresses[0], addresses=tuple(addresses)
    )
