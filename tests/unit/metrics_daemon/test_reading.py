"""The thin readers against fixture roots, and the whole collector against this machine."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
from pathlib import Path

import pytest

from metrics_daemon.buffering import SampleBuffer
from metrics_daemon.collecting import Collector, build_sample, collect_forever
from metrics_daemon.errors import ProcReadError
from metrics_daemon.reading import Reader
from metrics_daemon.settings import DEFAULT_NET_EXCLUDE
from tests.unit.metrics_daemon.fixtures import ROOT

EXCLUDE = re.compile(DEFAULT_NET_EXCLUDE)


def _reader(machine: str, rootfs: Path) -> Reader:
    return Reader(
        proc_root=ROOT / machine / "proc",
        sys_root=ROOT / machine / "sys",
        rootfs=rootfs,
        net_exclude=EXCLUDE,
    )


@pytest.mark.parametrize(
    ("machine", "disks", "ifaces", "temp"),
    [
        ("firecracker-vm-6.18", ("vda",), ("eth0",), None),
        ("raspberry-pi-4", ("mmcblk0",), ("eth0", "wlan0"), 48.686),
        ("kvm-k8s-node", ("vda", "vdb"), ("ens3",), None),
        (
            "nvme-server",
            ("nvme0n1", "nvme1n1", "sda"),
            ("eno1", "eno2", "bond0", "bond0.120"),
            61.0,
        ),
    ],
)
def test_a_reading_of_a_fixture_machine_keeps_only_what_is_reported(
    machine: str,
    disks: tuple[str, ...],
    ifaces: tuple[str, ...],
    temp: float | None,
    tmp_path: Path,
) -> None:
    r = _reader(machine, tmp_path).read()
    assert tuple(d.device for d in r.disks) == disks
    assert tuple(n.name for n in r.net) == ifaces
    assert r.cpu_temp_c == temp


def test_filesystem_sizes_come_from_statvfs_under_the_host_root(tmp_path: Path) -> None:
    (tmp_path / "boot" / "firmware").mkdir(parents=True)
    fs = _reader("raspberry-pi-4", tmp_path).filesystems()
    assert [(f.mountpoint, f.device, f.fstype) for f in fs] == [
        ("/", "/dev/mmcblk0p2", "ext4"),
        ("/boot/firmware", "/dev/mmcblk0p1", "vfat"),
    ]
    st = os.statvfs(tmp_path)
    assert fs[0].total_bytes == st.f_blocks * st.f_frsize
    assert fs[0].used_bytes + st.f_bfree * st.f_frsize == fs[0].total_bytes


def test_a_mount_point_missing_under_the_host_root_is_skipped(tmp_path: Path) -> None:
    fs = _reader("raspberry-pi-4", tmp_path).filesystems()
    assert [f.mountpoint for f in fs] == ["/"]


def test_the_mount_table_falls_back_to_self_when_pid_1_is_not_readable(tmp_path: Path) -> None:
    proc = tmp_path / "proc"
    shutil.copytree(ROOT / "kvm-k8s-node" / "proc", proc)
    (proc / "self").mkdir()
    (proc / "1" / "mountinfo").rename(proc / "self" / "mountinfo")
    reader = Reader(proc_root=proc, sys_root=tmp_path / "nosys", rootfs=tmp_path)
    assert [m.mountpoint for m in reader.mounts()][:2] == ["/sys", "/proc"]


def test_without_a_sys_root_disks_are_chosen_by_name(tmp_path: Path) -> None:
    reader = Reader(
        proc_root=ROOT / "nvme-server" / "proc", sys_root=tmp_path / "nosys", rootfs=tmp_path
    )
    r = reader.read()
    assert tuple(d.device for d in r.disks) == ("nvme0n1", "nvme1n1", "sda")
    assert r.cpu_temp_c is None


def test_a_wrong_proc_root_is_a_clear_read_error(tmp_path: Path) -> None:
    reader = Reader(proc_root=tmp_path / "missing", sys_root=tmp_path, rootfs=tmp_path)
    with pytest.raises(ProcReadError, match="missing/stat"):
        reader.read()


def test_the_same_reading_twice_gives_zero_rates(tmp_path: Path) -> None:
    r = _reader("kvm-k8s-node", tmp_path).read()
    sample = build_sample(r, r, node="n1", at_ms=5)
    assert sample.cpu_percent == 0.0
    assert sample.per_core_percent == (0.0, 0.0, 0.0, 0.0)
    assert [d.read_bytes_per_s for d in sample.disks] == [0.0, 0.0]
    assert sample.load1 == 1.92
    assert sample.uptime_s == 2391220.87
    assert sample.memory.total_bytes == 16393484 * 1024


def _live_reader() -> Reader:
    return Reader(
        proc_root=Path("/proc"), sys_root=Path("/sys"), rootfs=Path("/"), net_exclude=EXCLUDE
    )


def _mem_total_bytes() -> int:
    m = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    assert m is not None
    return int(m.group(1)) * 1024


async def test_a_sample_of_this_machine_is_sane(tmp_path: Path) -> None:
    collector = Collector(_live_reader(), node="this-node", clock_ms=lambda: 1234)
    collector.prime()
    (tmp_path / "blob").write_bytes(os.urandom(1 << 20))  # some disk and CPU activity
    await asyncio.sleep(0.3)
    s = collector.sample()
    assert (s.node, s.at_ms) == ("this-node", 1234)
    assert 0.0 <= s.cpu_percent <= 100.0
    assert len(s.per_core_percent) == os.cpu_count()
    assert all(0.0 <= c <= 100.0 for c in s.per_core_percent)
    assert s.memory.total_bytes == _mem_total_bytes()
    assert 0 < s.memory.used_bytes < s.memory.total_bytes
    assert s.load1 >= 0.0
    assert s.uptime_s > 0
    assert "/" in [f.mountpoint for f in s.filesystems]
    assert all(f.used_bytes <= f.total_bytes for f in s.filesystems)
    assert "lo" not in [n.name for n in s.interfaces]
    assert all(d.read_bytes_per_s >= 0 and d.util_percent <= 100 for d in s.disks)


async def test_the_collector_loop_fills_the_buffer_until_stopped() -> None:
    buffer = SampleBuffer(10)
    stop = asyncio.Event()
    task = asyncio.create_task(
        collect_forever(Collector(_live_reader(), node="n"), buffer, interval_s=0.05, stop=stop)
    )
    for _ in range(200):
        if len(buffer) >= 2:
            break
        await asyncio.sleep(0.02)
    stop.set()
    await asyncio.wait_for(task, timeout=5)
    assert len(buffer) >= 2
    first, second = buffer.peek(2)
    assert second.at_ms >= first.at_ms
