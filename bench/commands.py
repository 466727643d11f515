"""Benchmark of the command round trip (issue 5, "Measure"): HTTP -> master -> agent ->
Kubernetes -> result, 1 and 50 concurrent, for ``scale`` and ``delete_pod``, against kubesim and
the real control plane (kwok); prints a table per backend with each target beside its figure.

    python -m bench commands [-- --backend sim|kube --only scale|delete_pod]

Layout, as deployed: the backend (``python -m kubesim``, or the tests' control plane from the
cached binaries), the master (``python -m master``, the real composition root with its SQLite
store) and the agent (``bench.commands_agent``: uplink + executor with the agent's Kubernetes
identity) are processes of their own; this process is the operator's client (aiohttp, one
connection per concurrent caller), timing ``POST /api/v1/clusters/{c}/commands`` with
``Prefer: wait=30`` up to its answer, the outcome. Earlier layouts ran the master, then the
agent, in this process: their figures mixed the client's CPU into the other's event loop.

"Kubernetes API time" is the time each command spends in the executor's API exchanges
(measured around ``Kube.send`` in the agent's event loop, so under concurrency it includes the
time an answer waits for the loop: the overhead at 50 concurrent is a lower bound); "overhead"
is the total minus that: HTTP, the bus, the store, the link both ways, the executor's checks.
CPU per command is charged to each process from ``/proc`` over the timed batches.

Bounded: every wait has a timeout; loopback only; about a minute per backend."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from kubernetes import client as k8s_client

from agent.kubeapi.transport import load_configuration
from bench.commands_agent import agent_process
from bench.commands_peers import (
    API_TOKEN,
    Backend,
    MasterProcess,
    control_plane,
    control_plane_missing,
    register_cluster,
    simulator,
)
from bench.common import (
    Child,
    Table,
    busy_warning,
    children,
    cpu_seconds,
    fmt_ms,
    percentile,
    spawn,
)
from bench.results import Figure, exit_code
from bench.targets import TARGETS

CLUSTER = "bench"
NS = "bench"
CONCURRENCY = (1, 50)
# Commands timed one after another (after the warm-up): 300, so p99 is the 3rd-slowest, not
# the slowest of 60 (the nearest-rank p99 of 60 samples is their maximum).
SEQUENTIAL = 300
ROUNDS = 4  # rounds of 50 concurrent commands
POOL = 70  # replicas of the Deployment whose pods delete_pod removes
# The small size of `python -m bench --quick`: kubesim only (the real control plane takes its
# own start-up), one command kind, few samples.
QUICK = ["--backend", "sim", "--only", "scale", "--sequential", "30", "--rounds", "1"]
FLOOR = TARGETS["commands.many_p99_over_floor"]


# -- kubesim and the workloads ---------------------------------------------------------------------


def deployment(name: str, replicas: int) -> dict[str, Any]:
    return {
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name}},
                "spec": {
                    "containers": [{"name": "main", "image": "registry.local/app:1.0"}],
                    "terminationGracePeriodSeconds": 0,
                },
            },
        },
    }


class Workloads:
    """Admin-side setup and the pods ``delete_pod`` may take (each at most once)."""

    def __init__(self, kubeconfig: Path) -> None:
        self.api = k8s_client.ApiClient(load_configuration(kubeconfig=kubeconfig, context="admin"))
        # Any: raw dict bodies in, and the generated models' every-field-Optional typing out.
        self.core: Any = k8s_client.CoreV1Api(self.api)
        self.apps: Any = k8s_client.AppsV1Api(self.api)
        self.taken: set[str] = set()

    def create(self) -> None:
        self.core.create_namespace({"metadata": {"name": NS}})
        for i in range(max(CONCURRENCY)):
            self.apps.create_namespaced_deployment(NS, deployment(f"s-{i}", 1))
        self.apps.create_namespaced_deployment(NS, deployment("pool", POOL))

    def victims(self, n: int, timeout: float = 30.0) -> list[str]:
        """``n`` live pool pods not deleted before (waits, bounded, for replacements)."""
        deadline = time.monotonic() + timeout
        while True:
            pods = self.core.list_namespaced_pod(NS, label_selector="app=pool").items
            live = sorted(
                p.metadata.name
                for p in pods
                if p.metadata.deletion_timestamp is None and p.metadata.name not in self.taken
            )
            if len(live) >= n:
                self.taken.update(live[:n])
                return live[:n]
            if time.monotonic() > deadline:
                raise RuntimeError(f"only {len(live)} pool pods available, wanted {n}")
            time.sleep(0.2)


# -- the round trip -------------------------------------------------------------------------------


class Api:
    """The operator's side: the master's HTTP API over one aiohttp session."""

    def __init__(self, base_url: str, connections: int) -> None:
        self._base = base_url
        self._session = aiohttp.ClientSession(
            headers={"Authorization": f"Bearer {API_TOKEN}"},
            # Idle connections go before uvicorn's 5 s keep-alive closes them under a request.
            connector=aiohttp.TCPConnector(limit=connections, keepalive_timeout=2.0),
            timeout=aiohttp.ClientTimeout(total=40),
        )

    async def call(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        async with self._session.request(method, self._base + path, **kw) as r:
            body: dict[str, Any] = await r.json()
            if r.status >= 400:
                raise RuntimeError(f"{method} {path}: {r.status} {body}")
            return body

    async def close(self) -> None:
        await self._session.close()


async def round_trip(http: Api, body: dict[str, Any]) -> tuple[str, float]:
    """One command as an operator's client runs it: one POST that answers with the outcome."""
    t0 = time.perf_counter()
    view = await http.call(
        "POST", f"/api/v1/clusters/{CLUSTER}/commands", json=body, headers={"Prefer": "wait=30"}
    )
    spent = time.perf_counter() - t0
    if view["state"] != "succeeded":
        raise RuntimeError(f"command {body['type']} ended {view['state']}: {view['message']}")
    cid: str = view["id"]
    return cid, spent


def scale_body(i: int, replicas: int) -> dict[str, Any]:
    return {"type": "scale", "params": {"replicas": replicas},
            "target": {"kind": "Deployment", "namespace": NS, "name": f"s-{i}"}}  # fmt: skip


def delete_body(pod: str) -> dict[str, Any]:
    return {"type": "delete_pod", "params": {"grace_period_s": 0},
            "target": {"kind": "Pod", "namespace": NS, "name": pod}}  # fmt: skip


# Whose CPU each command costs: the master, the agent, this process (the client), the backend.
Pids = dict[str, tuple[int, ...]]


def cpu_of(pids: Pids) -> dict[str, float]:
    return {who: sum(cpu_seconds(p) for p in ps) for who, ps in pids.items()}


async def measure(
    http: Api,
    agent: Child,
    work: Workloads,
    kind: str,
    concurrency: int,
    pids: Pids,
    sizes: tuple[int, int],
) -> tuple[list[float], list[float], dict[str, float]]:
    """(totals, overheads, CPU seconds per command by process) for ``kind`` at
    ``concurrency``."""
    cpu_spent = dict.fromkeys(pids, 0.0)
    totals: list[float] = []
    overheads: list[float] = []
    batches = sizes[0] if concurrency == 1 else sizes[1]
    for b in range(batches):
        if kind == "scale":
            bodies = [scale_body(i, 2 if b % 2 == 0 else 1) for i in range(concurrency)]
        else:
            pods = await asyncio.to_thread(work.victims, concurrency)
            bodies = [delete_body(p) for p in pods]
        cpu_before = cpu_of(pids)
        async with asyncio.timeout(60):
            done = await asyncio.gather(*(round_trip(http, body) for body in bodies))
        for who, spent in cpu_of(pids).items():
            cpu_spent[who] += spent - cpu_before[who]
        api_s = (await asyncio.to_thread(agent.ask, {"op": "api_times"}, 10))["api_s"]
        for cid, total in done:
            totals.append(total)
            overheads.append(total - api_s.get(cid, 0.0))
    return totals, overheads, {who: s / len(totals) for who, s in cpu_spent.items()}


def report(
    table: Table,
    kind: str,
    concurrency: int,
    totals: list[float],
    over: list[float],
    cpu_s: dict[str, float],
    *,
    backend: str,
) -> None:
    what = f"{kind}, {concurrency} concurrent, {backend}"
    n = f"n={len(totals)}"
    one = concurrency == 1
    p50, p99 = percentile(totals, 50) * 1000, percentile(totals, 99) * 1000
    cores = os.cpu_count() or 1
    # What the machine must do before a round's last answer can exist: every process's CPU
    # for all of its commands, on this many cores; the master's one loop for its share.
    floor_ms = sum(cpu_s.values()) * concurrency / cores * 1000
    table.judge("commands.one_p50" if one else "commands.many_p50", f"{what}: total p50", p50,
                note=n)  # fmt: skip
    if one:
        table.judge("commands.one_p99", f"{what}: total p99", p99, note=n)
    else:
        within = p99 / floor_ms if floor_ms else float("nan")
        table.judge("commands.many_p99", f"{what}: total p99", p99, note=n,
                    otherwise=bool(FLOOR.met(within)))  # fmt: skip
        table.judge("commands.many_p99_over_floor", f"{what}: total p99 / CPU floor", within)
    table.add(f"{what}: overhead p50", fmt_ms(percentile(over, 50)), note="excl. Kubernetes API")
    table.judge("commands.overhead_p99", f"{what}: overhead p99", percentile(over, 99) * 1000,
                note="excl. Kubernetes API")  # fmt: skip
    table.judge(
        "commands.cpu_per_command",
        f"{what}: CPU per command",
        sum(cpu_s.values()) * 1000,
        note=", ".join(f"{who} {fmt_ms(v)}" for who, v in cpu_s.items()),
    )
    if not one:
        table.add(
            f"{what}: CPU floor of a round",
            f"{floor_ms:.1f} ms",
            note=f"all CPU / {cores} cores; the master's loop alone "
            f"{fmt_ms(cpu_s['master'] * concurrency)}",
        )


async def scenario(
    root: Path, backend: Backend, table: Table, kinds: list[str], sizes: tuple[int, int]
) -> None:
    master = MasterProcess(root)
    token = await register_cluster(master.settings, CLUSTER)
    work = Workloads(backend.admin_kubeconfig)
    await asyncio.to_thread(work.create)
    master.start()
    http = Api(f"http://127.0.0.1:{master.http_port}", connections=2 * max(CONCURRENCY))
    try:
        with children() as started:
            agent = spawn(
                started,
                "bench-commands-agent",
                agent_process,
                {
                    "cluster": CLUSTER,
                    "address": f"127.0.0.1:{master.grpc_port}",
                    "token": token,
                    "kubeconfig": str(backend.agent_kubeconfig),
                },
            )
            await master.ready()
            if not (await asyncio.to_thread(agent.ask, {"op": "connected", "timeout": 60}, 90))[
                "connected"
            ]:
                raise RuntimeError("the agent did not connect to the master")
            # Warm-up: the pool fills and first-call costs are paid.
            async with asyncio.timeout(60):
                for i in range(5):
                    await round_trip(http, scale_body(i, 1))
            await asyncio.to_thread(agent.ask, {"op": "api_times"}, 10)
            pids: Pids = {
                "master": (master.pid,),
                "agent": (agent.proc.pid or 0,),
                "client": (os.getpid(),),
                backend.name: backend.pids,
            }
            for kind in kinds:
                for c in CONCURRENCY:
                    totals, over, cpu_s = await measure(http, agent, work, kind, c, pids, sizes)
                    report(table, kind, c, totals, over, cpu_s, backend=backend.name)
    finally:
        await http.close()
        master.stop()
        await asyncio.to_thread(work.api.close)


BACKENDS = {"sim": simulator, "kube": control_plane}


def run(argv: list[str]) -> list[Figure]:
    parser = argparse.ArgumentParser(
        prog="python -m bench commands", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--only", choices=["scale", "delete_pod"], action="append", help="run just this command"
    )
    parser.add_argument(
        "--backend",
        choices=list(BACKENDS),
        action="append",
        help="kubesim (sim) and/or the real control plane with kwok (kube); default: both",
    )
    parser.add_argument("--sequential", type=int, default=SEQUENTIAL, help="commands 1 at a time")
    parser.add_argument("--rounds", type=int, default=ROUNDS, help="rounds of 50 at once")
    args = parser.parse_args(argv)
    sizes = (args.sequential, args.rounds)
    logging.basicConfig(level=logging.WARNING)
    tables: list[Table] = []
    started = time.monotonic()
    names = args.backend or list(BACKENDS)
    if not args.backend and (why := control_plane_missing()):
        # Asked for by default, not by name: the kubesim figures still count.
        sys.stdout.write(f"real control plane skipped: {why}\n")
        names.remove("kube")
    for name in names:
        with tempfile.TemporaryDirectory(prefix="lookout-bench-commands-") as tmp:
            root = Path(tmp)
            with BACKENDS[name](root) as backend:
                table = Table(f"commands: HTTP -> master -> agent -> {backend.name} -> result")
                asyncio.run(
                    asyncio.wait_for(
                        scenario(root, backend, table, args.only or ["scale", "delete_pod"], sizes),
                        150,
                    )
                )
                tables.append(table)
    for table in tables:
        sys.stdout.write(table.render() + "\n")
    sys.stdout.write(busy_warning())
    sys.stdout.write(f"(ran {time.monotonic() - started:.0f} s)\n")
    return [f for t in tables for f in t.figures]


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
