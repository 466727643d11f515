"""The failed-hello limiter and the peer key it uses: pure, with the clock as an argument."""

from __future__ import annotations

import pytest

from master.ingress.limits import FailedHellos, peer_host
from shared.logs import printable


def test_an_address_is_blocked_after_its_burst_and_forgiven_one_failure_per_refill() -> None:
    limiter = FailedHellos(burst=3, refill_s=10.0)
    for _ in range(3):
        assert not limiter.blocked("10.0.0.1", 0.0)
        limiter.failed("10.0.0.1", 0.0)
    assert limiter.blocked("10.0.0.1", 0.0)
    assert not limiter.blocked("10.0.0.2", 0.0)  # other addresses are unaffected
    assert limiter.blocked("10.0.0.1", 9.9)
    assert not limiter.blocked("10.0.0.1", 10.0)  # one failure forgiven
    limiter.failed("10.0.0.1", 10.0)
    assert limiter.blocked("10.0.0.1", 10.0)
    assert not limiter.blocked("10.0.0.1", 10_000.0)  # never more than the burst saved up
    for _ in range(3):
        limiter.failed("10.0.0.1", 10_000.0)
    assert limiter.blocked("10.0.0.1", 10_000.0)


def test_the_table_of_addresses_is_bounded_least_recently_failed_first_out() -> None:
    limiter = FailedHellos(burst=1, refill_s=60.0, max_addresses=100)
    for i in range(10_000):
        limiter.failed(f"10.0.{i // 256}.{i % 256}", 0.0)
    assert len(limiter) == 100
    assert limiter.blocked("10.0.39.15", 0.0)  # the newest is still remembered
    assert not limiter.blocked("10.0.0.0", 0.0)


@pytest.mark.parametrize(
    ("peer", "host"),
    [
        ("ipv4:10.1.2.3:5555", "10.1.2.3"),
        ("ipv6:[::1]:5555", "::1"),
        ("ipv6:[2001:db8::7]:443", "2001:db8::7"),
        ("unix:/run/lookout.sock", "unix:/run/lookout.sock"),
    ],
)
def test_the_peer_key_is_its_address_without_the_port(peer: str, host: str) -> None:
    assert peer_host(peer) == host


def test_printable_bounds_and_escapes_what_a_peer_chose() -> None:
    assert printable("edge-1") == "edge-1"
    assert printable("a\nb\r\x1b[2J\u202ec\\d") == "a\\nb\\r\\x1b[2J\\u202ec\\\\d"
    assert printable("x" * 100, limit=10) == "x" * 10 + "...(+90 chars)"
    assert printable("ünïcødé") == "ünïcødé"  # printable non-ASCII stays as it is
