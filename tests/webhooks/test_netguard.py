"""Tests of the SSRF guard; public names are never resolved for real, getaddrinfo is faked."""

import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from webhooks.netguard import (
    ResolvedTarget,
    UnsafeDestination,
    resolve_and_check,
    validate_url_syntax,
)

type AddrInfo = list[tuple[Any, ...]]

PRIVATE_HOSTS = [
    "127.0.0.1",
    "127.8.9.10",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.10",
    "[::1]",
    "[::]",
    "[fe80::1]",
    "[fc00::1]",
    "[fd12:3456::1]",
    "[fec0::1]",
    "[ff02::1]",
    "[::ffff:127.0.0.1]",
    "[::ffff:10.0.0.1]",
    "[::ffff:169.254.169.254]",
    "[64:ff9b::7f00:1]",
    "[2002:7f00:1::1]",
    "[2001:db8::1]",
    "127.1",
    "2130706433",
    "0x7f000001",
]
PUBLIC_HOSTS = ["93.184.216.34", "1.1.1.1", "[2606:4700:4700::1111]"]


def _infos(*addresses: str, port: int = 443) -> AddrInfo:
    infos: AddrInfo = []
    for address in addresses:
        if ":" in address:
            infos.append((socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port, 0, 0)))
        else:
            infos.append((socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port)))
    return infos


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[..., list[str]]]:
    """Answer look-ups of the given name with the given addresses; record looked-up names."""
    looked_up: list[str] = []

    def install(name: str, *addresses: str) -> list[str]:
        def fake_getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> AddrInfo:
            looked_up.append(host)
            if host != name:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            return _infos(*addresses, port=port)

        monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
        return looked_up

    yield install


@pytest.mark.parametrize("host", PRIVATE_HOSTS)
def test_syntax_check_refuses_literal_non_public_addresses(host: str) -> None:
    with pytest.raises(UnsafeDestination) as caught:
        validate_url_syntax(f"https://{host}/hook")
    assert caught.value.code == "private_address"


@pytest.mark.parametrize("host", PRIVATE_HOSTS)
def test_syntax_check_allows_literal_private_addresses_when_allowed(host: str) -> None:
    validate_url_syntax(f"http://{host}:8080/hook", allow_private=True)


@pytest.mark.parametrize("host", PUBLIC_HOSTS)
def test_syntax_check_accepts_literal_public_addresses(host: str) -> None:
    validate_url_syntax(f"https://{host}/hook")


def test_syntax_check_accepts_names_without_resolving_them(
    fake_dns: Callable[..., list[str]],
) -> None:
    looked_up = fake_dns("nothing.invalid")
    validate_url_syntax("https://plateforme.coop.example/webhooks/collegia?x=1")
    validate_url_syntax("http://hooks.example.org:8443/")
    assert looked_up == []


@pytest.mark.parametrize("url", ["http://localhost/hook", "https://api.localhost:8000/"])
def test_syntax_check_refuses_localhost_names(url: str) -> None:
    with pytest.raises(UnsafeDestination) as caught:
        validate_url_syntax(url)
    assert caught.value.code == "private_address"
    validate_url_syntax(url, allow_private=True)


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("", "invalid_url"),
        ("ftp://hooks.example.org/", "scheme_not_allowed"),
        ("file:///etc/passwd", "scheme_not_allowed"),
        ("gopher://hooks.example.org/", "scheme_not_allowed"),
        ("hooks.example.org/hook", "scheme_not_allowed"),
        ("https:///hook", "missing_host"),
        ("https://user:secret@hooks.example.org/", "userinfo_not_allowed"),
        ("https://user@hooks.example.org/", "userinfo_not_allowed"),
        ("https://hooks.example.org:99999/", "invalid_port"),
        ("https://hooks.example.org:0/", "invalid_port"),
        ("https://hooks.example.org:http/", "invalid_port"),
        ("https://hooks.example.org/a b", "invalid_url"),
        ("https://hooks.example.org/\r\nX-Injected: 1", "invalid_url"),
        ("https://hooks..example.org/", "invalid_url"),
        ("https://hooks.example.org/" + "a" * 2000, "url_too_long"),
    ],
)
def test_syntax_check_refuses_malformed_urls(url: str, code: str) -> None:
    with pytest.raises(UnsafeDestination) as caught:
        validate_url_syntax(url, allow_private=True)
    assert caught.value.code == code
    assert caught.value.message
    assert str(caught.value).startswith(f"{code}: ")


def test_url_of_exactly_2000_characters_is_accepted() -> None:
    prefix = "https://hooks.example.org/"
    validate_url_syntax(prefix + "a" * (2000 - len(prefix)))


def test_unsafe_destination_is_a_value_error() -> None:
    assert issubclass(UnsafeDestination, ValueError)


def test_resolve_refuses_literal_loopback() -> None:
    with pytest.raises(UnsafeDestination) as caught:
        resolve_and_check("http://127.0.0.1:8080/hook", allow_private=False)
    assert caught.value.code == "private_address"
    assert "loopback" in caught.value.message


def test_resolve_allows_literal_loopback_when_allowed() -> None:
    target = resolve_and_check("http://127.0.0.1:8080/hook", allow_private=True)
    assert target == ResolvedTarget(
        url="http://127.0.0.1:8080/hook",
        scheme="http",
        host="127.0.0.1",
        port=8080,
        ip="127.0.0.1",
        addresses=("127.0.0.1",),
    )


def test_resolve_refuses_localhost_through_the_real_resolver() -> None:
    with pytest.raises(UnsafeDestination) as caught:
        resolve_and_check("http://localhost:8000/hook", allow_private=False)
    assert caught.value.code == "private_address"


def test_resolve_allows_localhost_when_allowed() -> None:
    target = resolve_and_check("http://localhost:8000/hook", allow_private=True)
    assert target.host == "localhost"
    assert target.ip in {"127.0.0.1", "::1"}


@pytest.mark.parametrize("host", ["127.1", "2130706433", "[::ffff:7f00:1]"])
def test_resolve_refuses_alternative_spellings_of_loopback(host: str) -> None:
    with pytest.raises(UnsafeDestination) as caught:
        resolve_and_check(f"http://{host}/", allow_private=False)
    assert caught.value.code == "private_address"


def test_resolve_returns_the_checked_public_address(fake_dns: Callable[..., list[str]]) -> None:
    looked_up = fake_dns("hooks.example.org", "93.184.216.34", "2606:2800:220:1::1")

    target = resolve_and_check("https://hooks.example.org/collegia", allow_private=False)

    assert looked_up == ["hooks.example.org"]
    assert target.ip == "93.184.216.34"
    assert target.addresses == ("93.184.216.34", "2606:2800:220:1::1")
    assert (target.scheme, target.host, target.port) == ("https", "hooks.example.org", 443)
    assert target.host_header == "hooks.example.org"


@pytest.mark.parametrize(
    "private", ["10.1.2.3", "127.0.0.1", "169.254.169.254", "::1", "::ffff:192.168.0.1", "fe80::1"]
)
def test_resolve_refuses_a_name_with_any_private_record(
    fake_dns: Callable[..., list[str]], private: str
) -> None:
    fake_dns("rebind.example.org", "93.184.216.34", private)

    with pytest.raises(UnsafeDestination) as caught:
        resolve_and_check("https://rebind.example.org/", allow_private=False)
    assert caught.value.code == "private_address"


def test_resolve_allows_private_records_when_allowed(fake_dns: Callable[..., list[str]]) -> None:
    fake_dns("operations.coop.internal", "10.0.0.5")
    target = resolve_and_check("http://operations.coop.internal/hook", allow_private=True)
    assert target.ip == "10.0.0.5"
    assert target.port == 80


def test_resolve_reports_an_unknown_name(fake_dns: Callable[..., list[str]]) -> None:
    fake_dns("something.else")
    with pytest.raises(UnsafeDestination) as caught:
        resolve_and_check("https://missing.example.org/", allow_private=True)
    assert caught.value.code == "unresolvable_host"


def test_resolve_reports_a_name_without_addresses(fake_dns: Callable[..., list[str]]) -> None:
    fake_dns("empty.example.org")
    with pytest.raises(UnsafeDestination) as caught:
        resolve_and_check("https://empty.example.org/", allow_private=False)
    assert caught.value.code == "unresolvable_host"


def test_resolve_looks_up_international_names_in_ascii(
    fake_dns: Callable[..., list[str]],
) -> None:
    looked_up = fake_dns("xn--coopration-e7a.example", "93.184.216.34")
    target = resolve_and_check("https://Coopération.example:8443/", allow_private=False)
    assert looked_up == ["xn--coopration-e7a.example"]
    assert target.host_header == "xn--coopration-e7a.example:8443"


def test_host_header_brackets_ipv6_and_omits_default_ports() -> None:
    target = ResolvedTarget(
        url="https://[2606:4700::1]:8443/",
        scheme="https",
        host="2606:4700::1",
        port=8443,
        ip="2606:4700::1",
        addresses=("2606:4700::1",),
    )
    assert target.host_header == "[2606:4700::1]:8443"
    default_port = ResolvedTarget(
        url="http://hooks.example.org/",
        scheme="http",
        host="hooks.example.org",
        port=80,
        ip="93.184.216.34",
        addresses=("93.184.216.34",),
    )
    assert default_port.host_header == "hooks.example.org"
