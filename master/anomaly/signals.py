"""An anomaly (or its absence) as the alert core's ``AlertSignal``.

The signal is emitted on every evaluation, active or not, so the alert core's state machine
opens and resolves the alert; anomalies are labelled ``statistical="true"`` so rules, silences
and the dashboard can tell them from the agent's discrete findings."""

from __future__ import annotations

from collections.abc import Mapping

from master.alerts.events import AlertSignal
from master.anomaly.detectors import Anomaly

SOURCE = "anomaly"


def signal(
    kind: str, subject: Mapping[str, str], found: Anomaly | None, *, at_ms: int
) -> AlertSignal:
    """``subject``: the labels naming what was measured (cluster, namespace, pod, container or
    node); with ``kind`` they form the stable key."""
    key = kind + "|" + ",".join(f"{k}={v}" for k, v in sorted(subject.items()))
    labels = {**subject, "reason": kind, "statistical": "true", "category": "anomaly"}
    annotations: dict[str, str] = {}
    if found is not None:
        labels["severity"] = found.severity.label
        annotations["summary"] = found.summary
        annotations.update({f"evidence_{k}": f"{v:.6g}" for k, v in found.evidence.items()})
    return AlertSignal(SOURCE, key, labels, found is not None, at_ms, annotations)
