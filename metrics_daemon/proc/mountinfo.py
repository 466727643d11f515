"""``/proc/<pid>/mountinfo``: mounted filesystems, and which ones are real node storage.

Reported (``real_filesystems``): block-backed local filesystems, one row per device.

- Pseudo filesystems (proc, sysfs, tmpfs, overlay, cgroup, devtmpfs, squashfs, ...) are skipped
  by type: they are memory, kernel views or read-only images, not capacity anyone can fill.
- Network filesystems (nfs, cifs, ceph, glusterfs, fuse.*) are skipped too: they are not this
  node's disk, and ``statvfs`` on a dead server blocks indefinitely, which would stall the daemon.
- Bind mounts and kubelet's per-pod views of the same disk repeat one device many times; rows
  are deduplicated by device number (``major:minor``), keeping the shortest mount point, so "/"
  wins over "/var/lib/kubelet/pods/...".

mountinfo (not ``/proc/mounts``) is parsed because only it carries the device number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from metrics_daemon.errors import ProcFormatError

PSEUDO_FSTYPES: frozenset[str] = frozenset(
    {
        "autofs", "binfmt_misc", "bpf", "cgroup", "cgroup2", "configfs", "debugfs", "devpts",
        "devtmpfs", "efivarfs", "fusectl", "hugetlbfs", "mqueue", "nsfs", "overlay", "proc",
        "pstore", "ramfs", "rpc_pipefs", "securityfs", "selinuxfs", "squashfs", "sysfs",
        "tmpfs", "tracefs", "aufs", "iso9660", "rootfs", "erofs", "nfsd", "shiftfs",
    }
)  # fmt: skip
NETWORK_FSTYPES: frozenset[str] = frozenset(
    {"nfs", "nfs4", "cifs", "smb3", "smbfs", "ceph", "glusterfs", "9p", "afs", "lustre"}
)

_ESCAPE = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True, slots=True)
class Mount:
    device_id: str  # "major:minor"
    mountpoint: str
    fstype: str
    source: str  # e.g. /dev/vda1


def _unescape(field: str) -> str:
    # The kernel writes space, tab, newline and backslash in paths as octal escapes (\040).
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 8)), field)


def parse_mountinfo(text: str) -> tuple[Mount, ...]:
    mounts: list[Mount] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        left, sep, right = line.partition(" - ")
        lparts, rparts = left.split(), right.split()
        if not sep or len(lparts) < 5 or len(rparts) < 2:
            raise ProcFormatError(f"mountinfo: bad line {line!r}")
        mounts.append(
            Mount(
                device_id=lparts[2],
                mountpoint=_unescape(lparts[4]),
                fstype=rparts[0],
                source=_unescape(rparts[1]),
            )
        )
    return tuple(mounts)


def is_real_fstype(fstype: str) -> bool:
    base = fstype.split(".", 1)[0]  # "fuse.sshfs" -> "fuse"
    return fstype not in PSEUDO_FSTYPES and base not in NETWORK_FSTYPES and base not in {"fuse"}


def real_filesystems(mounts: Iterable[Mount]) -> tuple[Mount, ...]:
    """Real filesystems, one per device, in order of first appearance."""
    best: dict[str, Mount] = {}
    for m in mounts:
        if not is_real_fstype(m.fstype):
            continue
        seen = best.get(m.device_id)
        if seen is None or len(m.mountpoint) < len(seen.mountpoint):
            best[m.device_id] = m
    return tuple(best.values())
