"""Pure: what the detectors say about one cluster, as alert signals, and which signals changed.

``node_signals`` compares each node's average CPU with its pool's peers (``noisy_neighbour``);
``container_signals`` runs the per-container detectors (predicted OOM from a memory trend, CPU
pinned at its limit) over the recent windows. ``Changes`` remembers, per scope (a cluster and a
family of signals), which keys were active and lets through only signals whose state changed
(and every signal on the scope's first pass, so an alert that resolved while the master was
down is resolved — the SLO service does the same)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from master.alerts.events import AlertSignal
from master.anomaly.detectors import (
    CPU,
    MEMORY,
    Params,
    cpu_throttling,
    memory_leak,
    noisy_neighbour,
)
from master.anomaly.signals import signal
from master.anomaly_service.windows import Key, Window


def node_signals(
    cluster: str,
    cpu_percent: Mapping[str, float],
    pools: Mapping[str, str],
    *,
    at_ms: int,
) -> list[AlertSignal]:
    """One ``NoisyNeighbour`` signal per node with a CPU average (percent of its capacity)."""
    by_pool: dict[str, dict[str, float]] = {}
    for node, pct in cpu_percent.items():
        by_pool.setdefault(pools.get(node, "default"), {})[node] = pct / 100.0
    out = []
    for pool, peers in sorted(by_pool.items()):
        for node in sorted(peers):
            found = noisy_neighbour(node, peers, pool=pool)
            subject = {"cluster": cluster, "kind": "Node", "name": node, "node": node}
            out.append(signal("NoisyNeighbour", subject, found, at_ms=at_ms))
    return out


def container_signals(
    key: Key,
    w: Window,
    *,
    now_ms: int,
    memory: Params = MEMORY,
    cpu: Params = CPU,
) -> list[AlertSignal]:
    """``PredictedOOM`` and ``CPUThrottled`` for one container (both evaluated, active or
    not, so each resolves); labelled like the agent's pod findings, so the default grouping
    (cluster, namespace, owner) puts a leaking Deployment's pods in one notification."""
    cluster, namespace, pod, container = key
    subject = {"cluster": cluster, "namespace": namespace, "kind": "Pod", "name": pod,
               "container": container, "owner": w.workload}  # fmt: skip
    now_s = now_ms / 1000
    leak = memory_leak(list(w.memory), limit=w.mem_limit, now_s=now_s, p=memory)
    pinned = cpu_throttling(list(w.cpu), limit=w.cpu_limit, now_s=now_s, p=cpu)
    return [
        signal("PredictedOOM", subject, leak, at_ms=now_ms),
        signal("CPUThrottled", subject, pinned, at_ms=now_ms),
    ]


Scope = tuple[str, str]  # (cluster, family of signals: "nodes" | "pods")


@dataclass(slots=True)
class Changes:
    """What was last offered per signal key, so each pass offers only what changed."""

    offered: dict[Scope, dict[str, AlertSignal]] = field(default_factory=dict)  # → key →

    def clusters(self, family: str) -> set[str]:
        """The clusters with a pass of ``family`` on record (their keys may need resolving)."""
        return {cluster for cluster, f in self.offered if f == family}

    def changed(
        self, signals: Iterable[AlertSignal], *, scope: Scope, at_ms: int
    ) -> list[AlertSignal]:
        """The signals of one scope's pass (e.g. ``("edge", "nodes")``) whose state differs from the
        last offered (all of them on the scope's first pass), and a resolution for each active
        key of the scope that this pass no longer evaluated (a node or pod that went away)."""
        first = scope not in self.offered
        before = self.offered.get(scope, {})
        now: dict[str, AlertSignal] = {}
        out = []
        for s in signals:
            last = before.get(s.key)
            if first or last is None or last.active != s.active:
                out.append(s)
            now[s.key] = s
        for key, last in before.items():
            if key not in now and last.active:
                out.append(replace(last, active=False, at_ms=at_ms, annotations={}))
        self.offered[scope] = now
        return out
