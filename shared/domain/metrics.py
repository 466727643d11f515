"""Node metrics samples produced by the metrics daemon (rates already computed)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Memory:
    total_bytes: int = 0
    used_bytes: int = 0
    available_bytes: int = 0
    cached_bytes: int = 0
    buffers_bytes: int = 0
    swap_total_bytes: int = 0
    swap_used_bytes: int = 0


@dataclass(frozen=True, slots=True)
class DiskIO:
    device: str
    read_bytes_per_s: float = 0.0
    write_bytes_per_s: float = 0.0
    read_iops: float = 0.0
    write_iops: float = 0.0
    util_percent: float = 0.0


@dataclass(frozen=True, slots=True)
class Filesystem:
    mountpoint: str
    device: str = ""
    fstype: str = ""
    total_bytes: int = 0
    used_bytes: int = 0
    free_bytes: int = 0


@dataclass(frozen=True, slots=True)
class NetIface:
    name: str
    rx_bytes_per_s: float = 0.0
    tx_bytes_per_s: float = 0.0
    rx_packets_per_s: float = 0.0
    tx_packets_per_s: float = 0.0
    rx_errors: int = 0
    tx_errors: int = 0
    rx_drops: int = 0
    tx_drops: int = 0


@dataclass(frozen=True, slots=True)
class NodeMetricsSample:
    node: str
    at_ms: int
    cpu_percent: float = 0.0
    per_core_percent: tuple[float, ...] = ()
    load1: float = 0.0
    load5: float = 0.0
    load15: float = 0.0
    memory: Memory = Memory()
    disks: tuple[DiskIO, ...] = ()
    filesystems: tuple[Filesystem, ...] = ()
    interfaces: tuple[NetIface, ...] = ()
    uptime_s: float = 0.0
    cpu_temp_c: float | None = None
