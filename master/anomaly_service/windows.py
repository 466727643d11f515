"""Pure: the recent samples of every container the anomaly service follows, kept in memory
so each pass reads only what arrived since the last one (5,000 containers re-read from the
store every minute would cost more than the detectors).

Bounded: each container keeps ``max_points``; at most ``max_containers`` are followed (the one
heard from longest ago goes first); a container not heard from for ``stale_s`` is dropped (its
pod replaced by a rollout, say), so what was said about it resolves instead of lingering."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field

from master.anomaly.series import Point
from master.store.repositories.pod_metrics import ContainerSample

Key = tuple[str, str, str, str]  # cluster, namespace, pod, container


@dataclass(slots=True)
class Window:
    workload: str
    memory: deque[Point]  # bytes
    cpu: deque[Point]  # cores
    mem_limit: float | None = None
    cpu_limit: float | None = None  # cores
    last_ms: int = 0


@dataclass(slots=True)
class Windows:
    window_s: float
    stale_s: float = 180.0  # six missed samples at the agent's 30 s
    max_points: int = 240
    max_containers: int = 50_000
    by_key: dict[Key, Window] = field(default_factory=dict)
    dropped: int = 0  # containers let go because of ``max_containers``

    def add(self, s: ContainerSample) -> None:
        key = (s.cluster, s.namespace, s.pod, s.container)
        w = self.by_key.get(key)
        if w is None:
            if len(self.by_key) >= self.max_containers:
                oldest = min(self.by_key, key=lambda k: self.by_key[k].last_ms)
                del self.by_key[oldest]
                self.dropped += 1
            w = Window(s.workload, deque(maxlen=self.max_points), deque(maxlen=self.max_points))
            self.by_key[key] = w
        if s.at_ms <= w.last_ms:
            return  # a sample seen already (pages overlap by one millisecond) or out of order
        t = s.at_ms / 1000
        w.memory.append(Point(t, float(s.mem_bytes)))
        w.cpu.append(Point(t, s.cpu_m / 1000))
        w.workload, w.last_ms = s.workload, s.at_ms
        w.mem_limit = float(s.mem_limit) if s.mem_limit else None
        w.cpu_limit = s.cpu_limit_m / 1000 if s.cpu_limit_m else None

    def expire(self, now_ms: int) -> None:
        horizon = now_ms - int(self.stale_s * 1000)
        for key in [k for k, w in self.by_key.items() if w.last_ms < horizon]:
            del self.by_key[key]

    def of_cluster(self, cluster: str) -> Iterator[tuple[Key, Window]]:
        return ((k, w) for k, w in self.by_key.items() if k[0] == cluster)

    def clusters(self) -> set[str]:
        return {k[0] for k in self.by_key}
