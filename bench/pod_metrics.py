"""Pod metrics ingest (issue 19): ``--pods`` pods (a third with a sidecar: 1-2 containers
each) read from metrics.k8s.io every 30 s.

Agent: the PodMetricsList and NodeMetricsList bodies as metrics-server writes them (nanocores,
Ki, RFC 3339, Go durations) go through the agent's own read (``orjson`` + ``reading``) into
one ``PodMetricsBatch`` and the journal record bytes the outbox spools -- CPU per round,
expressed as millicores added at the 30 s interval (target: <= 5).

Master: the same batch through ``master.processor.podspecs.attach_specs`` against a mirror of
the ``--pods`` pods (their ReplicaSets owned by Deployments), then ``journal.commit`` into a
fresh SQLite store, per batch: the processor's CPU (requests, limits, restarts and workload of
every container, read from the mirrored pods) and the commit's wall time.

    .venv/bin/python -m bench pod_metrics -- --pods 5000 --rounds 10
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime

import orjson

from agent.pod_metrics.reading import node_usage, pod_usage
from bench.common import Table, busy_warning, fmt_ms
from bench.results import Figure, exit_code
from master.datahub.cluster import ClusterState
from master.processor.podspecs import SpecCache, attach_specs
from master.store import Store
from shared.domain.journal import JournalRecord, PodMetricsBatch
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource
from shared.wire.journal import record_to_bytes

INTERVAL_S = 30.0
NODES = 50
PER_RS = 5  # pods per ReplicaSet (one Deployment each)
CLUSTER = "bench"


def _containers(i: int) -> list[str]:
    return ["app", "proxy"] if i % 3 == 0 else ["app"]


def _iso(s: float) -> str:
    return datetime.fromtimestamp(int(s), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def lists(pods: int, round_no: int) -> tuple[bytes, bytes]:
    """(PodMetricsList, NodeMetricsList) bodies of one read, usage moving every round."""
    now = 1_800_000_000 + round_no * INTERVAL_S
    items = [
        {
            "metadata": {"name": f"web-{i // PER_RS}-{i}", "namespace": f"ns-{i % 20}",
                         "creationTimestamp": _iso(now), "labels": {"app": f"web-{i // PER_RS}"}},
            "timestamp": _iso(now - 5),
            "window": "20.035s",
            "containers": [
                {"name": c, "usage": {"cpu": f"{(i * 7919 + round_no * 104729) % 900_000_000}n",
                                      "memory": f"{40_000 + (i * 31 + round_no) % 200_000}Ki"}}
                for c in _containers(i)
            ],
        }
        for i in range(pods)
    ]  # fmt: skip
    nodes = [
        {
            "metadata": {"name": f"node-{n}", "creationTimestamp": _iso(now)},
            "timestamp": _iso(now - 5),
            "window": "20.012s",
            "usage": {"cpu": f"{1_500_000_000 + n * 1000}n", "memory": f"{8_000_000 + n}Ki"},
        }
        for n in range(NODES)
    ]
    return (
        orjson.dumps({"kind": "PodMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                      "metadata": {}, "items": items}),
        orjson.dumps({"kind": "NodeMetricsList", "apiVersion": "metrics.k8s.io/v1beta1",
                      "metadata": {}, "items": nodes}),
    )  # fmt: skip


def agent_read(pods_body: bytes, nodes_body: bytes, seq: int) -> tuple[PodMetricsBatch, bytes]:
    """What ``agent.pod_metrics.running`` does with one read, and what the outbox spools."""
    p = pod_usage(orjson.loads(pods_body).get("items") or ())
    n = node_usage(orjson.loads(nodes_body).get("items") or ())
    batch = PodMetricsBatch(p.items, n.items)
    return batch, record_to_bytes(JournalRecord(seq, seq * 30_000, batch))


def _owner(kind: str, name: str) -> dict[str, object]:
    return {"apiVersion": "apps/v1", "kind": kind, "name": name, "uid": f"uid-{name}",
            "controller": True}  # fmt: skip


def mirror(pods: int) -> ClusterState:
    """The master's mirror: ``pods`` trimmed pods as the agent sends them, and their
    ReplicaSets (each owned by a Deployment)."""
    state = ClusterState(CLUSTER)
    pod_map: dict[tuple[str, str], Resource] = {}
    rs_map: dict[tuple[str, str], Resource] = {}
    for i in range(pods):
        ns, rs = f"ns-{i % 20}", f"web-{i // PER_RS}"
        name = f"{rs}-{i}"
        body = {
            "metadata": {"name": name, "namespace": ns, "uid": f"uid-{i}",
                         "resourceVersion": str(1000 + i), "labels": {"app": rs},
                         "ownerReferences": [_owner("ReplicaSet", rs)]},
            "spec": {"nodeName": f"node-{i % NODES}", "containers": [
                {"name": c, "image": f"registry.local/{c}:1.{i % 7}",
                 "resources": {"requests": {"cpu": "100m", "memory": "128Mi"},
                               "limits": {"cpu": "1", "memory": "512Mi"}}}
                for c in _containers(i)]},
            "status": {"phase": "Running", "podIP": f"10.0.{i // 250}.{i % 250}",
                       "containerStatuses": [{"name": c, "ready": True, "restartCount": i % 4,
                                              "image": f"registry.local/{c}:1.{i % 7}"}
                                             for c in _containers(i)]},
        }  # fmt: skip
        ref = ObjectRef("Pod", ns, name, f"uid-{i}")
        pod_map[(ns, name)] = Resource(ref, str(1000 + i), body_json=orjson.dumps(body))
        if (ns, rs) not in rs_map:
            rs_body = {
                "metadata": {
                    "name": rs,
                    "namespace": ns,
                    "uid": f"uid-{rs}",
                    "ownerReferences": [_owner("Deployment", rs)],
                }
            }
            rs_ref = ObjectRef("ReplicaSet", ns, rs, f"uid-{rs}")
            rs_map[(ns, rs)] = Resource(rs_ref, "1", body_json=orjson.dumps(rs_body))
    state.resources["Pod"] = pod_map
    state.resources["ReplicaSet"] = rs_map
    return state


async def master_side(pods: int, rounds: int) -> tuple[list[float], list[float], int]:
    """(processor CPU seconds per batch, commit wall seconds per batch, containers/batch)."""
    state = mirror(pods)
    reads = [lists(pods, r) for r in range(rounds)]
    attach_cpu: list[float] = []
    commit_s: list[float] = []
    containers = 0
    cache = SpecCache()  # the processor's, kept across batches
    with tempfile.TemporaryDirectory() as d:
        store = await Store.open(f"sqlite+aiosqlite:///{d}/bench.db")
        try:
            for r, (pb, nb) in enumerate(reads, start=1):
                batch, _ = agent_read(pb, nb, r)
                records = [JournalRecord(r, r * 30_000, batch)]
                t0 = time.process_time()
                filled = attach_specs(records, state, cache)
                attach_cpu.append(time.process_time() - t0)
                t0 = time.perf_counter()
                await store.journal.commit(CLUSTER, filled, r)
                commit_s.append(time.perf_counter() - t0)
                containers = sum(len(p.containers) for p in batch.pods)
        finally:
            await store.close()
    return attach_cpu, commit_s, containers


def agent_side(pods: int, rounds: int) -> tuple[float, int]:
    """(agent CPU seconds per round, record bytes per round)."""
    reads = [lists(pods, r) for r in range(rounds)]  # built up front: metrics-server's work
    cpu = 0.0
    size = 0
    for r, (pb, nb) in enumerate(reads, start=1):
        t0 = time.process_time()
        _, payload = agent_read(pb, nb, r)
        cpu += time.process_time() - t0
        size = len(payload)
    return cpu / rounds, size


QUICK = ["--pods", "500", "--rounds", "3"]


def run(argv: list[str]) -> list[Figure]:
    ap = argparse.ArgumentParser(prog="bench pod_metrics")
    ap.add_argument("--pods", type=int, default=5000)
    ap.add_argument("--rounds", type=int, default=10)
    args = ap.parse_args(argv)
    cpu_s, record_bytes = agent_side(args.pods, args.rounds)
    attach, commit, containers = asyncio.run(master_side(args.pods, args.rounds))
    # The first batch warms the writer (statements, pages): judge the steady state.
    attach_s = sum(attach[1:] or attach) / len(attach[1:] or attach)
    commit_avg = sum(commit[1:] or commit) / len(commit[1:] or commit)
    table = Table(
        f"pod metrics: {args.pods:,} pods, {containers:,} containers, {NODES} nodes every "
        f"{INTERVAL_S:.0f} s"
    )
    table.add("agent CPU per read", fmt_ms(cpu_s), note="JSON parse + usage + record bytes")
    table.judge("pod_metrics.agent_cpu", "agent CPU added", cpu_s / INTERVAL_S * 1000)
    table.add("journal record", f"{record_bytes / 1024:.0f} KiB", note="one PodMetricsBatch")
    table.judge(
        "pod_metrics.master_attach_ms",
        "master: requests/limits attached",
        attach_s * 1000,
        note="podspecs against the mirrored pods, CPU per batch",
    )
    table.judge(
        "pod_metrics.master_commit_ms",
        "master: store commit (SQLite)",
        commit_avg * 1000,
        note=f"{containers:,} container rows per batch, wall",
    )
    print(busy_warning() + table.render(), end="")
    return table.figures


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    raise SystemExit(main())
