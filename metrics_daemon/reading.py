"""Thin readers: the files under the configured proc and sys roots -> one ``Reading``.

Owns file access, ``statvfs`` and the monotonic timestamp of a reading; owns no parsing (see
``metrics_daemon.proc``) and no rates (``metrics_daemon.rates``).

Paths are relative to roots that are settings, because in Kubernetes the host's ``/proc``,
``/sys`` and ``/`` are mounted read-only into the pod (e.g. at ``/host/proc``, ``/host/sys`` and
``/host/root``). The mount table is read from PID 1 (``<proc>/1/mountinfo``): with the host's
proc mounted, that is the host's mount namespace rather than the container's; ``self`` is the
fallback when PID 1 is not readable. ``statvfs`` is called on ``<rootfs>/<mount point>``.

Files are read synchronously on the event loop: each is a few KiB served from kernel memory in
microseconds, and network filesystems (the one thing that can block ``statvfs``) are never
touched. A thread pool would cost more memory than it saves."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from metrics_daemon.errors import ProcReadError
from metrics_daemon.proc.diskstats import DiskCounters, is_reported_disk, parse_diskstats
from metrics_daemon.proc.loadavg import LoadAvg, parse_loadavg
from metrics_daemon.proc.meminfo import parse_meminfo
from metrics_daemon.proc.mountinfo import Mount, parse_mountinfo, real_filesystems
from metrics_daemon.proc.netdev import NetCounters, is_reported_iface, parse_netdev
from metrics_daemon.proc.stat import CpuStat, parse_stat
from metrics_daemon.proc.thermal import Zone, parse_zone, pick_cpu_temp
from metrics_daemon.proc.uptime import parse_uptime
from shared.domain.metrics import Filesystem, Memory


@dataclass(frozen=True, slots=True)
class Reading:
    """Everything read at one instant: counters (for rates) and gauges (reported as is)."""

    monotonic_s: float
    cpu: CpuStat
    load: LoadAvg
    memory: Memory
    disks: tuple[DiskCounters, ...]
    filesystems: tuple[Filesystem, ...]
    net: tuple[NetCounters, ...]
    uptime_s: float
    cpu_temp_c: float | None


def _read_text(path: Path) -> str:
    try:
        with open(path, encoding="ascii", errors="replace") as f:
            return f.read()
    except OSError as e:
        raise ProcReadError(f"cannot read {path}: {e.strerror or e}") from e


class Reader:
    def __init__(
        self,
        *,
        proc_root: Path,
        sys_root: Path,
        rootfs: Path,
        net_exclude: re.Pattern[str] | None = None,
    ) -> None:
        self._proc = proc_root
        self._sys = sys_root
        self._rootfs = rootfs
        self._net_exclude = net_exclude

    def read(self) -> Reading:
        proc = self._proc
        hardware = self.hardware_disks()
        return Reading(
            monotonic_s=time.monotonic(),
            cpu=parse_stat(_read_text(proc / "stat")),
            load=parse_loadavg(_read_text(proc / "loadavg")),
            memory=parse_meminfo(_read_text(proc / "meminfo")),
            disks=tuple(
                d
                for d in parse_diskstats(_read_text(proc / "diskstats"))
                if is_reported_disk(d.device, hardware)
            ),
            filesystems=self.filesystems(),
            net=tuple(
                n
                for n in parse_netdev(_read_text(proc / "net" / "dev"))
                if is_reported_iface(n.name, self._net_exclude)
            ),
            uptime_s=parse_uptime(_read_text(proc / "uptime")),
            cpu_temp_c=self.cpu_temp(),
        )

    def hardware_disks(self) -> frozenset[str] | None:
        """Names in ``/sys/block`` backed by a device; ``None`` when there is no readable sys
        root (then ``is_reported_disk`` falls back to name rules)."""
        block = self._sys / "block"
        try:
            names = os.listdir(block)
        except OSError:
            return None
        return frozenset(n for n in names if os.path.exists(block / n / "device"))

    def mounts(self) -> tuple[Mount, ...]:
        try:
            text = _read_text(self._proc / "1" / "mountinfo")
        except ProcReadError:
            text = _read_text(self._proc / "self" / "mountinfo")
        return parse_mountinfo(text)

    def filesystems(self) -> tuple[Filesystem, ...]:
        out: list[Filesystem] = []
        for m in real_filesystems(self.mounts()):
            path = self._rootfs / m.mountpoint.lstrip("/")
            try:
                st = os.statvfs(path)
            except OSError:
                continue  # unmounted since the table was read, or not visible from this root
            total = st.f_blocks * st.f_frsize
            free = st.f_bavail * st.f_frsize  # what non-root writers can still use
            used = (st.f_blocks - st.f_bfree) * st.f_frsize
            out.append(
                Filesystem(
                    mountpoint=m.mountpoint,
                    device=m.source,
                    fstype=m.fstype,
                    total_bytes=total,
                    used_bytes=used,
                    free_bytes=free,
                )
            )
        return tuple(out)

    def cpu_temp(self) -> float | None:
        thermal = self._sys / "class" / "thermal"
        try:
            names = sorted(n for n in os.listdir(thermal) if n.startswith("thermal_zone"))
        except OSError:
            return None
        zones: list[Zone] = []
        for name in names:
            try:
                zone = parse_zone(
                    _read_text(thermal / name / "type"), _read_text(thermal / name / "temp")
                )
            except ProcReadError:
                continue  # some drivers return EINVAL/ENODATA while the sensor is off
            if zone is not None:
                zones.append(zone)
        return pick_cpu_temp(zones)
