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
