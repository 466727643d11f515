"""Finding latency of ``bench.agent``: from per-pod timestamps taken in three processes to the
figure (p50/p95/p99/max) and where the time goes, stage by stage.

Stages, each stamped with ``time.time_ns`` in the process named (one CLOCK_REALTIME)::

    t0        kubesim committed the pod's CrashLoopBackOff status (fanned out to the watches)
    received  the agent's pod informer handed the watch event to its sink (line parsed)
    queued    the finding was put in the agent's outbox (detectors + tracker + flush done)
    sent      the uplink serialized it into a journal frame
    decoded   the master's session decoded it from the frame
    handled   the master's journal processor had stored it, applied it to the DataHub and run
              its observers: the end of the measured span

Pure (no I/O, no clocks) except ``loop_lag_op``, the op each child serves to say how late its
event loop ran during the run. A sample missing a later stamp is counted as lost, not
guessed."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

from bench.common import Handler, Table, percentile

STAGES: tuple[str, ...] = ("t0", "received", "queued", "sent", "decoded", "handled")
LABELS: dict[str, str] = {
    "received": "kubesim commit -> agent watch event",
    "queued": "watch event -> outbox (detectors)",
    "sent": "outbox -> uplink frame",
    "decoded": "uplink frame -> master decoded",
    "handled": "master decoded -> handled (SQLite + DataHub)",
}


def breakdown(stamps: dict[str, dict[str, int]]) -> dict[str, Any]:
    """``stamps``: stage -> pod name -> ns. Returns total and per-stage durations in seconds
    over the pods that have every stamp, plus the count of pods that never got handled."""
    names = sorted(stamps.get("t0", {}))
    complete = [n for n in names if all(n in stamps.get(s, {}) for s in STAGES)]
    total = [(stamps["handled"][n] - stamps["t0"][n]) / 1e9 for n in complete]
    stages: dict[str, list[float]] = {}
    for prev, cur in itertools.pairwise(STAGES):
        stages[cur] = [(stamps[cur][n] - stamps[prev][n]) / 1e9 for n in complete]
    lost = [n for n in names if n not in stamps.get("handled", {})]
    return {
        "samples": len(names),
        "complete": len(complete),
        "lost": len(lost),
        "total": total,
        "stages": stages,
    }


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
        "max": max(values, default=float("nan")),
    }


def add_latency_rows(table: Table, result: dict[str, Any]) -> None:
    b = result["breakdown"]
    s = summary(b["total"])
    what = "finding latency: CrashLoopBackOff committed -> handled at the master"
    table.judge("agent.finding_latency_p50", f"{what}, p50", s["p50"] * 1000)
    table.judge(
        "agent.finding_latency_p99",
        f"{what}, p99",
        s["p99"] * 1000,
        note=f"p95 {s['p95'] * 1000:.1f} ms, max {s['max'] * 1000:.1f} ms; during it agent "
        f"{result['agent_mc']:.0f} mc, master {result['master_mc']:.0f} mc",
    )
    # No sample at all judges nothing: counted as lost, all of them.
    lost = b["lost"] if b["complete"] else max(b["samples"], 1)
    table.judge(
        "agent.finding_samples_lost",
        "finding latency: samples never handled at the master",
        lost,
        note=f"{b['complete']} of {b['samples']} complete",
    )
    lag_sim, lag_agent, rechecks = result["lag_sim"], result["lag_agent"], result["rechecks"]
    table.add(
        "  event-loop lag meanwhile, kubesim / agent",
        f"p99 {lag_sim['p99']:.1f} / {lag_agent['p99']:.1f} ms",
        note=f"max {lag_sim['max']:.1f} / {lag_agent['max']:.1f} ms (a {LAG_TICK_S * 1000:.0f} ms "
        "timer's lateness: how long anything arriving waited)",
    )
    durations = [r[1] / 1e6 for r in rechecks]
    if durations:
        cpu = [r[3] / 1e6 for r in rechecks]
        table.add(
            "  agent recheck passes meanwhile (one synchronous sweep each)",
            f"max {max(durations):.1f} ms",
            note=f"{len(durations)} passes over ~{rechecks[-1][2]:,} held objects, "
            f"p50 {percentile(durations, 50):.1f} ms wall; CPU max {max(cpu):.1f} ms",
        )
    for stage, label in LABELS.items():
        v = summary(b["stages"][stage])
        table.add(
            f"  {label}",
            f"p50 {v['p50'] * 1000:.2f} / p99 {v['p99'] * 1000:.2f} ms",
            note=f"max {v['max'] * 1000:.2f} ms",
        )


LAG_TICK_S = 0.005


def loop_lag_op() -> Handler:
    """An op: ``{"on": true}`` starts a task that sleeps ``LAG_TICK_S`` again and again and
    records how late it woke (the event loop was busy: anything arriving then waited as long);
    ``{"on": false}`` stops it and returns the p50/p99/max lag in ms. Only runs while asked,
    so it costs nothing outside the latency run."""
    lags: list[float] = []
    task: list[asyncio.Task[None]] = []

    async def tick() -> None:
        while True:
            t0 = time.perf_counter()
            await asyncio.sleep(LAG_TICK_S)
            lags.append(time.perf_counter() - t0 - LAG_TICK_S)

    async def op(req: dict[str, Any]) -> dict[str, Any]:
        if req["on"]:
            lags.clear()
            task[:] = [asyncio.create_task(tick())]
            return {}
        for t in task:
            t.cancel()
        if task:
            await asyncio.wait(task, timeout=5)
        return {k: v * 1000 for k, v in summary(lags).items()}

    return op
