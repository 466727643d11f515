"""The anomaly service's settings (``MASTER_ANOMALY__*``)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class AnomalySettings(BaseModel):
    enabled: bool = Field(
        True, description="Evaluate the anomaly baselines and raise statistical alerts."
    )
    evaluate_s: float = Field(
        60.0,
        gt=0,
        description="Seconds between evaluations: the detectors read minutes of data, so "
        "once a minute finds an anomaly well before it matters and costs little.",
    )
    peers_window_s: float = Field(
        900.0,
        gt=0,
        description="Seconds of node CPU averaged to compare a node with its pool's peers: "
        "long enough that a burst is not a noisy neighbour.",
    )
    memory_window_s: float = Field(
        3600.0,
        ge=300,
        description="Seconds of a container's memory a leak trend reads (it needs half of "
        "it before it can fire): an hour tells a leak from a cache warming up.",
    )
    cpu_window_s: float = Field(
        900.0, ge=120, description="Seconds of CPU pinned at its limit that mean throttling."
    )
    max_containers: int = Field(
        50_000,
        ge=1,
        description="Containers followed in memory at most (about 20 KiB each): past it the "
        "one heard from longest ago is let go.",
    )
