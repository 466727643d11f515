"""Pod, container and node usage from ``metrics.k8s.io`` (metrics-server), one batch per
interval.

The agent fills usage only. ``ContainerUsage.spec`` is the master's: the processor looks the
pod up in its mirror when the record arrives and attaches the container's requests, limits and
restart count (and the pod's workload), so the store keeps them next to each sample and a chart
can draw limit lines as they were at the time. It never travels on the wire."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ContainerSpec:
    """What the pod object said about one container when its sample arrived (None: unset)."""

    cpu_request_m: float | None = None
    cpu_limit_m: float | None = None
    memory_request_bytes: int | None = None
    memory_limit_bytes: int | None = None
    restarts: int = 0
    workload: str = ""  # "Deployment/web", "StatefulSet/db", "Pod/x" for a bare pod


@dataclass(frozen=True, slots=True)
class ContainerUsage:
    name: str
    cpu_millicores: float
    memory_bytes: int
    spec: ContainerSpec | None = None  # master-side only, see the module docstring


@dataclass(frozen=True, slots=True)
class PodUsage:
    namespace: str
    pod: str
    at_ms: int  # metrics-server's timestamp: the end of the window it averaged over
    window_ms: int
    containers: tuple[ContainerUsage, ...]


@dataclass(frozen=True, slots=True)
class NodeUsage:
    node: str
    at_ms: int
    window_ms: int
    cpu_millicores: float
    memory_bytes: int
