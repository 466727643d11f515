"""The anomaly detectors' cost and judgement.

* **Cost**: one evaluation round over ``--containers`` container series (an hour of memory at
  30 s for the leak trend, 15 minutes of CPU for throttling, a day of memory at 5 minutes for
  the level baseline), timed in process CPU; the share of a core is that CPU over the
  one-minute evaluation period. Target (issue 19): <= 10 % of a core for 5,000 containers.
* **Judgement** of the predicted-OOM detector on labelled synthetic series
  (``bench.anomaly_series``, seeded): leaks that reach their limit within the horizon are the
  positives; quiet noise, a GC sawtooth, a deploy's one-off step and slow leaks far from their
  limit the negatives. Precision and recall, and false alarms per 1,000 series-days from quiet
  series evaluated every 30 minutes over whole days.

    .venv/bin/python -m bench anomaly -- --containers 5000
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from bench.anomaly_series import leak, quiet, sawtooth, step
from bench.common import Table, busy_warning
from bench.results import Figure, exit_code
from master.anomaly.detectors import MEMORY, cpu_throttling, level, memory_leak
from master.anomaly.series import Point, since

MiB = 2**20
NOW = 1_796_000_000.0  # a fixed instant: the series are synthetic, the clock is not needed
PERIOD_S = 60.0
# The small size of `python -m bench --quick`.
QUICK = ["--containers", "500", "--cases", "100"]


def _container(rng: random.Random) -> tuple[list[Point], list[Point]]:
    base = rng.uniform(100, 400) * MiB
    memory = quiet(rng, level=base, noise=0.02, start_s=NOW - 86400, end_s=NOW, step_s=300)
    memory += quiet(rng, level=base, noise=0.02, start_s=NOW - 3570, end_s=NOW)
    cpu = quiet(rng, level=rng.uniform(0.05, 0.4), noise=0.1, start_s=NOW - 900, end_s=NOW)
    return sorted(memory, key=lambda p: p.t_s), cpu


def cost(containers: int) -> tuple[float, int]:
    """CPU seconds of one round over ``containers``, and how many anomalies it found."""
    rng = random.Random(11)
    data = [_container(rng) for _ in range(containers)]
    found = 0
    t0 = time.process_time()
    for memory, cpu in data:
        hour = since(memory, NOW - 3600)
        found += memory_leak(hour, limit=1024 * MiB, now_s=NOW) is not None
        found += cpu_throttling(cpu, limit=0.5, now_s=NOW) is not None
        found += level(memory, what="memory", unit="bytes", now_s=NOW, p=MEMORY) is not None
    return time.process_time() - t0, found


def judgement(cases: int) -> tuple[float, float, float]:
    """Precision, recall, and false alarms per 1,000 quiet series-days, of predicted OOM."""
    rng = random.Random(12)
    tp = fp = fn = 0
    limit = 512 * MiB
    for i in range(cases):
        start = NOW - 3600
        shape = i % 5
        if shape == 0:  # a leak reaching the limit in 10..100 minutes
            minutes = rng.uniform(10, 100)
            base = rng.uniform(150, 300) * MiB
            per_s = (limit - base) / (3600 + minutes * 60)
            series = leak(rng, base=base, per_s=per_s, noise=0.01, start_s=start, end_s=NOW)
            positive = True
        elif shape == 1:
            series = quiet(rng, level=300 * MiB, noise=0.03, start_s=start, end_s=NOW)
            positive = False
        elif shape == 2:
            series = sawtooth(
                rng,
                low=150 * MiB,
                high=450 * MiB,
                period_s=rng.uniform(300, 900),
                start_s=start,
                end_s=NOW,
            )
            positive = False
        elif shape == 3:
            series = step(
                rng,
                before=200 * MiB,
                after=rng.uniform(250, 450) * MiB,
                at_s=NOW - rng.uniform(600, 3000),
                noise=0.01,
                start_s=start,
                end_s=NOW,
            )
            positive = False
        else:  # a slow leak that would take more than a day
            series = leak(
                rng, base=150 * MiB, per_s=0.02 * MiB / 60, noise=0.01, start_s=start, end_s=NOW
            )
            positive = False
        fired = memory_leak(series, limit=limit, now_s=NOW) is not None
        tp += fired and positive
        fp += fired and not positive
        fn += positive and not fired
    precision = tp / (tp + fp) if tp + fp else 1.0
    recall = tp / (tp + fn) if tp + fn else 1.0
    days, alarms = 20, 0
    for _ in range(days):
        day = quiet(rng, level=300 * MiB, noise=0.03, start_s=NOW - 86400, end_s=NOW)
        for k in range(48):
            at = NOW - 86400 + 3600 + k * 1800
            window = [p for p in day if at - 3600 <= p.t_s <= at]
            if at <= NOW and memory_leak(window, limit=limit, now_s=at) is not None:
                alarms += 1
    return precision, recall, alarms / days * 1000


def run(argv: list[str]) -> list[Figure]:
    ap = argparse.ArgumentParser(prog="bench anomaly")
    ap.add_argument("--containers", type=int, default=5000)
    ap.add_argument("--cases", type=int, default=500)
    args = ap.parse_args(argv)
    cpu_s, found = cost(args.containers)
    share = cpu_s / PERIOD_S * (5000 / args.containers)
    precision, recall, false_per_k = judgement(args.cases)
    table = Table(f"anomaly: {args.containers:,} container series, {args.cases} labelled cases")
    table.add(
        "one evaluation round, CPU",
        f"{cpu_s:.2f} s",
        note=f"leak + throttling + level per container; {found} found on quiet data",
    )
    table.judge("anomaly.cpu_share", "CPU share at 5,000 containers/min", share * 100)
    table.judge("anomaly.precision", "predicted OOM: precision", precision)
    table.judge("anomaly.recall", "predicted OOM: recall", recall)
    table.judge("anomaly.false_alarms", "false alarms per 1,000 quiet series-days", false_per_k)
    print(busy_warning() + table.render(), end="")
    return table.figures


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    raise SystemExit(main())
