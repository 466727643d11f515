"""Settings of one simulated cluster. Every duration is in seconds."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class SimConfig:
    name: str = "sim-0"
    nodes: int = 3
    pods: int = 0  # seeded workload pods (excluding incident deployments)
    churn: float = 0.0  # pod status changes per second, spread over random Running pods
    incidents: bool = False  # run the scripted incident timeline
    # Events kept for watch resumption; like the watch cache's window, older rvs get 410.
    history: int = 10_000
    # Kubelet-ish delays: small so tests are fast, non-zero so watchers see Pending first.
    start_delay: float = 0.3
    delete_delay: float = 0.1
    crash_interval: float = 5.0  # between crashes of a crash-looping container
    lease_interval: float = 10.0  # kubelet lease renewal (real default 10 s)
    node_status_interval: float = 60.0  # node status heartbeat when nothing changed
    bookmark_interval: float = 60.0
    max_events: int = 2_000  # core Events kept, oldest dropped first (the real TTL is 1 h)
