"""Rates and percentages from two readings of cumulative kernel counters. Pure.

Counters only go up, except when they cannot:

- **Wrap-around.** Counters are ``unsigned long`` in the kernel, so 32 bits wide on 32-bit
  kernels (a Raspberry Pi on a 32-bit OS wraps ``rx_bytes`` every 4 GiB) and 64 bits elsewhere.
  The width is not announced, so it is inferred: the narrowest of 32/64 bits that holds the
  previous value.
- **Reset.** A reboot, a re-created interface or a re-attached disk starts from zero again.

A decrease is taken as a wrap only if the wrapped distance is under half the counter's range
(a wrap right after the top); anything else is a reset, and then the increase since the reset
is the current value, as Prometheus' ``rate()`` treats it. Either way no rate is ever negative.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from metrics_daemon.proc.diskstats import SECTOR_BYTES, DiskCounters
from metrics_daemon.proc.netdev import NetCounters
from metrics_daemon.proc.stat import CpuStat, CpuTimes
from shared.domain.metrics import DiskIO, NetIface

_WIDTHS = (32, 64)


def counter_delta(prev: int, cur: int) -> int:
    """Increase of a cumulative counter between two readings (never negative)."""
    if cur >= prev:
        return cur - prev
    for bits in _WIDTHS:
        span = 1 << bits
        if prev < span:
            wrapped = span - prev + cur
            return wrapped if wrapped < span // 2 else cur
    return cur  # wider than 64 bits: not a kernel counter, treat as a reset


def per_second(prev: int, cur: int, elapsed_s: float) -> float:
    if elapsed_s <= 0:
        return 0.0
    return counter_delta(prev, cur) / elapsed_s


def busy_percent(prev: CpuTimes, cur: CpuTimes) -> float:
    """Share of non-idle time between two readings, 0-100.

    Per-field deltas are clamped at zero rather than wrap-corrected: ``iowait`` is known to step
    backwards on some kernels, and one jiffy of noise must not turn into 2**32 of busy time."""
    total = 0
    idle = 0
    for field in CpuTimes.__slots__:
        d = max(0, getattr(cur, field) - getattr(prev, field))
        total += d
        if field in ("idle", "iowait"):
            idle += d
    if total <= 0:
        return 0.0
    return min(100.0, max(0.0, 100.0 * (total - idle) / total))


def cpu_percents(prev: CpuStat, cur: CpuStat) -> tuple[float, tuple[float, ...]]:
    """Total CPU % and per-core % (cores present in both readings, in index order; a core
    that went offline between them is left out rather than reported as 0 % busy)."""
    before = dict(prev.cores)
    cores = tuple(busy_percent(before[i], t) for i, t in cur.cores if i in before)
    return busy_percent(prev.total, cur.total), cores


def disk_rates(
    prev: Iterable[DiskCounters], cur: Iterable[DiskCounters], elapsed_s: float
) -> tuple[DiskIO, ...]:
    """Rates for devices present in both readings; a device seen for the first time waits for
    its second reading rather than reporting its whole history as one interval."""
    before: Mapping[str, DiskCounters] = {d.device: d for d in prev}
    out: list[DiskIO] = []
    for d in cur:
        p = before.get(d.device)
        if p is None:
            continue
        busy_ms = counter_delta(p.io_ticks_ms, d.io_ticks_ms)
        util = 100.0 * busy_ms / (elapsed_s * 1000.0) if elapsed_s > 0 else 0.0
        out.append(
            DiskIO(
                device=d.device,
                read_bytes_per_s=per_second(p.read_sectors, d.read_sectors, elapsed_s)
                * SECTOR_BYTES,
                write_bytes_per_s=per_second(p.write_sectors, d.write_sectors, elapsed_s)
                * SECTOR_BYTES,
                read_iops=per_second(p.reads, d.reads, elapsed_s),
                write_iops=per_second(p.writes, d.writes, elapsed_s),
                util_percent=min(100.0, util),  # tick rounding can overshoot by a tick
            )
        )
    return tuple(out)


def net_rates(
    prev: Iterable[NetCounters], cur: Iterable[NetCounters], elapsed_s: float
) -> tuple[NetIface, ...]:
    """Byte and packet rates per interface present in both readings; errors and drops are
    passed on as cumulative totals (rare events, read as "has this ever happened")."""
    before: Mapping[str, NetCounters] = {n.name: n for n in prev}
    out: list[NetIface] = []
    for n in cur:
        p = before.get(n.name)
        if p is None:
            continue
        out.append(
            NetIface(
                name=n.name,
                rx_bytes_per_s=per_second(p.rx_bytes, n.rx_bytes, elapsed_s),
                tx_bytes_per_s=per_second(p.tx_bytes, n.tx_bytes, elapsed_s),
                rx_packets_per_s=per_second(p.rx_packets, n.rx_packets, elapsed_s),
                tx_packets_per_s=per_second(p.tx_packets, n.tx_packets, elapsed_s),
                rx_errors=n.rx_errors,
                tx_errors=n.tx_errors,
                rx_drops=n.rx_drops,
                tx_drops=n.tx_drops,
            )
        )
    return tuple(out)
