"""Pure: what the detectors say about one cluster, as alert signals, and which signals changed.

``node_signals`` compares each node's average CPU with its pool's peers (``noisy_neighbour``);
``Changes`` remembers which keys were active and lets through only signals whose state changed
(and every signal on its first pass, so an alert that resolved while the master was down is
resolved — the SLO service does the same)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from master.alerts.events import AlertSignal
from master.anomaly.detectors import noisy_neighbour
from master.anomaly.signals import signal


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


@dataclass(slots=True)
class Changes:
    """What was last offered per signal key, so each pass offers only what changed."""

    offered: dict[str, AlertSignal] = field(default_factory=dict)
    first: set[str] = field(default_factory=set)  # scopes (clusters) evaluated at least once

    def changed(
        self, signals: Iterable[AlertSignal], *, cluster: str, at_ms: int
    ) -> list[AlertSignal]:
        """The signals of one cluster's pass whose state differs from the last offered (all of
        them on the cluster's first pass), and a resolution for each active key of the cluster
        that this pass no longer evaluated (a node that went away)."""
        first = cluster not in self.first
        self.first.add(cluster)
        seen: set[str] = set()
        out = []
        for s in signals:
            seen.add(s.key)
            last = self.offered.get(s.key)
            if first or last is None or last.active != s.active:
                out.append(s)
            self.offered[s.key] = s
        for key, last in list(self.offered.items()):
            if key in seen or last.labels.get("cluster") != cluster:
                continue
            if last.active:
                out.append(replace(last, active=False, at_ms=at_ms, annotations={}))
            del self.offered[key]
        return out
