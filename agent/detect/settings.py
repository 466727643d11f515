"""Detector thresholds and durations (nested into the agent's settings as ``detect``; env
``AGENT_DETECT__*``).

Owns the numbers, not the rules: which reason is which severity and category lives in
``rules.py``; this model holds the knobs those rules are gated by, plus per-reason overrides.
Every duration is in seconds.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SeverityLabel = Literal["info", "warning", "critical"]

DEFAULT_EVENT_REASONS: tuple[str, ...] = (
    "FailedScheduling",
    "BackOff",
    "FailedMount",
    "FailedAttachVolume",
    "FailedCreatePodSandBox",
    "Unhealthy",
    "FailedKillPod",
    "Evicted",
)


class DetectSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    unschedulable_after_s: float = Field(
        300,
        ge=0,
        description="Seconds a pod may sit PodScheduled=False/Unschedulable before it is a "
        "finding. 5 min lets the cluster autoscaler add a node (typically 1-3 min).",
    )
    pod_not_ready_after_s: float = Field(
        300,
        ge=0,
        description="Seconds a running pod may be Ready=False before PodNotReady. 5 min covers "
        "slow JVM start-ups and readiness probes with long initial delays.",
    )
    stuck_terminating_after_s: float = Field(
        600,
        ge=0,
        description="Seconds past the pod's deletionTimestamp (which already includes its grace "
        "period) before StuckTerminating. 10 min rules out slow preStop hooks and node drains.",
    )
    oom_recent_s: float = Field(
        3600,
        ge=0,
        description="A container whose *last* termination was OOMKilled counts as OOMKilled "
        "while that termination is younger than this (seconds). An hour is long enough to be "
        "noticed, short enough that an old kill does not stay a finding for the pod's lifetime.",
    )
    restart_storm_count: int = Field(
        5,
        ge=1,
        description="Restarts of one container within restart_storm_window_s that make a "
        "RestartStorm. Needs the tracker's restart history, so `lookout scan` cannot see it.",
    )
    restart_storm_window_s: float = Field(
        600,
        gt=0,
        description="Window (seconds) for restart_storm_count. 5 in 10 min is faster than "
        "kubelet's back-off allows once it has grown, so it catches a real storm.",
    )
    unavailable_share: float = Field(
        0.25,
        ge=0,
        le=1,
        description="Deployment/StatefulSet/DaemonSet unavailable share (0-1) that must be "
        "*exceeded*. 25 % equals the default rolling-update maxUnavailable, so a normal rollout "
        "never crosses it.",
    )
    unavailable_after_s: float = Field(
        600,
        ge=0,
        description="Seconds the unavailable share must stay exceeded before "
        "Deployment/StatefulSet/DaemonSetUnavailable. 10 min outlasts a normal rollout step.",
    )
    replica_overflow_after_s: float = Field(
        300,
        ge=0,
        description="Seconds a Deployment may run more pods than replicas + maxSurge (counted "
        "from its last progress update). 5 min lets a scale-down finish.",
    )
    no_ready_endpoints_after_s: float = Field(
        60,
        ge=0,
        description="Seconds a Service with matching pods may have no ready endpoint. A minute "
        "covers pods starting behind a brand-new Service.",
    )
    pvc_pending_after_s: float = Field(
        300,
        ge=0,
        description="Seconds a PVC may stay Pending. 5 min covers cloud volume provisioning; "
        "WaitForFirstConsumer claims are skipped until a pod uses them.",
    )
    hpa_at_max_after_s: float = Field(
        600,
        ge=0,
        description="Seconds an HPA may sit at maxReplicas wanting more. 10 min ignores short "
        "traffic spikes the HPA absorbs.",
    )
    cronjob_grace_s: float = Field(
        0,
        ge=0,
        description="Seconds after a CronJob's last schedule before judging that run failed "
        "when its Jobs are not known (status-only heuristic used by `lookout scan`).",
    )
    event_fresh_s: float = Field(
        600,
        gt=0,
        description="A Warning event is a finding while its latest occurrence (eventTime, "
        "series.lastObservedTime or lastTimestamp) is younger than this (seconds). 10 min "
        "spans kubelet's event re-emission for conditions that persist.",
    )
    event_reasons: tuple[str, ...] = Field(
        DEFAULT_EVENT_REASONS,
        description="Warning event reasons that become findings. Extend with your own; reasons "
        "not in rules.py get severity warning and category 'event'.",
    )
    unhealthy_burst_count: int = Field(
        3,
        ge=1,
        description="Probe failures (Unhealthy events) within unhealthy_burst_window_s before "
        "they are a finding: one failing probe is not an alert.",
    )
    unhealthy_burst_window_s: float = Field(
        300, gt=0, description="Window (seconds) for unhealthy_burst_count."
    )
    severity_overrides: dict[str, SeverityLabel] = Field(
        default_factory=dict,
        description="Reason -> severity, replacing rules.py's default for that reason.",
    )
    disabled_reasons: frozenset[str] = Field(
        frozenset(), description="Reasons never reported (e.g. Cordoned on busy fleets)."
    )
    change_throttle_s: float = Field(
        60,
        ge=0,
        description="The tracker re-emits an active finding whose count or message changed at "
        "most this often (seconds); a severity change is sent at once. Keeps a restart counter "
        "from journaling a record per restart, while notifications (which quote the finding) "
        "lag the live restart count by a minute at most.",
    )
