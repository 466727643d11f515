"""Measure kubesim's footprint: seed time, RSS and CPU at a given size and churn.

Starts ``python -m kubesim`` as a child process (the way a demo runs it), attaches one watcher
per cluster on all pods (like an agent's informer, so watch fan-out is part of the cost),
samples /proc for ``--seconds``, and prints a table judged against ``bench.targets``:
start-up, peak RSS, CPU, and whether the watchers got the churn asked for.

    .venv/bin/python -m bench kubesim [-- --pods 5000 --nodes 100 --churn 10 --seconds 60]
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import yaml

from bench.common import Table, cpu_seconds, rss_bytes
from bench.results import Figure, exit_code

# The small size of `python -m bench --quick`.
QUICK = ["--pods", "500", "--nodes", "20", "--seconds", "3"]


def rss_mib(pid: int) -> float:
    return rss_bytes(pid) / 2**20


def server_of(kubeconfig: Path) -> str:
    return str(yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"])


def watch_pods(server: str, counter: list[int], stop: threading.Event) -> None:
    """A raw informer: list, then watch from its resourceVersion, counting events."""
    with urllib.request.urlopen(f"{server}/api/v1/pods", timeout=60) as r:
        rv = json.load(r)["metadata"]["resourceVersion"]
    url = f"{server}/api/v1/pods?watch=true&resourceVersion={rv}&allowWatchBookmarks=true"
    with urllib.request.urlopen(url, timeout=600) as r:
        for _ in r:
            counter[0] += 1
            if stop.is_set():
                return


def run(argv: list[str]) -> list[Figure]:
    ap = argparse.ArgumentParser(prog="python -m bench kubesim")
    ap.add_argument("--clusters", type=int, default=1)
    ap.add_argument("--pods", type=int, default=5000)
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--churn", type=float, default=10)
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args(argv)
    out = Path(tempfile.mkdtemp(prefix="kubesim-bench-"))
    t0 = time.monotonic()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kubesim",
            "--clusters",
            str(args.clusters),
            "--pods",
            str(args.pods),
            "--nodes",
            str(args.nodes),
            "--churn",
            str(args.churn),
            "--out",
            str(out),
            "--log-level",
            "WARNING",
        ],
        stdin=subprocess.DEVNULL,
    )
    try:
        configs = [out / f"sim-{i}.kubeconfig" for i in range(args.clusters)]
        deadline = time.monotonic() + 600
        while not all(c.exists() for c in configs):
            if time.monotonic() > deadline or proc.poll() is not None:
                raise SystemExit("kubesim did not become ready")
            time.sleep(0.2)
        seed = time.monotonic() - t0
        rss_ready = rss_mib(proc.pid)
        servers = [server_of(c) for c in configs]
        t = time.monotonic()
        with urllib.request.urlopen(f"{servers[0]}/api/v1/pods", timeout=60) as r:
            listed = len(json.load(r)["items"])
        list_s = time.monotonic() - t
        counters = [[0] for _ in servers]
        stop = threading.Event()
        threads = [
            threading.Thread(target=watch_pods, args=(s, c, stop), daemon=True)
            for s, c in zip(servers, counters, strict=True)
        ]
        for th in threads:
            th.start()
        time.sleep(2)
        c0, w0, e0 = cpu_seconds(proc.pid), time.monotonic(), sum(c[0] for c in counters)
        peak = rss_mib(proc.pid)
        while time.monotonic() - w0 < args.seconds:
            time.sleep(1)
            peak = max(peak, rss_mib(proc.pid))
        wall = time.monotonic() - w0
        cpu = cpu_seconds(proc.pid) - c0
        events = sum(c[0] for c in counters) - e0
        stop.set()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    table = Table(
        f"kubesim: {args.clusters} cluster(s) x {args.pods:,} pods / {args.nodes} nodes, "
        f"{args.churn:g} pod changes/s, {wall:.0f} s"
    )
    table.judge("kubesim.startup", "start-up incl. seeding", seed)
    table.add("full pod list", f"{list_s:.2f} s", note=f"{listed:,} items")
    table.add("RSS when ready", f"{rss_ready:.0f} MiB")
    table.judge("kubesim.rss_peak", "RSS peak during the run", peak)
    table.judge("kubesim.cpu", "CPU during the run", 100 * cpu / wall)
    per_change = events / wall / (args.churn * args.clusters) if args.churn else float("nan")
    table.judge(
        "kubesim.churn_delivered",
        "pod watch events received per pod change asked",
        per_change,
        note=f"{events / wall:.1f} events/s",
        applies=args.churn > 0,
    )
    sys.stdout.write(table.render())
    return table.figures


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
