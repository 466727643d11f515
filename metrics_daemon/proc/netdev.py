"""``/proc/net/dev``: cumulative counters per network interface, and which interfaces count.

Loopback is never reported. Further exclusions are a setting (``METRICS_NET_EXCLUDE``): by
default the per-pod and overlay interfaces a Kubernetes node grows by the hundred (veth, cali,
lxc, cilium, flannel, vxlan...), whose traffic is already counted on the physical interface."""

from __future__ import annotations

import re
from dataclasses import dataclass

from metrics_daemon.errors import ProcFormatError


@dataclass(frozen=True, slots=True)
class NetCounters:
    name: str
    rx_bytes: int
    rx_packets: int
    rx_errors: int
    rx_drops: int
    tx_bytes: int
    tx_packets: int
    tx_errors: int
    tx_drops: int


def parse_netdev(text: str) -> tuple[NetCounters, ...]:
    ifaces: list[NetCounters] = []
    for line in text.splitlines():
        # Split on the colon, not on spaces: with large counters the kernel prints "eth0:123456"
        name, sep, rest = line.partition(":")
        if not sep or "|" in line:
            continue
        c = rest.split()
        try:
            ifaces.append(
                NetCounters(
                    name=name.strip(),
                    rx_bytes=int(c[0]),
                    rx_packets=int(c[1]),
                    rx_errors=int(c[2]),
                    rx_drops=int(c[3]),
                    tx_bytes=int(c[8]),
                    tx_packets=int(c[9]),
                    tx_errors=int(c[10]),
                    tx_drops=int(c[11]),
                )
            )
        except (IndexError, ValueError) as e:
            raise ProcFormatError(f"/proc/net/dev: bad line {line!r}") from e
    return tuple(ifaces)


def is_reported_iface(name: str, exclude: re.Pattern[str] | None) -> bool:
    if name == "lo":
        return False
    return exclude is None or not exclude.fullmatch(name)
