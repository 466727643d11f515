"""Benchmark: the metrics daemon's memory and CPU against this machine's live /proc.

Runs ``python -m metrics_daemon`` as a child process pushing to a real MetricsIntake served by
this process (so the gRPC path is exercised, not only the readers): first at a 1 s interval (a
stress view of what one sample costs), then at the production 15 s interval. After a warm-up
of two delivered samples (start-up imports are not steady state), CPU is the child's utime +
stime over the measured window; memory is VmRSS / VmHWM / RssAnon and PSS (``smaps_rollup``,
shared library pages divided among the processes mapping them) at the end of the window.

    .venv/bin/python -m bench metrics_daemon [-- --short-s 30 --long-s 120]

Targets (``bench.targets``, issue 6): RSS and CPU at the production 15 s interval."""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from agent.intake.serving import IntakeServer
from bench.common import CpuMeter, Table, fmt_mib, peak_rss_bytes, rss_bytes
from bench.results import Figure, exit_code
from shared.domain.metrics import NodeMetricsSample

ROOT = Path(__file__).resolve().parents[1]
MiB = 2**20
# The small size of `python -m bench --quick`: short windows, and the judged phase at a 2 s
# interval (its two warm-up samples alone would take 30 s at 15 s).
QUICK = ["--short-s", "3", "--long-s", "4", "--production-interval-s", "2"]


def _kib(path: str, key: str) -> int:
    for line in Path(path).read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1])
    return 0


@dataclass(frozen=True, slots=True)
class Phase:
    label: str
    interval_s: float
    window_s: float
    samples: int
    millicores: float
    rss: int
    peak: int
    anon: int
    pss: int


async def run_phase(label: str, interval_s: float, window_s: float) -> Phase:
    received: list[NodeMetricsSample] = []
    server = IntakeServer("127.0.0.1:0", received.extend)
    port = await server.start()
    env = {
        **os.environ,
        "METRICS_INTERVAL_S": str(interval_s),
        "METRICS_AGENT_ADDRESS": f"127.0.0.1:{port}",
        "METRICS_NODE_NAME": "bench-node",
        "METRICS_LOG_LEVEL": "WARNING",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "metrics_daemon", env=env, cwd=ROOT
    )
    try:
        async with asyncio.timeout(interval_s * 3 + 30):
            # warm-up: imports, first connection, first samples
            while len(received) < 2:  # noqa: ASYNC110 -- filled by the gRPC servicer
                await asyncio.sleep(0.05)
        meter = CpuMeter((proc.pid,))
        meter.start()
        start_n, t0 = len(received), time.monotonic()
        await asyncio.sleep(window_s)
        (millicores,) = meter.millicores()
        pid = proc.pid
        phase = Phase(
            label=label,
            interval_s=interval_s,
            window_s=time.monotonic() - t0,
            samples=len(received) - start_n,
            millicores=millicores,
            rss=rss_bytes(pid),
            peak=peak_rss_bytes(pid),
            anon=_kib(f"/proc/{pid}/status", "RssAnon:") * 1024,
            pss=_kib(f"/proc/{pid}/smaps_rollup", "Pss:") * 1024,
        )
    finally:
        proc.send_signal(signal.SIGTERM)
        await asyncio.wait_for(proc.wait(), timeout=15)
        await server.stop(0)
    return phase


def report(phases: list[Phase]) -> Table:
    """The production phase is judged; the 1 s stress phase only shows what a sample costs."""
    table = Table("metrics daemon against live /proc (child process, real gRPC intake)")
    for p in phases:
        production = p.label == "production"
        tag = f"{p.label} ({p.interval_s:.0f} s interval, {p.window_s:.0f} s, {p.samples} samples)"
        if production:
            table.judge("metrics_daemon.cpu", f"{p.label}: CPU", p.millicores, note=tag)
            table.judge("metrics_daemon.rss", f"{p.label}: RSS", p.rss / MiB, note=tag)
        else:
            table.add(f"{tag}: CPU", f"{p.millicores:.2f} mc")
            table.add(f"{tag}: RSS", fmt_mib(p.rss))
        table.add(f"{tag}: peak RSS", fmt_mib(p.peak))
        table.add(f"{tag}: anon RSS", fmt_mib(p.anon), note="heap + Python objects")
        table.add(f"{tag}: PSS", fmt_mib(p.pss), note="shared libraries apportioned")
    return table


def run(argv: list[str]) -> list[Figure]:
    p = argparse.ArgumentParser(prog="bench.metrics_daemon", description=__doc__)
    p.add_argument("--short-s", type=float, default=30.0, help="window at a 1 s interval")
    p.add_argument("--long-s", type=float, default=120.0, help="window at the 15 s interval")
    p.add_argument("--production-interval-s", type=float, default=15.0, help="judged phase's")
    args = p.parse_args(argv)

    async def both() -> list[Phase]:
        return [
            await run_phase("stress", 1.0, args.short_s),
            await run_phase("production", args.production_interval_s, args.long_s),
        ]

    table = report(asyncio.run(both()))
    sys.stdout.write(table.render())
    return table.figures


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    raise SystemExit(main())
