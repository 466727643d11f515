"""Benchmark: one agent pipeline (sources -> detectors -> tracker -> outbox, projection ->
mirror) watching a simulated cluster (kubesim, in a child process) of 5,000 pods / 500 nodes.

    .venv/bin/python bench/agent.py [--pods 5000] [--nodes 500] [--churn 10] [--steady-s 30]
                                    [--burst 5000] [--burst-s 5]

Prints one table: RSS steady and peak during the initial list, CPU at steady churn, initial
sync time, watch throughput under a burst, bytes per delta vs a full snapshot. This process is
the agent (no uplink: "visible at the master" is approximated by "in the mirror and serialized
as a snapshot"); the simulator runs in its own process so its CPU and memory are not counted.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MiB = 1024 * 1024


# -- the simulator side (child process) ---------------------------------------------------------


async def _sim(args: argparse.Namespace) -> None:
    from kubesim.cluster import SimCluster
    from kubesim.config import SimConfig

    cluster = SimCluster(
        SimConfig(
            name="bench",
            nodes=args.nodes,
            pods=args.pods,
            churn=args.churn,
            incidents=False,
            history=50_000,
        )
    )
    pod_events = 0

    def count(resource: str, _etype: str, _obj: Any) -> None:
        nonlocal pod_events
        if resource == "pods":
            pod_events += 1

    cluster.store.listeners.append(count)
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, lambda: setattr(cluster.churn, "rate", args.burst))
    loop.add_signal_handler(signal.SIGUSR2, lambda: setattr(cluster.churn, "rate", args.churn))
    out = Path(args.out)

    async def stats() -> None:
        while True:
            tmp = out / "stats.tmp"
            tmp.write_text(json.dumps({"pod_events": pod_events, "rv": cluster.store.rv}))
            tmp.replace(out / "stats.json")
            await asyncio.sleep(0.1)

    def ready(c: SimCluster) -> None:
        c.write_kubeconfig(out)

    async with asyncio.TaskGroup() as tg:
        tg.create_task(cluster.run(on_ready=ready))
        tg.create_task(stats())


# -- the agent side (this process) ---------------------------------------------------------------


def _proc_status() -> dict[str, int]:
    out: dict[str, int] = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS:", "VmHWM:")):
            key, value = line.split(":", 1)
            out[key] = int(value.split()[0]) * 1024
    return out


def _reset_peak() -> None:
    # Writing 5 to clear_refs resets VmHWM (Linux >= 4.0), so the peak we read is the list's.
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


class Stats:
    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, int]:
        try:
            data: dict[str, int] = json.loads(self.path.read_text())
            return data
        except (OSError, ValueError):
            return {"pod_events": 0, "rv": 0}


async def _wait_for(check: Any, limit_s: float, what: str) -> None:
    deadline = time.monotonic() + limit_s
    while not check():
        if time.monotonic() > deadline:
            raise SystemExit(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


async def _agent(args: argparse.Namespace, workdir: Path, sim: subprocess.Popen[bytes]) -> None:
    from agent.detect.settings import DetectSettings
    from agent.kube import KubeAccess
    from agent.outbox.spool import Outbox
    from agent.pipeline import Pipeline, build_informers, recheck_forever
    from agent.snapshot.mirror import Mirror
    from agent.sources.settings import SourcesSettings
    from shared.wire.refs import delta_to_pb

    kubeconfig = workdir / "bench.kubeconfig"
    await _wait_for(kubeconfig.exists, 600, "kubesim to seed and settle")
    stats = Stats(workdir / "stats.json")
    settings = SourcesSettings(kubeconfig=kubeconfig)
    mirror, outbox = Mirror(), Outbox(max_records=50_000)
    gc.collect()
    base_rss = _proc_status()["VmRSS"]
    _reset_peak()

    results: dict[str, Any] = {}
    async with KubeAccess.from_files(kubeconfig=kubeconfig) as kube:
        pipeline = Pipeline(
            settings=settings, detect_settings=DetectSettings(), mirror=mirror, outbox=outbox
        )
        informers = build_informers(settings=settings, transport=kube, pipeline=pipeline)
        pod_inf = next(i for i in informers if i.kind == "Pod")
        cpu0, t0 = time.process_time(), time.monotonic()
        async with asyncio.TaskGroup() as tg:
            tasks = [tg.create_task(i.run()) for i in informers]
            tasks.append(tg.create_task(recheck_forever(pipeline)))
            await _wait_for(lambda: all(i.settled.is_set() for i in informers), 120, "sync")
            results["sync_s"] = time.monotonic() - t0
            results["sync_cpu_s"] = time.process_time() - cpu0
            results["pods"] = mirror.counts().get("Pod", 0)
            results["peak_rss"] = _proc_status()["VmHWM"]

            # Full snapshot as the uplink would send it after a connect.
            mirror.attach()
            t1 = time.monotonic()
            snap = mirror.snapshot(500)
            snap_bytes = sum(delta_to_pb(d).SerializeToString().__len__() for d in snap.deltas)
            results["snapshot_ms"] = (time.monotonic() - t1) * 1000
            results["snapshot_bytes"] = snap_bytes
            results["snapshot_objects"] = snap.synced.objects
            pod_snapshot = sum(
                len(delta_to_pb(d).SerializeToString()) for d in snap.deltas if d.kind == "Pod"
            )
            results["pod_snapshot_bytes"] = pod_snapshot

            # Steady churn.
            gc.collect()
            await asyncio.sleep(2.0)
            mirror.take_deltas(1_000_000)
            ev0, cpu1, t2 = pod_inf.events, time.process_time(), time.monotonic()
            delta_bytes = delta_objects = 0
            while time.monotonic() - t2 < args.steady_s:
                await asyncio.sleep(1.0)
                for d in mirror.take_deltas(1_000_000):
                    if d.kind == "Pod":
                        delta_bytes += len(delta_to_pb(d).SerializeToString())
                        delta_objects += len(d.upserts) + len(d.deletes)
            wall = time.monotonic() - t2
            results["steady_cpu_mc"] = (time.process_time() - cpu1) / wall * 1000
            results["steady_events_s"] = (pod_inf.events - ev0) / wall
            results["delta_bytes_per_pod"] = delta_bytes / max(1, delta_objects)
            gc.collect()
            results["steady_rss"] = _proc_status()["VmRSS"]

            # Replay: the agent's own CPU per pod MODIFIED watch line (parse + pipeline), fed
            # in-process so the simulator's ability to generate changes does not cap it.
            page = orjson.loads(await kube.get("/api/v1/pods", {"limit": "500"}, timeout_s=60))
            lines = _modified_lines(page["items"], args.replay)
            mirror.attach()
            cpu_r = time.process_time()
            for line in lines:
                ev = orjson.loads(line)
                pod_inf.sink.event(None, ev["type"], ev["object"])
            replay_cpu = time.process_time() - cpu_r
            results["replay_us"] = replay_cpu / len(lines) * 1e6
            results["replay_events_s"] = len(lines) / replay_cpu
            mirror.take_deltas(1_000_000)
            del page, lines

            # Burst.
            mirror.detach()
            s0 = stats.read()["pod_events"]
            ev1, cpu2, t3 = pod_inf.events, time.process_time(), time.monotonic()
            sim.send_signal(signal.SIGUSR1)
            max_lag = 0
            while time.monotonic() - t3 < args.burst_s:
                await asyncio.sleep(0.25)
                lag = (stats.read()["pod_events"] - s0) - (pod_inf.events - ev1)
                max_lag = max(max_lag, lag)
            sim.send_signal(signal.SIGUSR2)
            burst_wall = time.monotonic() - t3
            generated = stats.read()["pod_events"] - s0
            received = pod_inf.events - ev1
            t4 = time.monotonic()
            with contextlib.suppress(SystemExit):
                await _wait_for(
                    lambda: pod_inf.events - ev1 >= stats.read()["pod_events"] - s0 - 20,
                    30,
                    "burst catch-up",
                )
            results["catchup_s"] = time.monotonic() - t4
            cpu_burst = time.process_time() - cpu2
            total = pod_inf.events - ev1
            results["burst_generated_s"] = generated / burst_wall
            results["burst_received_s"] = received / burst_wall
            results["burst_max_lag"] = max_lag
            results["cpu_per_event_us"] = cpu_burst / max(1, total) * 1e6
            results["capacity_events_s"] = total / max(cpu_burst, 1e-9)
            results["relists"] = pod_inf.lists - 1
            results["findings_records"] = outbox.last_seq
            for t in tasks:
                t.cancel()
    results["base_rss"] = base_rss
    _print(results, args)


def _modified_lines(pods: list[dict[str, Any]], n: int) -> list[bytes]:
    """``n`` watch lines: the listed pods again and again, each with a new resourceVersion
    and a flipped Ready condition (what most real pod updates look like)."""
    out: list[bytes] = []
    rv = 10**9
    for i in range(n):
        pod = pods[i % len(pods)]
        rv += 1
        pod["metadata"]["resourceVersion"] = str(rv)
        for cond in pod.get("status", {}).get("conditions") or []:
            if cond.get("type") == "Ready":
                cond["status"] = "False" if cond.get("status") == "True" else "True"
        out.append(orjson.dumps({"type": "MODIFIED", "object": pod}))
    return out


def _print(r: dict[str, Any], args: argparse.Namespace) -> None:
    rows = [
        ("objects in the mirror after sync (pods)", f"{r['pods']:,}", f"{args.pods:,}"),
        ("initial sync: start -> all kinds listed", f"{r['sync_s']:.2f} s", "<= 3 s (1.5)"),
        ("  CPU spent on the initial sync", f"{r['sync_cpu_s']:.2f} s", ""),
        ("  full snapshot build + serialize", f"{r['snapshot_ms']:.0f} ms", ""),
        ("RSS before start (interpreter + imports)", f"{r['base_rss'] / MiB:.0f} MiB", ""),
        ("peak RSS during the initial list", f"{r['peak_rss'] / MiB:.0f} MiB", "<= 256 MiB (160)"),
        ("RSS steady", f"{r['steady_rss'] / MiB:.0f} MiB", "<= 128 MiB (96)"),
        (
            f"CPU at steady churn ({r['steady_events_s']:.1f} pod events/s)",
            f"{r['steady_cpu_mc']:.1f} mc",
            "<= 20 mc (10)",
        ),
        (
            f"burst: generated / received pod events/s ({args.burst}/s asked)",
            f"{r['burst_generated_s']:,.0f} / {r['burst_received_s']:,.0f}",
            "",
        ),
        ("  max backlog during burst (events)", f"{r['burst_max_lag']:,}", "not growing"),
        ("  catch-up after the burst", f"{r['catchup_s']:.2f} s", ""),
        ("  agent CPU per watch event", f"{r['cpu_per_event_us']:.0f} us", ""),
        (
            "watch throughput capacity (events per CPU-second)",
            f"{r['capacity_events_s']:,.0f}/s",
            ">= 5,000/s (10,000)",
        ),
        ("  relists during the run", f"{r['relists']}", "0"),
        (
            "replay: agent CPU per pod watch line (parse + pipeline)",
            f"{r['replay_us']:.0f} us = {r['replay_events_s']:,.0f}/s",
            ">= 5,000/s (10,000)",
        ),
        ("bytes per pod delta (protobuf)", f"{r['delta_bytes_per_pod']:,.0f} B", ""),
        (
            f"full snapshot ({r['snapshot_objects']:,} objects) / pods only",
            f"{r['snapshot_bytes'] / MiB:.2f} / {r['pod_snapshot_bytes'] / MiB:.2f} MiB",
            "",
        ),
        ("finding records journaled", f"{r['findings_records']:,}", ""),
    ]
    w0 = max(len(a) for a, _, _ in rows)
    w1 = max(len(b) for _, b, _ in rows)
    sys.stdout.write(f"{'measure':<{w0}}  {'value':>{w1}}  target (stretch)\n")
    sys.stdout.write(f"{'-' * w0}  {'-' * w1}  {'-' * 18}\n")
    for a, b, c in rows:
        sys.stdout.write(f"{a:<{w0}}  {b:>{w1}}  {c}\n")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--role", choices=("agent", "sim"), default="agent")
    p.add_argument("--pods", type=int, default=5000)
    p.add_argument("--nodes", type=int, default=500)
    p.add_argument("--churn", type=float, default=10.0, help="pod changes/s at steady state")
    p.add_argument("--burst", type=float, default=5000.0, help="pod changes/s during the burst")
    p.add_argument("--steady-s", type=float, default=30.0)
    p.add_argument("--burst-s", type=float, default=5.0)
    p.add_argument("--replay", type=int, default=20_000, help="pod events replayed in-process")
    p.add_argument("--out", default="")
    args = p.parse_args()
    if args.role == "sim":
        asyncio.run(_sim(args))
        return
    with tempfile.TemporaryDirectory(prefix="bench-agent-") as tmp:
        cmd = [
            sys.executable,
            __file__,
            "--role=sim",
            f"--out={tmp}",
            f"--pods={args.pods}",
            f"--nodes={args.nodes}",
            f"--churn={args.churn}",
            f"--burst={args.burst}",
        ]
        sim = subprocess.Popen(cmd, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
        try:
            asyncio.run(_agent(args, Path(tmp), sim))
        finally:
            sim.terminate()
            try:
                sim.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sim.kill()


if __name__ == "__main__":
    main()
