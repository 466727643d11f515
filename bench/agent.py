"""Benchmark (issue 4): one agent watching a simulated cluster of 5,000 pods / 500 nodes with
10 pod changes/s, streaming to a real master.

    .venv/bin/python -m bench agent [-- --pods 5000 --nodes 500 --churn 10 --steady-s 20
                                       --samples 150 --interval 0.15 --burst 5000 --burst-s 5
                                       --page-sizes 500]

Three spawned children share the two cores as in production: kubesim (``bench.agent_sim``),
the master (``bench.agent_master``: ``master.app.start``, SQLite, TLS) and the agent
(``bench.agent_proc``: ``AgentCore`` + ``run_sources``). This process only orchestrates and
reads the agent's RSS/CPU from ``/proc``. Every timestamp is ``time.time_ns`` (CLOCK_REALTIME,
one clock for all processes of the machine).

Figures, in order: initial sync (spawn -> all pods in the master's DataHub, by phase; once per
``--page-sizes`` value, the last one stays up), RSS peak/steady, CPU at steady churn and bytes
per pod delta on the wire, finding latency (a pod's CrashLoopBackOff status committed in
kubesim -> its finding handled by the master's journal processor, with where the time goes),
watch throughput under a burst and while draining a backlog (the agent paused, then resumed),
the pipeline's CPU per watch line replayed in-process, and the size of a full snapshot. A
missed target makes the command exit 1; ``--profile`` adds the agent's cProfile per phase."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.agent_latency import breakdown
from bench.agent_master import master_process
from bench.agent_proc import agent_process
from bench.agent_sim import sim_process
from bench.agent_table import render
from bench.common import (
    Child,
    CpuMeter,
    TlsFiles,
    busy_warning,
    children,
    cpu_seconds,
    expect,
    make_tls,
    peak_rss_bytes,
    spawn,
)
from bench.results import Figure, exit_code

MiB = 2**20
# The small size of `python -m bench --quick`: a tenth of the cluster, seconds per phase.
QUICK = [
    "--pods", "500", "--nodes", "50", "--steady-s", "3", "--samples", "20", "--interval", "0.05",
    "--burst", "1000", "--burst-s", "1", "--replay", "2000",
]  # fmt: skip
ROOT = Path(__file__).resolve().parents[1]


# -- scenarios ----------------------------------------------------------------------------------


def initial_sync(
    started: list[Child],
    sim: Child,
    master: Child,
    env: dict[str, Any],
    page_size: int,
    run: int,
    profile: bool,
) -> tuple[Child, dict[str, Any]]:
    """Spawn a fresh agent for a fresh cluster name; phases of its first sync, relative to the
    spawn (seconds), and what the simulator and the master spent meanwhile."""
    name = f"bench-{run}-{page_size}"
    token = master.ask({"op": "register", "name": name, "pods": env["pods"]}, 30)["token"]
    spec = {**env, "cluster": name, "token": token, "page_size": page_size, "profile": profile}
    others = CpuMeter((sim.proc.pid or 0, master.proc.pid or 0))
    sim0 = sim.ask({"op": "stats"}, 10)
    others.start()
    t_spawn = time.time_ns()
    agent = spawn(started, f"bench-agent-{run}", agent_process, spec)
    ph = agent.ask({"op": "phases", "timeout": 120}, 150)
    vis = master.ask({"op": "visible", "name": name, "timeout": 60}, 90)
    cpu = cpu_seconds(agent.proc.pid or 0)
    sim_cpu, master_cpu = others.seconds()
    frames = agent.ask({"op": "pod_frames"}, 10)["pod_frames"]
    if profile:
        text = agent.ask({"op": "profile", "on": False, "top": 40}, 30)["text"]
        sys.stdout.write(f"-- agent profile, initial sync after imports --\n{text}\n")
    sim1 = sim.ask({"op": "stats"}, 10)

    def rel(ns: int) -> float:
        return (ns - t_spawn) / 1e9 if ns else float("nan")

    lists = ph["lists"]
    p = ph["phases"]
    snaps = ph["snapshots"]
    big = max(snaps, key=lambda s: s[2], default=[0, 0, 0])
    return agent, {
        "page_size": page_size,
        "entered": rel(p["entered"]),
        "imported": rel(p["imported"]),
        "configured": rel(p["configured"]),
        "connected": rel(p.get("connected", 0)),
        "first_list": rel(min(v[0] for v in lists.values())),
        "pods_listed": rel(lists["Pod"][1]),
        "pods_list_s": (lists["Pod"][1] - lists["Pod"][0]) / 1e9,
        "all_listed": rel(max(v[1] for v in lists.values())),
        "slowest": max(lists, key=lambda k: lists[k][1]),
        "page_wait_s": ph["page_wait_s"],
        "pages": ph["pages"],
        "page_mib": ph["page_bytes"] / MiB,
        "snapshots": [(rel(s[0]), rel(s[1]), s[2]) for s in snaps],
        "big_snapshot": (rel(big[0]), rel(big[1]), big[2]),
        "first_delta": rel(vis["first_delta"]),
        "visible": rel(vis["visible"]) if vis["ok"] else float("nan"),
        "master_pods": vis["pods"],
        "cpu_s": cpu,
        "cpu_main_s": ph["cpu_s"],
        "sim_cpu_s": sim_cpu,
        "master_cpu_s": master_cpu,
        "sim_list_s": sim1["list_s"] - sim0["list_s"],
        "sim_lists": sim1["list_calls"] - sim0["list_calls"],
        "peak_rss": peak_rss_bytes(agent.proc.pid or 0),
        "rss_imported": ph["rss_imported"],
        "pod_frames": [rel(t) for t in frames] or [float("nan")] * 2,
    }


def steady(agent: Child, master: Child, seconds: float, profile: bool) -> dict[str, Any]:
    time.sleep(2.0)  # the initial snapshot's aftermath settles
    agent.ask({"op": "frames", "reset": True}, 10)
    e0 = agent.ask({"op": "events"}, 10)
    meter = CpuMeter((agent.proc.pid or 0, master.proc.pid or 0))
    if profile:
        agent.ask({"op": "profile", "on": True}, 10)
    meter.start()
    time.sleep(seconds)
    agent_mc, master_mc = meter.millicores()
    if profile:
        text = agent.ask({"op": "profile", "on": False, "top": 40}, 30)["text"]
        sys.stdout.write(f"-- agent profile at steady churn --\n{text}\n")
    e1 = agent.ask({"op": "events"}, 10)
    frames = agent.ask({"op": "frames"}, 10)
    mem = agent.ask({"op": "memory"}, 30)
    return {
        "agent_mc": agent_mc,
        "master_mc": master_mc,
        "events_s": (e1["events"] - e0["events"]) / ((e1["t"] - e0["t"]) / 1e9),
        "all_events_s": (e1["all_events"] - e0["all_events"]) / ((e1["t"] - e0["t"]) / 1e9),
        "held": e1["held"],
        "delta_bytes_per_pod": frames["delta_bytes"] / max(1, frames["delta_pods"]),
        "rss": mem["VmRSS"],
    }


def latency(sim: Child, agent: Child, master: Child, n: int, interval: float) -> dict[str, Any]:
    pods = sim.ask({"op": "pick", "n": n}, 30)["pods"]
    names = [name for _, name in pods]
    agent.ask({"op": "arm", "names": names}, 10)
    time.sleep(0.5)
    meter = CpuMeter((agent.proc.pid or 0, master.proc.pid or 0))
    for child in (sim, agent):
        child.ask({"op": "lag", "on": True}, 10)
    meter.start()
    t_start = time.time_ns()
    t0 = sim.ask({"op": "crashloop", "pods": pods, "interval": interval}, n * interval + 60)["t0"]
    at_master = master.ask({"op": "crash_stamps", "names": names, "timeout": 15}, 30)
    agent_mc, master_mc = meter.millicores()
    lag_sim, lag_agent = (c.ask({"op": "lag", "on": False}, 10) for c in (sim, agent))
    at_agent = agent.ask({"op": "crash_stamps"}, 10)
    agent.ask({"op": "arm", "names": []}, 10)
    rechecks = [r for r in at_agent.pop("rechecks") if r[0] >= t_start]
    stamps = {"t0": t0, **at_agent, **at_master}
    return {
        "breakdown": breakdown(stamps),
        "agent_mc": agent_mc,
        "master_mc": master_mc,
        "lag_sim": lag_sim,
        "lag_agent": lag_agent,
        "rechecks": rechecks,
    }


def burst(
    sim: Child, agent: Child, master: Child, rate: float, seconds: float, churn: float
) -> dict[str, Any]:
    s0 = sim.ask({"op": "stats"}, 10)["pod_events"]
    a0 = agent.ask({"op": "events"}, 10)
    meter = CpuMeter((agent.proc.pid or 0, master.proc.pid or 0))
    meter.start()
    sim.ask({"op": "rate", "rate": rate}, 10)
    lags: list[int] = []
    t_start = time.monotonic()
    while time.monotonic() - t_start < seconds:
        time.sleep(0.25)
        generated = sim.ask({"op": "stats"}, 10)["pod_events"] - s0
        received = agent.ask({"op": "events"}, 10)["events"] - a0["events"]
        lags.append(max(0, generated - received))
    sim.ask({"op": "rate", "rate": churn}, 10)
    wall = time.monotonic() - t_start
    generated = sim.ask({"op": "stats"}, 10)["pod_events"] - s0
    received = agent.ask({"op": "events"}, 10)["events"] - a0["events"]
    t_caught = time.monotonic()
    caught_up = False
    while time.monotonic() - t_caught < 30:
        total = sim.ask({"op": "stats"}, 10)["pod_events"] - s0
        done = agent.ask({"op": "events"}, 10)
        if done["events"] - a0["events"] >= total - 20:
            caught_up = True
            break
        time.sleep(0.05)
    catchup = time.monotonic() - t_caught
    agent_cpu, master_cpu = meter.seconds()
    total_events = done["all_events"] - a0["all_events"]
    half = len(lags) // 2
    return {
        "generated_s": generated / wall,
        "received_s": received / wall,
        "max_lag": max(lags, default=0),
        "lag_first_half": max(lags[:half], default=0),
        "lag_second_half": max(lags[half:], default=0),
        "catchup_s": catchup if caught_up else float("nan"),
        "cpu_per_event_us": agent_cpu / max(1, total_events) * 1e6,
        "capacity_s": total_events / max(agent_cpu, 1e-9),
        "all_kinds_s": total_events / (time.monotonic() - t_start),
        "master_cpu_s": master_cpu,
        "relists": done["lists"] - a0["lists"],
        "findings_records": done["findings_records"],
    }


def drain(
    sim: Child, agent: Child, rate: float, seconds: float, churn: float, profile: bool
) -> dict[str, Any]:
    """The agent's watch throughput over the real HTTP path, not capped by how fast kubesim can
    generate changes: the agent is stopped (SIGSTOP, our own child) while kubesim generates a
    backlog, then resumed; rate = backlog / time to drain it."""
    pid = agent.proc.pid or 0
    a0 = agent.ask({"op": "events"}, 10)
    s0 = sim.ask({"op": "stats"}, 10)["pod_events"]
    os.kill(pid, signal.SIGSTOP)
    try:
        sim.ask({"op": "rate", "rate": rate}, 10)
        time.sleep(seconds)
        sim.ask({"op": "rate", "rate": churn}, 10)
        backlog = sim.ask({"op": "stats"}, 10)["pod_events"] - s0
    finally:
        os.kill(pid, signal.SIGCONT)
    if profile:
        agent.ask({"op": "profile", "on": True}, 10)
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    done = a0
    while time.monotonic() - t0 < 60:
        done = agent.ask({"op": "events"}, 10)
        if done["events"] - a0["events"] >= backlog:
            break
        time.sleep(0.02)
    wall = time.monotonic() - t0
    got = done["events"] - a0["events"]
    cpu_used = cpu_seconds(pid) - cpu0
    all_kinds = done["all_events"] - a0["all_events"]
    if profile:
        text = agent.ask({"op": "profile", "on": False, "top": 40}, 30)["text"]
        sys.stdout.write(f"-- agent profile while draining the backlog --\n{text}\n")
    return {
        "backlog": backlog,
        "drained": got,
        "drain_s": wall,
        "rate_s": got / wall,
        "all_kinds_s": all_kinds / wall,
        "cpu_mc": cpu_used / wall * 1000,
        "all_kinds": all_kinds,
        "cpu_per_event_us": cpu_used / max(1, all_kinds) * 1e6,
        "relists": done["lists"] - a0["lists"],
    }


# -- entry point --------------------------------------------------------------------------------


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m bench agent",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--pods", type=int, default=5000)
    p.add_argument("--nodes", type=int, default=500)
    p.add_argument("--churn", type=float, default=10.0, help="pod changes/s at steady state")
    p.add_argument("--steady-s", type=float, default=20.0)
    p.add_argument("--samples", type=int, default=150, help="crash-looping pods timed")
    p.add_argument("--interval", type=float, default=0.15, help="seconds between them")
    p.add_argument("--burst", type=float, default=5000.0, help="pod changes/s in the burst")
    p.add_argument("--burst-s", type=float, default=5.0)
    p.add_argument("--replay", type=int, default=20_000, help="pod events replayed in-process")
    p.add_argument(
        "--page-sizes",
        default="500",
        help="list page sizes to time the initial sync with, comma-separated; the last one "
        "runs the rest of the benchmark (default: the agent's default, 500)",
    )
    p.add_argument(
        "--delta-window-ms",
        type=float,
        default=0.0,
        help="what-if, not product behaviour: the agent's uplink sends resource deltas at most "
        "once per this window (0: as the product does, on every wake-up)",
    )
    p.add_argument(
        "--source-imports",
        action="store_true",
        help="children compile every module from source at start (no .pyc), as in this dev "
        "venv; default: compiled bytecode, as in the agent image",
    )
    p.add_argument(
        "--profile",
        action="store_true",
        help="print the agent's cProfile during the initial sync, at steady churn and while it "
        "drains the backlog (inflates those figures)",
    )
    return p.parse_args(argv)


@contextlib.contextmanager
def compiled_imports(enabled: bool) -> Iterator[None]:
    """Children import from compiled bytecode, as in the agent image (``UV_COMPILE_BYTECODE=1``):
    a development venv installed with ``PYTHONDONTWRITEBYTECODE=1`` has no ``.pyc`` at all, and
    compiling the ``kubernetes`` client at every start doubles the agent's import time. The
    bytecode goes to a cache outside the tree (``PYTHONPYCACHEPREFIX``), warmed once here; the
    environment is restored afterwards."""
    if not enabled:
        yield
        return
    saved = {k: os.environ.get(k) for k in ("PYTHONPYCACHEPREFIX", "PYTHONDONTWRITEBYTECODE")}
    os.environ["PYTHONPYCACHEPREFIX"] = str(Path(tempfile.gettempdir()) / "lookout-bench-pyc")
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    try:
        warm = "import agent.app, agent.sources.running, master.app, kubesim.cluster, bench.agent"
        subprocess.run([sys.executable, "-c", warm], check=True, timeout=300, cwd=ROOT)
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run(argv: list[str]) -> list[Figure]:
    args = parse(argv)
    load_start = Path("/proc/loadavg").read_text().split()[0]
    sys.stdout.write(busy_warning())
    results: dict[str, Any] = {"syncs": []}
    with (
        compiled_imports(not args.source_imports),
        tempfile.TemporaryDirectory(prefix="bench-agent-") as tmp,
        children() as started,
    ):
        tls: TlsFiles = make_tls(Path(tmp))
        sim_spec = {"out": tmp, "pods": args.pods, "nodes": args.nodes, "churn": args.churn}
        sim = spawn(started, "bench-kubesim", sim_process, sim_spec)
        master_spec = {"data_dir": f"{tmp}/master", "cert": str(tls.cert), "key": str(tls.key)}
        master = spawn(started, "bench-master", master_process, master_spec)
        port = expect(master.conn, 60, what="master start")["port"]
        kubeconfig = expect(sim.conn, 600, what="kubesim seed")["kubeconfig"]
        env = {
            "pods": args.pods,
            "kubeconfig": kubeconfig,
            "address": f"127.0.0.1:{port}",
            "ca": str(tls.ca),
            "server_name": tls.server_name,
            "delta_window_ms": args.delta_window_ms,
        }
        sizes = [int(x) for x in args.page_sizes.split(",") if x.strip()]
        agent: Child | None = None
        for run, size in enumerate(sizes):
            if agent is not None:  # an earlier probe run: stop it before the next one
                with contextlib.suppress(TimeoutError, OSError, EOFError, RuntimeError):
                    agent.ask({"op": "exit"}, 30)
                agent.proc.join(15)
                started.remove(agent)
                time.sleep(1.0)
            agent, sync = initial_sync(started, sim, master, env, size, run, args.profile)
            results["syncs"].append(sync)
        assert agent is not None
        results["steady"] = steady(agent, master, args.steady_s, args.profile)
        results["latency"] = latency(sim, agent, master, args.samples, args.interval)
        results["burst"] = burst(sim, agent, master, args.burst, args.burst_s, args.churn)
        results["drain"] = drain(sim, agent, args.burst, args.burst_s, args.churn, args.profile)
        results["replay"] = agent.ask({"op": "replay", "n": args.replay}, 120)
        results["snapshot"] = agent.ask({"op": "snapshot_bytes"}, 60)
    table = render(args, results, load_start)
    sys.stdout.write(table.render())
    return table.figures


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
