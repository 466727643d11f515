"""Settings of the pod-metrics reader (nested into the agent's settings as ``pod_metrics``;
env ``AGENT_POD_METRICS__*``). On by default: a cluster without metrics-server costs one
404 at start and one per ``rediscover_s``; the chart grants the ``metrics.k8s.io`` reads only
with ``podMetrics.enabled``."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class PodMetricsSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = Field(True, description="Read metrics.k8s.io pod and node usage.")
    interval_s: float = Field(
        30.0,
        ge=5.0,
        le=3600.0,
        description="Seconds between reads; metrics-server itself refreshes every 15-60 s.",
    )
    timeout_s: float = Field(20.0, gt=0, le=300.0, description="Per list request.")
    rediscover_s: float = Field(
        600.0,
        ge=10.0,
        description="How long to wait before looking again for a metrics.k8s.io the cluster "
        "does not serve (404) or this agent may not read (403).",
    )
