"""The pure parsers on real and realistic kernel files from several machines."""

from __future__ import annotations

import pytest

from metrics_daemon.errors import ProcFormatError
from metrics_daemon.proc.diskstats import is_reported_disk, parse_diskstats
from metrics_daemon.proc.loadavg import parse_loadavg
from metrics_daemon.proc.meminfo import parse_meminfo
from metrics_daemon.proc.mountinfo import parse_mountinfo, real_filesystems
from metrics_daemon.proc.netdev import is_reported_iface, parse_netdev
from metrics_daemon.proc.stat import parse_stat
from metrics_daemon.proc.thermal import Zone, parse_zone, pick_cpu_temp
from metrics_daemon.proc.uptime import parse_uptime
from metrics_daemon.settings import MetricsSettings
from tests.unit.metrics_daemon.fixtures import MACHINES, proc_file

NET_EXCLUDE = MetricsSettings(node_name="n").net_exclude_pattern()


@pytest.mark.parametrize("machine", MACHINES)
def test_every_fixture_machine_parses_completely(machine: str) -> None:
    stat = parse_stat(proc_file(machine, "stat"))
    assert stat.cores, "per-core lines"
    assert stat.total.total >= sum(t.total for _, t in stat.cores) * 0.99
    mem = parse_meminfo(proc_file(machine, "meminfo"))
    assert 0 < mem.used_bytes < mem.total_bytes
    assert mem.used_bytes + mem.available_bytes == mem.total_bytes
    assert parse_loadavg(proc_file(machine, "loadavg")).load15 >= 0
    assert parse_uptime(proc_file(machine, "uptime")) > 0
    assert parse_diskstats(proc_file(machine, "diskstats"))
    assert parse_netdev(proc_file(machine, "net/dev"))
    assert real_filesystems(parse_mountinfo(proc_file(machine, "1/mountinfo")))


def test_stat_reads_per_core_times_in_core_order_on_a_64_thread_server() -> None:
    stat = parse_stat(proc_file("nvme-server", "stat"))
    assert [i for i, _ in stat.cores] == list(range(64))
    assert stat.total.user == 412093112
    assert stat.cores[0][1].idle == 95349000


def test_stat_leaves_guest_time_out_of_the_total() -> None:
    stat = parse_stat("cpu  10 0 10 80 0 0 0 0 500 500\ncpu0 10 0 10 80 0 0 0 0 500 500\n")
    assert stat.total.total == 100


def test_stat_reads_old_kernels_with_fewer_columns_as_zero() -> None:
    stat = parse_stat("cpu  100 2 30 400\ncpu0 100 2 30 400\n")
    assert stat.total.steal == 0
    assert stat.total.total == 532


def test_stat_without_an_aggregate_line_is_refused() -> None:
    with pytest.raises(ProcFormatError):
        parse_stat("intr 1 2 3\n")


def test_meminfo_used_is_total_minus_available_on_a_raspberry_pi() -> None:
    mem = parse_meminfo(proc_file("raspberry-pi-4", "meminfo"))
    assert mem.total_bytes == 3882764 * 1024
    assert mem.available_bytes == 2951904 * 1024
    assert mem.used_bytes == (3882764 - 2951904) * 1024
    assert mem.cached_bytes == 1601412 * 1024
    assert mem.buffers_bytes == 91280 * 1024
    assert mem.swap_total_bytes == 524284 * 1024
    assert mem.swap_used_bytes == (524284 - 498172) * 1024


def test_meminfo_without_memavailable_estimates_it_from_free_buffers_and_cache() -> None:
    text = "MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n"
    mem = parse_meminfo(text)
    assert mem.available_bytes == 400 * 1024
    assert mem.used_bytes == 600 * 1024


def test_meminfo_without_total_is_refused() -> None:
    with pytest.raises(ProcFormatError):
        parse_meminfo("MemFree: 100 kB\n")


def test_diskstats_reads_sectors_requests_and_busy_time() -> None:
    disks = {d.device: d for d in parse_diskstats(proc_file("kvm-k8s-node", "diskstats"))}
    vda = disks["vda"]
    assert (vda.reads, vda.read_sectors) == (2712831, 161038211)
    assert (vda.writes, vda.write_sectors) == (48201334, 1201833219)
    assert vda.io_ticks_ms == 21839127


def test_diskstats_reads_the_short_partition_lines_of_old_kernels() -> None:
    (d,) = parse_diskstats("   8    1 sda1 120 2400 30 480\n")
    assert (d.reads, d.read_sectors, d.writes, d.write_sectors, d.io_ticks_ms) == (
        120,
        2400,
        30,
        480,
        0,
    )


@pytest.mark.parametrize(
    ("machine", "expected"),
    [
        ("firecracker-vm-6.18", ["vda"]),
        ("raspberry-pi-4", ["mmcblk0"]),
        ("kvm-k8s-node", ["vda", "vdb"]),
        ("nvme-server", ["nvme0n1", "nvme1n1", "sda"]),
    ],
)
def test_only_whole_hardware_disks_are_reported(machine: str, expected: list[str]) -> None:
    from tests.unit.metrics_daemon.fixtures import ROOT

    block = ROOT / machine / "sys" / "block"
    hardware = {p.name for p in block.iterdir() if (p / "device").exists()}
    names = [d.device for d in parse_diskstats(proc_file(machine, "diskstats"))]
    assert [n for n in names if is_reported_disk(n, hardware)] == expected


@pytest.mark.parametrize(
    ("name", "reported"),
    [
        ("sda", True),
        ("sda1", False),
        ("vdb", True),
        ("vdb3", False),
        ("xvda", True),
        ("xvda1", False),
        ("nvme0n1", True),
        ("nvme0n1p2", False),
        ("mmcblk0", True),
        ("mmcblk0p2", False),
        ("mmcblk0boot0", False),
        ("loop3", False),
        ("zram0", False),
        ("ram15", False),
        ("dm-0", False),
        ("md127", False),
        ("sr0", False),
        ("nbd0", False),
    ],
)
def test_name_rules_pick_whole_disks_when_there_is_no_sys_root(name: str, reported: bool) -> None:
    assert is_reported_disk(name, None) is reported


def test_netdev_reads_counters_glued_to_the_interface_name() -> None:
    ifaces = {n.name: n for n in parse_netdev(proc_file("nvme-server", "net/dev"))}
    eno2 = ifaces["eno2"]
    assert eno2.rx_bytes == 41203312033120
    assert eno2.tx_packets == 31203312033
    assert ifaces["eno1"].rx_errors == 2
    assert ifaces["eno1"].rx_drops == 41
    assert "bond0.120" in ifaces


def test_netdev_skips_loopback_and_per_pod_interfaces_on_a_kubernetes_node() -> None:
    names = [n.name for n in parse_netdev(proc_file("kvm-k8s-node", "net/dev"))]
    assert len(names) > 25
    assert [n for n in names if is_reported_iface(n, NET_EXCLUDE)] == ["ens3"]


def test_netdev_keeps_physical_bond_and_vlan_interfaces() -> None:
    names = [n.name for n in parse_netdev(proc_file("nvme-server", "net/dev"))]
    assert [n for n in names if is_reported_iface(n, NET_EXCLUDE)] == [
        "eno1",
        "eno2",
        "bond0",
        "bond0.120",
    ]


def test_loopback_is_skipped_even_without_an_exclude_pattern() -> None:
    assert not is_reported_iface("lo", None)
    assert is_reported_iface("veth12ab", None)


def test_mountinfo_keeps_one_real_filesystem_per_device() -> None:
    mounts = real_filesystems(parse_mountinfo(proc_file("kvm-k8s-node", "1/mountinfo")))
    assert [(m.mountpoint, m.fstype, m.source) for m in mounts] == [
        ("/", "ext4", "/dev/vda1"),
        ("/boot/efi", "vfat", "/dev/vda15"),
        ("/var/lib/containerd", "xfs", "/dev/vdb"),
    ]


def test_mountinfo_skips_network_and_pseudo_filesystems_on_a_server() -> None:
    mounts = real_filesystems(parse_mountinfo(proc_file("nvme-server", "1/mountinfo")))
    assert [m.mountpoint for m in mounts] == ["/", "/boot/efi", "/data", "/home"]


def test_mountinfo_skips_fuse_and_tmpfs_on_a_raspberry_pi() -> None:
    mounts = real_filesystems(parse_mountinfo(proc_file("raspberry-pi-4", "1/mountinfo")))
    assert [(m.mountpoint, m.fstype) for m in mounts] == [("/", "ext4"), ("/boot/firmware", "vfat")]


def test_mountinfo_decodes_escaped_spaces_in_mount_points() -> None:
    mounts = parse_mountinfo(proc_file("kvm-k8s-node", "1/mountinfo"))
    assert "/mnt/with space" in [m.mountpoint for m in mounts]


def test_mountinfo_with_a_truncated_line_is_refused() -> None:
    with pytest.raises(ProcFormatError):
        parse_mountinfo("22 27 0:21 / /proc rw,relatime\n")


def test_thermal_prefers_the_cpu_package_over_acpi() -> None:
    zones = [Zone("acpitz", 27.8), Zone("x86_pkg_temp", 61.0), Zone("x86_pkg_temp", 58.0)]
    assert pick_cpu_temp(zones) == 61.0


def test_thermal_reads_millidegrees_of_a_raspberry_pi_cpu_zone() -> None:
    zone = parse_zone("cpu-thermal\n", "48686\n")
    assert zone == Zone("cpu-thermal", 48.686)
    assert pick_cpu_temp([zone]) == 48.686


def test_thermal_reports_nothing_when_only_non_cpu_zones_exist() -> None:
    assert pick_cpu_temp([Zone("acpitz", 40.0), Zone("iwlwifi_1", 35.0)]) is None
    assert pick_cpu_temp([]) is None


def test_thermal_ignores_unwired_sensors() -> None:
    assert parse_zone("cpu-thermal", "-274000") is None
    assert parse_zone("cpu-thermal", "") is None


def test_loadavg_and_uptime_refuse_garbage() -> None:
    with pytest.raises(ProcFormatError):
        parse_loadavg("nope")
    with pytest.raises(ProcFormatError):
        parse_uptime("")
