import calendar
import random

from bench.anomaly_series import daily, leak, quiet, sawtooth, step
from master.anomaly.detectors import (
    DETECTORS,
    MEMORY,
    cpu_throttling,
    disk_full_soon,
    level,
    memory_leak,
    noisy_neighbour,
    restart_rate,
)
from master.anomaly.seasonal import hour_of_week
from master.anomaly.series import Point
from master.anomaly.signals import signal
from shared.domain.findings import Severity

MiB = 2**20
GiB = 2**30
MONDAY = calendar.timegm((2026, 11, 30, 0, 0, 0))
NOW = MONDAY + 15 * 86400 + 14 * 3600 + 1800  # Tuesday 14:30 UTC, in the third week


def test_a_leak_towards_the_limit_is_a_predicted_oom_in_plain_words() -> None:
    rng = random.Random(1)
    # 200 MiB growing 12 MiB/min for half an hour: 560 MiB now, 240 MiB (20 min) from 800.
    usage = leak(
        rng, base=200 * MiB, per_s=12 * MiB / 60, noise=0.002, start_s=NOW - 1800, end_s=NOW
    )
    found = memory_leak(usage, limit=800 * MiB, now_s=NOW)
    assert found is not None
    assert found.kind == "PredictedOOM"
    assert found.summary == (
        "memory 560 MiB; growing 12 MiB/min for 30 min; "
        "at this rate it reaches its 800 MiB limit in ~20 min"
    )
    assert found.severity is Severity.CRITICAL
    assert 19 * 60 < found.evidence["seconds_to_limit"] < 21 * 60


def test_a_leak_with_a_week_of_history_also_says_how_far_it_is_from_usual() -> None:
    rng = random.Random(9)
    history = quiet(rng, level=165 * MiB, noise=0.01, start_s=MONDAY, end_s=NOW - 3600, step_s=300)
    usage = leak(
        rng, base=200 * MiB, per_s=6 * MiB / 60, noise=0.002, start_s=NOW - 3600, end_s=NOW
    )
    found = memory_leak(history + usage, limit=1 * GiB, now_s=NOW)
    assert found is not None
    assert found.summary == (
        "memory 560 MiB, 3.4\N{MULTIPLICATION SIGN} its usual level for Tuesday 14:00; "
        "growing 6.0 MiB/min for 60 min; at this rate it reaches its 1.0 GiB limit in ~77 min"
    )


def test_a_slow_leak_far_from_its_limit_is_not_news_yet() -> None:
    rng = random.Random(2)
    usage = leak(
        rng, base=200 * MiB, per_s=1 * MiB / 60, noise=0.002, start_s=NOW - 3600, end_s=NOW
    )
    assert memory_leak(usage, limit=4 * GiB, now_s=NOW) is None  # ~64 h away
    found = memory_leak(usage, limit=350 * MiB, now_s=NOW)
    assert found is not None and found.severity is Severity.WARNING  # ~90 min away


def test_quiet_shapes_never_look_like_a_leak() -> None:
    for seed in range(20):
        rng = random.Random(seed)
        shapes = [
            quiet(rng, level=300 * MiB, noise=0.02, start_s=NOW - 3600, end_s=NOW),
            sawtooth(
                rng, low=200 * MiB, high=450 * MiB, period_s=600, start_s=NOW - 3600, end_s=NOW
            ),
            # A deploy that raised memory once, 40 minutes ago, and then stayed flat.
            step(
                rng,
                before=250 * MiB,
                after=330 * MiB,
                at_s=NOW - 2400,
                noise=0.01,
                start_s=NOW - 3600,
                end_s=NOW,
            ),
        ]
        for shape in shapes:
            assert memory_leak(shape, limit=512 * MiB, now_s=NOW) is None, seed


def test_without_a_limit_or_enough_history_nothing_is_predicted() -> None:
    rng = random.Random(4)
    usage = leak(rng, base=200 * MiB, per_s=MiB, noise=0.0, start_s=NOW - 3600, end_s=NOW)
    assert memory_leak(usage, limit=None, now_s=NOW) is None
    assert memory_leak(usage[-20:], limit=512 * MiB, now_s=NOW) is None  # 10 min of an hour


def test_a_level_far_above_its_seasonal_usual_says_which_hour_it_compares_with() -> None:
    rng = random.Random(5)

    def usual(t: float) -> float:
        return 100 * MiB * (2.0 if hour_of_week(t) == 38 else 1.0) * (1 + rng.gauss(0, 0.01))

    history = [
        Point(MONDAY + i * 300.0, usual(MONDAY + i * 300.0))
        for i in range(int((NOW - 1200 - MONDAY) // 300))
    ]
    now = [Point(NOW - 600 + i * 30.0, 680 * MiB) for i in range(21)]
    found = level(history + now, what="memory", unit="bytes", now_s=NOW, p=MEMORY)
    assert found is not None
    assert (
        found.summary
        == "memory 680 MiB, 3.4\N{MULTIPLICATION SIGN} its usual level for Tuesday 14:00"
    )
    # The same 200 MiB that is usual on Tuesday afternoons does not fire.
    calm = [Point(NOW - 600 + i * 30.0, 200 * MiB) for i in range(21)]
    assert level(history + calm, what="memory", unit="bytes", now_s=NOW, p=MEMORY) is None


def test_a_daily_cycle_is_usual_once_the_profile_knows_it() -> None:
    rng = random.Random(6)
    series = daily(rng, level=300 * MiB, swing=0.4, noise=0.01, start_s=MONDAY, end_s=NOW)
    assert level(series, what="memory", unit="bytes", now_s=NOW, p=MEMORY) is None


def test_cpu_pinned_at_its_limit_is_throttling_and_busy_below_it_is_not() -> None:
    pinned = [Point(NOW - 900 + i * 30.0, 0.499 if i % 10 else 0.3) for i in range(31)]
    found = cpu_throttling(pinned, limit=0.5, now_s=NOW)
    assert found is not None
    assert found.summary.startswith("CPU pinned at its 500m limit for 87 % of the last 15 min")
    busy = [Point(NOW - 900 + i * 30.0, 0.4) for i in range(31)]
    assert cpu_throttling(busy, limit=0.5, now_s=NOW) is None
    assert cpu_throttling(pinned, limit=None, now_s=NOW) is None


def test_a_restart_rate_far_above_the_workloads_usual() -> None:
    hourly = [Point(NOW - (168 - i) * 3600.0, float(i % 24 == 3)) for i in range(168)]
    storm = [*hourly, Point(NOW, 12.0)]
    found = restart_rate(storm, now_s=NOW)
    assert found is not None
    assert found.summary == "12 restarts in the last hour; usually 0 per hour (median of 7 d)"
    assert restart_rate([*hourly, Point(NOW, 2.0)], now_s=NOW) is None  # noise, not a storm


def test_a_noisy_neighbour_stands_out_from_its_pool_and_a_busy_pool_does_not() -> None:
    pool = {"n1": 0.30, "n2": 0.28, "n3": 0.33, "n4": 0.31, "n5": 0.92}
    found = noisy_neighbour("n5", pool, pool="workers")
    assert found is not None
    assert found.summary.startswith("node n5 at 92 % CPU, 3.0")
    assert "median of its 4 peers in pool 'workers' (30 %)" in found.summary
    assert noisy_neighbour("n1", pool, pool="workers") is None
    busy = {"n1": 0.9, "n2": 0.92, "n3": 0.88, "n4": 0.91}
    assert noisy_neighbour("n2", busy, pool="workers") is None
    assert noisy_neighbour("n5", {"n4": 0.3, "n5": 0.95}, pool="w") is None  # too few peers


def test_a_disk_filling_steadily_is_full_soon() -> None:
    rng = random.Random(8)
    used = leak(
        rng,
        base=80 * GiB,
        per_s=1.2 * GiB / 3600,
        noise=0.0005,
        start_s=NOW - 6 * 3600,
        end_s=NOW,
        step_s=300,
    )
    found = disk_full_soon(used, capacity=100 * GiB, now_s=NOW)
    assert found is not None
    assert "disk 87 % full (87 GiB of 100 GiB), growing 1.2 GiB/h; full in ~11 h" in found.summary
    flat = quiet(rng, level=80 * GiB, noise=0.001, start_s=NOW - 6 * 3600, end_s=NOW, step_s=300)
    assert disk_full_soon(flat, capacity=100 * GiB, now_s=NOW) is None


def test_every_detector_is_listed_under_the_kind_it_reports() -> None:
    assert set(DETECTORS) == {
        "PredictedOOM",
        "UnusualLevel",
        "CPUThrottled",
        "RestartRateUnusual",
        "NoisyNeighbour",
        "DiskFullSoon",
    }


def test_an_anomaly_becomes_a_statistical_alert_signal_that_also_resolves() -> None:
    subject = {"cluster": "edge", "namespace": "shop", "pod": "cart-1", "container": "app"}
    pool = {"n1": 0.30, "n2": 0.28, "n3": 0.33, "n4": 0.31, "n5": 0.92}
    found = noisy_neighbour("n5", pool, pool="workers")
    firing = signal("NoisyNeighbour", subject, found, at_ms=1)
    assert firing.active and firing.source == "anomaly"
    assert firing.labels["statistical"] == "true"
    assert firing.labels["severity"] == "warning"
    assert firing.annotations["summary"] == found.summary if found else False
    cleared = signal("NoisyNeighbour", dict(reversed(subject.items())), None, at_ms=2)
    assert not cleared.active
    assert cleared.key == firing.key  # label order does not change the key
