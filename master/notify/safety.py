"""Outbound safety: where the master may send a notification, and how much it reads back.

A receiver URL is configuration that an admin types (or pastes), and the master runs inside a
cluster next to cloud metadata endpoints and its own admin API. So before every request:

- only ``http``/``https`` URLs with a host;
- no link-local or metadata address (169.254.0.0/16 — which holds 169.254.169.254 —, fe80::/10,
  fd00:ec2::254), checked on every address the host name resolves to, not only on literals;
- not the master's own listen ports on a local address, unless the config allows that port;
- the response body is read up to ``MAX_RESPONSE_BYTES`` and the rest dropped; every request
  has a timeout; redirects are not followed (a redirect could lead past these checks).

Plain ``http`` connects to the address that was checked (``pin``: the URL's host replaced by
it, the name kept in ``Host``), so a DNS answer that changes between check and connect
(rebinding) cannot redirect it. ``https`` connects by name: there the certificate, verified for
that name, is what a rebinding attacker cannot present for an internal address — and pinning
would let the client's connection pool (keyed by address) reuse a connection verified for one
name for another. SMTP connects by name too, behind STARTTLS or TLS by default."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from master.notify.errors import UnsafeDestination

MAX_RESPONSE_BYTES = 64 * 1024
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254")}
)
ALLOWED_SCHEMES = frozenset({"http", "https"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]


@dataclass(frozen=True, slots=True)
class OutboundPolicy:
    """What the master refuses. ``own_ports`` are the master's listen ports (HTTP API, gRPC,
    metrics); ``allowed_own_ports`` lifts the refusal for some of them (e.g. a demo receiver
    served by the master itself). ``timeout_s`` bounds each request end to end."""

    own_ports: frozenset[int] = field(default_factory=frozenset)
    allowed_own_ports: frozenset[int] = field(default_factory=frozenset)
    timeout_s: float = 10.0
    max_response_bytes: int = MAX_RESPONSE_BYTES


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def parse_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a receiver URL, or UnsafeDestination when it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise UnsafeDestination(f"not a valid URL: {e}") from e
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UnsafeDestination(f"only http and https URLs are allowed, not {scheme or 'none'!r}")
    if not parts.hostname:
        raise UnsafeDestination("the URL has no host")
    return scheme, parts.hostname, port or _default_port(scheme)


def check_static(url: str) -> None:
    """The checks that need no DNS (config validation runs these when a receiver is saved)."""
    _, host, _ = parse_url(url)
    literal = _literal(host)
    if literal is not None:
        _refuse_address(literal, host)


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _refuse_address(address: IPAddress, host: str) -> None:
    mapped = address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) else None
    for a in (address, mapped):
        if a is None:
            continue
        if a in METADATA_ADDRESSES or a.is_link_local:
            raise UnsafeDestination(
                f"{host} is (or resolves to) {a}, a link-local or cloud metadata address"
            )


def _is_local(address: IPAddress) -> bool:
    return address.is_loopback or address.is_unspecified


async def system_resolver(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    try:
        infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise UnsafeDestination(f"cannot resolve {host}: {e}") from e
    return [str(info[4][0]) for info in infos]


async def check_destination(
    host: str, port: int, policy: OutboundPolicy, *, resolver: Resolver = system_resolver
) -> list[IPAddress]:
    """Refuses ``host:port`` (UnsafeDestination) when any address it resolves to is link-local
    or metadata, or when it is a local address on one of the master's own ports; returns the
    addresses checked, in the resolver's order of preference."""
    literal = _literal(host)
    addresses: list[IPAddress]
    if literal is not None:
        addresses = [literal]
    else:
        addresses = [ipaddress.ip_address(a.split("%", 1)[0]) for a in await resolver(host, port)]
    for address in addresses:
        _refuse_address(address, host)
        if port in policy.own_ports and port not in policy.allowed_own_ports and _is_local(address):
            raise UnsafeDestination(
                f"{host}:{port} is the master's own port; allow it in the receiver policy "
                "to send there"
            )
    if not addresses:
        raise UnsafeDestination(f"{host} resolves to no address")
    return addresses


async def check_url(
    url: str, policy: OutboundPolicy, *, resolver: Resolver = system_resolver
) -> list[IPAddress]:
    _, host, port = parse_url(url)
    return await check_destination(host, port, policy, resolver=resolver)


@dataclass(frozen=True, slots=True)
class Pinned:
    """Where to connect: the URL (its host replaced by the checked address for plain http)
    and the ``Host`` header that then names the original host (None: leave it to the client)."""

    url: str
    host_header: str | None


def pin(url: str, address: IPAddress) -> Pinned:
    parts = urlsplit(url)
    if parts.scheme.lower() != "http":
        return Pinned(url, None)
    literal = f"[{address}]" if address.version == 6 else str(address)
    userinfo, _, hostport = parts.netloc.rpartition("@")
    netloc = literal if parts.port is None else f"{literal}:{parts.port}"
    if userinfo:
        netloc = f"{userinfo}@{netloc}"
    return Pinned(parts._replace(netloc=netloc).geturl(), hostport)
