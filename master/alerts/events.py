"""What the alert engine is told: findings, cluster link changes, and generic signals.

``AlertSignal`` is the door for every other source (node-metric thresholds, SLO burn rates,
anomalies): a source names itself and a stable key, gives labels and annotations, and says
whether the condition holds. The engine gives it the same state machine, rules, grouping,
inhibition and silences as a finding."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from master.datahub.status import LinkStatus
from shared.domain.findings import Finding


@dataclass(frozen=True, slots=True)
class FindingEvent:
    """A finding opened, changed or resolved (``finding.resolved``) in ``cluster``."""

    cluster: str
    finding: Finding
    at_ms: int


@dataclass(frozen=True, slots=True)
class LinkEvent:
    """A cluster's agent link changed; ``offline`` raises one ClusterOffline alert."""

    cluster: str
    status: LinkStatus
    at_ms: int


@dataclass(frozen=True, slots=True)
class AlertSignal:
    source: str  # e.g. "node-metrics", "slo"
    key: str  # stable per condition within the source
    labels: Mapping[str, str]
    active: bool
    at_ms: int
    annotations: Mapping[str, str] = field(default_factory=dict)


Event = FindingEvent | LinkEvent | AlertSignal
