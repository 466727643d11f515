"""``/proc/diskstats``: cumulative I/O counters per block device, and which devices count.

Which devices are reported (``is_reported_disk``): whole physical disks only.

- Partitions are dropped because their I/O is already counted on the parent disk. With a sys
  root, a whole disk is a name listed in ``/sys/block`` (partitions live one level below it);
  without one, the partition name rules below are used.
- Virtual devices are dropped: ``loop``, ``ram``, ``zram`` (memory, not disk), ``sr``/``fd``
  (removable), ``nbd``, and the stacked ``dm-*`` (LVM, LUKS) and ``md*`` (software RAID)
  devices, whose I/O is already counted on the physical disks underneath. With a sys root the
  rule is "``/sys/block/<dev>/device`` exists", which is exactly "backed by hardware" (virtio,
  SCSI, NVMe and MMC disks have it; loop, zram, dm and md do not); the name rules still apply
  on top, for optical drives and eMMC boot partitions, which have hardware but no useful I/O.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass

from metrics_daemon.errors import ProcFormatError

SECTOR_BYTES = 512  # diskstats always counts 512-byte sectors, whatever the device's block size

_VIRTUAL = re.compile(r"^(loop|ram|zram|sr|fd|nbd|dm-|md)\d*|^mmcblk\d+(boot\d+|rpmb)$")
_PARTITION = re.compile(
    r"^((sd|hd|vd|xvd)[a-z]+\d+|(nvme\d+n\d+|mmcblk\d+|nbd\d+|loop\d+|md\d+)p\d+)$"
)


@dataclass(frozen=True, slots=True)
class DiskCounters:
    device: str
    reads: int  # completed read requests
    read_sectors: int
    writes: int  # completed write requests
    write_sectors: int
    io_ticks_ms: int  # milliseconds with at least one request in flight


def parse_diskstats(text: str) -> tuple[DiskCounters, ...]:
    disks: list[DiskCounters] = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 7:
            continue
        name, c = parts[2], parts[3:]
        try:
            if len(c) >= 10:
                disks.append(
                    DiskCounters(name, int(c[0]), int(c[2]), int(c[4]), int(c[6]), int(c[9]))
                )
            else:  # 2.6-era partition lines: reads, read sectors, writes, write sectors
                disks.append(DiskCounters(name, int(c[0]), int(c[1]), int(c[2]), int(c[3]), 0))
        except ValueError as e:
            raise ProcFormatError(f"/proc/diskstats: bad line {line!r}") from e
    return tuple(disks)


def is_reported_disk(name: str, hardware_disks: Collection[str] | None) -> bool:
    """``hardware_disks``: names in ``/sys/block`` that have a ``device`` entry, or ``None``
    when no sys root is readable (then only the name rules decide)."""
    if _VIRTUAL.match(name):
        return False
    if hardware_disks is not None:
        return name in hardware_disks
    return not _PARTITION.match(name)
