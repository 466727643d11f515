"""Outbound safety: schemes, link-local and metadata addresses (literal and resolved), the
master's own ports."""

from __future__ import annotations

import pytest

from master.notify.errors import UnsafeDestination
from master.notify.safety import OutboundPolicy, Pinned, check_static, check_url, pin

POLICY = OutboundPolicy(own_ports=frozenset({8080, 50051}))


def _resolver_to(*addresses: str):
    # DNS is the one seam here without a local peer to point at: a table stands in for it.
    async def resolve(host: str, port: int) -> list[str]:
        return list(addresses)

    return resolve


@pytest.mark.parametrize(
    "url",
    ["ftp://example.com/x", "file:///etc/passwd", "gopher://x", "example.com/path", "http://"],
)
def test_only_http_and_https_urls_with_a_host_are_accepted(url: str) -> None:
    with pytest.raises(UnsafeDestination):
        check_static(url)


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://169.254.1.2:8080/",
        "http://[fd00:ec2::254]/",
        "http://[fe80::1]/",
        "http://[::ffff:169.254.169.254]/",
    ],
)
def test_link_local_and_metadata_literals_are_refused(url: str) -> None:
    with pytest.raises(UnsafeDestination, match="link-local or cloud metadata"):
        check_static(url)


async def test_a_name_is_refused_when_any_address_it_resolves_to_is_link_local() -> None:
    resolver = _resolver_to("93.184.216.34", "169.254.169.254")
    with pytest.raises(UnsafeDestination, match=r"169\.254\.169\.254"):
        await check_url("https://hooks.example.com/x", POLICY, resolver=resolver)


async def test_a_name_resolving_to_ordinary_addresses_is_accepted() -> None:
    resolver = _resolver_to("93.184.216.34", "2606:2800:220:1::1")
    await check_url("https://hooks.example.com/x", POLICY, resolver=resolver)


async def test_the_masters_own_ports_on_a_local_address_are_refused() -> None:
    with pytest.raises(UnsafeDestination, match="own port"):
        await check_url("http://127.0.0.1:8080/api/v1/users", POLICY)
    with pytest.raises(UnsafeDestination, match="own port"):
        await check_url("http://localhost:50051/", POLICY)  # resolved for real


async def test_an_own_port_allowed_in_the_policy_is_accepted() -> None:
    allowing = OutboundPolicy(own_ports=frozenset({8080}), allowed_own_ports=frozenset({8080}))
    await check_url("http://127.0.0.1:8080/demo-receiver", allowing)


async def test_other_local_ports_and_the_same_port_elsewhere_are_accepted() -> None:
    await check_url("http://127.0.0.1:9999/hook", POLICY)
    await check_url("http://10.0.0.7:8080/hook", POLICY)


async def test_a_name_that_does_not_resolve_is_refused() -> None:
    with pytest.raises(UnsafeDestination, match="cannot resolve"):
        await check_url("http://no-such-host.invalid/", POLICY)


def test_plain_http_is_pinned_keeping_path_port_userinfo_and_host() -> None:
    import ipaddress

    p = pin("http://u:p@hooks.example.com:8080/a/b?c=d", ipaddress.ip_address("192.0.2.7"))
    assert p.url == "http://u:p@192.0.2.7:8080/a/b?c=d"
    assert p.host_header == "hooks.example.com:8080"
    v6 = pin("http://hooks.example.com/x", ipaddress.ip_address("2001:db8::1"))
    assert v6.url == "http://[2001:db8::1]/x" and v6.host_header == "hooks.example.com"


def test_https_is_not_pinned_because_the_certificate_check_covers_it() -> None:
    import ipaddress

    url = "https://hooks.example.com/x"
    assert pin(url, ipaddress.ip_address("192.0.2.7")) == Pinned(url, None)
