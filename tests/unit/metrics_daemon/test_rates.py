"""Rates from counter deltas: wrap-around, resets, CPU percentages."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from metrics_daemon.proc.diskstats import DiskCounters
from metrics_daemon.proc.netdev import NetCounters, parse_netdev
from metrics_daemon.proc.stat import CpuStat, CpuTimes, parse_stat
from metrics_daemon.rates import (
    busy_percent,
    counter_delta,
    cpu_percents,
    disk_rates,
    net_rates,
    per_second,
)
from tests.unit.metrics_daemon.fixtures import proc_file

U32 = 1 << 32
U64 = 1 << 64


def test_a_growing_counter_gives_its_increase() -> None:
    assert counter_delta(1000, 1500) == 500


def test_a_32_bit_counter_wrapping_past_the_top_gives_the_true_increase() -> None:
    # A Raspberry Pi on a 32-bit kernel: rx_bytes rolls over every 4 GiB.
    assert counter_delta(U32 - 100, 50) == 150


def test_a_64_bit_counter_wrapping_past_the_top_gives_the_true_increase() -> None:
    assert counter_delta(U64 - 10_000, 2_000) == 12_000


def test_a_counter_reset_by_a_reboot_counts_from_zero() -> None:
    assert counter_delta(3_000_000_000_000, 4_096) == 4_096


def test_a_small_32_bit_counter_going_down_is_a_reset_not_a_wrap() -> None:
    # 1e9 -> 5: wrapping would mean 3.3e9 in one interval; a re-created interface is likelier.
    assert counter_delta(1_000_000_000, 5) == 5


@given(prev=st.integers(0, U64 - 1), cur=st.integers(0, U64 - 1))
def test_no_counter_pair_ever_gives_a_negative_delta(prev: int, cur: int) -> None:
    assert counter_delta(prev, cur) >= 0


@given(prev=st.integers(0, U32 - 1), step=st.integers(0, U32 // 2 - 1))
def test_any_32_bit_increase_under_half_the_range_survives_a_wrap(prev: int, step: int) -> None:
    assert counter_delta(prev, (prev + step) % U32) == step


@given(prev=st.integers(U32, U64 - 1), step=st.integers(0, U64 // 2 - 1))
def test_any_64_bit_increase_under_half_the_range_survives_a_wrap(prev: int, step: int) -> None:
    assert counter_delta(prev, (prev + step) % U64) == step


def test_per_second_with_no_elapsed_time_is_zero_not_a_division_error() -> None:
    assert per_second(0, 100, 0.0) == 0.0
    assert per_second(0, 100, 4.0) == 25.0


def test_busy_percent_counts_iowait_as_idle() -> None:
    before = CpuTimes(user=100, idle=100)
    after = CpuTimes(user=150, system=25, idle=100, iowait=25, steal=0)
    assert busy_percent(before, after) == 75.0


def test_busy_percent_ignores_iowait_stepping_backwards() -> None:
    before = CpuTimes(user=100, idle=100, iowait=50)
    after = CpuTimes(user=150, idle=150, iowait=49)
    assert busy_percent(before, after) == 50.0


def test_busy_percent_of_an_idle_interval_with_no_ticks_is_zero() -> None:
    t = CpuTimes(user=1, idle=1)
    assert busy_percent(t, t) == 0.0


def test_cpu_percents_per_core_from_two_stat_readings() -> None:
    before = parse_stat("cpu  0 0 0 0\ncpu0 0 0 0 0\ncpu1 0 0 0 0\n")
    after = parse_stat("cpu  100 0 0 100\ncpu0 90 0 0 10\ncpu1 10 0 0 90\n")
    total, cores = cpu_percents(before, after)
    assert total == 50.0
    assert cores == (90.0, 10.0)


def test_a_core_that_went_offline_is_left_out_rather_than_shown_idle() -> None:
    before = CpuStat(CpuTimes(), ((0, CpuTimes()), (1, CpuTimes())))
    after = CpuStat(CpuTimes(user=10, idle=10), ((0, CpuTimes(user=10, idle=10)),))
    _, cores = cpu_percents(before, after)
    assert cores == (50.0,)


def test_disk_rates_convert_sectors_to_bytes_and_busy_ticks_to_utilisation() -> None:
    before = [DiskCounters("vda", 100, 1000, 200, 4000, 10_000)]
    after = [DiskCounters("vda", 150, 3048, 300, 8096, 12_500)]
    (d,) = disk_rates(before, after, 5.0)
    assert d.read_iops == 10.0
    assert d.write_iops == 20.0
    assert d.read_bytes_per_s == 2048 * 512 / 5
    assert d.write_bytes_per_s == 4096 * 512 / 5
    assert d.util_percent == 50.0


def test_disk_utilisation_never_exceeds_100_percent() -> None:
    (d,) = disk_rates(
        [DiskCounters("sda", 0, 0, 0, 0, 0)], [DiskCounters("sda", 0, 0, 0, 0, 1_020)], 1.0
    )
    assert d.util_percent == 100.0


def test_a_disk_seen_for_the_first_time_waits_for_its_second_reading() -> None:
    after = [DiskCounters("sdb", 10**9, 10**12, 0, 0, 10**9)]
    assert disk_rates([], after, 15.0) == ()


def test_net_rates_survive_a_32_bit_wrap_on_a_raspberry_pi() -> None:
    (eth0,) = [n for n in parse_netdev(proc_file("raspberry-pi-4", "net/dev")) if n.name == "eth0"]
    wrapped = NetCounters(
        "eth0",
        rx_bytes=(eth0.rx_bytes + 300_000_000) % U32,
        rx_packets=eth0.rx_packets + 200_000,
        rx_errors=0,
        rx_drops=eth0.rx_drops,
        tx_bytes=eth0.tx_bytes + 15_000_000,
        tx_packets=eth0.tx_packets + 100_000,
        tx_errors=0,
        tx_drops=0,
    )
    assert wrapped.rx_bytes < eth0.rx_bytes
    (rate,) = net_rates([eth0], [wrapped], 15.0)
    assert rate.rx_bytes_per_s == 20_000_000.0
    assert rate.tx_bytes_per_s == 1_000_000.0
    assert rate.rx_drops == 21877


def test_net_rates_survive_a_64_bit_wrap_on_a_server() -> None:
    (eno1,) = [n for n in parse_netdev(proc_file("nvme-server", "net/dev")) if n.name == "eno1"]
    later = NetCounters("eno1", 14_385, eno1.rx_packets, 2, 41, eno1.tx_bytes, 0, 0, 0)
    (rate,) = net_rates([eno1], [later], 1.0)
    assert rate.rx_bytes_per_s == (U64 - eno1.rx_bytes) + 14_385


def test_a_re_created_interface_gives_no_negative_rate() -> None:
    before = [NetCounters("eth1", 5 * 10**12, 10**9, 0, 0, 10**12, 10**8, 0, 0)]
    after = [NetCounters("eth1", 3_000, 20, 0, 0, 1_500, 10, 0, 0)]
    (rate,) = net_rates(before, after, 15.0)
    assert rate.rx_bytes_per_s == 200.0
    assert rate.tx_packets_per_s >= 0
