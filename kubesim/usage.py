"""``metrics.k8s.io/v1beta1`` as metrics-server serves it: PodMetrics and NodeMetrics lists
with usage that is plausible and moves.

Pure: the store and ``now`` in, list documents out. Each Running pod's container uses a
steady share of its request (or of a small default) that wobbles over a few minutes, seeded
by its name so two reads a second apart agree and every pod differs; a pod labelled
``lookout.test/fault=memory-leak`` grows ``LEAK_BYTES_PER_MIN`` a minute from its start (the
demo's leak heading for its limit). A node's usage is the sum of its pods' plus a base.
Quantities are written as metrics-server writes them: CPU in nanocores, memory in Ki."""

from __future__ import annotations

import math
import zlib
from datetime import UTC, datetime
from typing import Any

from kubesim.kinds import FAULT_LABEL
from kubesim.store import Store
from shared.quantities import millicores, whole_bytes

GROUP_VERSION = "metrics.k8s.io/v1beta1"
WINDOW = "20.035s"
LEAK = "memory-leak"
LEAK_BYTES_PER_MIN = 4 * 2**20
DEFAULT_CPU_M = 20.0
DEFAULT_MEM = 48 * 2**20
NODE_BASE_CPU_M = 150.0
NODE_BASE_MEM = 600 * 2**20

Obj = dict[str, Any]


def _iso(now_s: float) -> str:
    return datetime.fromtimestamp(int(now_s), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _started_s(pod: Obj, now_s: float) -> float:
    text = (pod.get("status") or {}).get("startTime")
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return now_s


def _wobble(seed: str, now_s: float) -> float:
    """0.7..1.3, a slow wave whose phase and period come from ``seed``."""
    h = zlib.crc32(seed.encode())
    period = 120 + h % 300
    return 1.0 + 0.3 * math.sin(2 * math.pi * now_s / period + h % 628 / 100)


def _request(c: Obj, which: str) -> str | None:
    value = ((c.get("resources") or {}).get("requests") or {}).get(which)
    return None if value is None else str(value)


def container_usage(pod: Obj, c: Obj, now_s: float) -> tuple[float, int]:
    """(millicores, bytes) one container uses at ``now_s``."""
    meta = pod["metadata"]
    seed = f"{meta.get('namespace')}/{meta.get('name')}/{c.get('name')}"
    cpu_q, mem_q = _request(c, "cpu"), _request(c, "memory")
    cpu = (millicores(cpu_q) * 0.4 if cpu_q else DEFAULT_CPU_M) * _wobble(seed, now_s)
    mem = (whole_bytes(mem_q) * 0.6 if mem_q else DEFAULT_MEM) * (
        0.95 + 0.05 * _wobble(seed, now_s)
    )
    if (meta.get("labels") or {}).get(FAULT_LABEL) == LEAK:
        mem += LEAK_BYTES_PER_MIN * max(0.0, now_s - _started_s(pod, now_s)) / 60
    return cpu, int(mem)


def _running(store: Store) -> list[Obj]:
    return [
        p for p in store.iter_objects("pods") if (p.get("status") or {}).get("phase") == "Running"
    ]


def _quantities(cpu_m: float, mem: int) -> Obj:
    return {"cpu": f"{round(cpu_m * 1_000_000)}n", "memory": f"{mem // 1024}Ki"}


def _pod_item(pod: Obj, now_s: float) -> Obj:
    meta = pod["metadata"]
    containers = []
    for c in (pod.get("spec") or {}).get("containers") or ():
        cpu, mem = container_usage(pod, c, now_s)
        containers.append({"name": c.get("name"), "usage": _quantities(cpu, mem)})
    return {
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "creationTimestamp": _iso(now_s),
            "labels": meta.get("labels") or {},
        },
        "timestamp": _iso(now_s - 5),
        "window": WINDOW,
        "containers": containers,
    }


def pod_metrics(store: Store, now_s: float, namespace: str | None = None) -> Obj:
    items = [
        _pod_item(p, now_s)
        for p in _running(store)
        if namespace is None or p["metadata"].get("namespace") == namespace
    ]
    items.sort(key=lambda i: (i["metadata"]["namespace"], i["metadata"]["name"]))
    return {"kind": "PodMetricsList", "apiVersion": GROUP_VERSION, "metadata": {}, "items": items}


def node_metrics(store: Store, now_s: float) -> Obj:
    used: dict[str, list[float]] = {}
    for p in _running(store):
        node = (p.get("spec") or {}).get("nodeName")
        if not node:
            continue
        total = used.setdefault(node, [0.0, 0.0])
        for c in (p.get("spec") or {}).get("containers") or ():
            cpu, mem = container_usage(p, c, now_s)
            total[0] += cpu
            total[1] += mem
    items = []
    for n in sorted(store.iter_objects("nodes"), key=lambda n: n["metadata"]["name"]):
        name = n["metadata"]["name"]
        node_cpu, node_mem = used.get(name, [0.0, 0.0])
        items.append(
            {
                "metadata": {"name": name, "creationTimestamp": _iso(now_s)},
                "timestamp": _iso(now_s - 5),
                "window": WINDOW,
                "usage": _quantities(NODE_BASE_CPU_M + node_cpu, int(NODE_BASE_MEM + node_mem)),
            }
        )
    return {"kind": "NodeMetricsList", "apiVersion": GROUP_VERSION, "metadata": {}, "items": items}


def resource_list() -> Obj:
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": GROUP_VERSION,
        "resources": [
            {"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics",
             "verbs": ["get", "list"]},
            {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics",
             "verbs": ["get", "list"]},
        ],
    }  # fmt: skip


def group() -> Obj:
    gv = {"groupVersion": GROUP_VERSION, "version": "v1beta1"}
    return {"name": "metrics.k8s.io", "versions": [gv], "preferredVersion": gv}
