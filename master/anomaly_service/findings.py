"""Pure: an anomaly signal as a finding the master holds (``ClusterState.master_findings``),
so a statistical condition is on the pod's and node's pages and in the findings lists like the
agent's, and the remediation service can suggest a fix for it (a predicted OOM → raise the
memory limit). Same fingerprint/resolve model: the fingerprint is derived from the signal's
stable key; an inactive signal drops the finding. ``attrs`` carry the detector's evidence and
``statistical=true``, which the dashboard shows as such."""

from __future__ import annotations

import hashlib

from master.alerts.events import AlertSignal
from shared.domain.findings import Finding, Severity
from shared.domain.refs import ObjectRef

CATEGORY = "anomaly"


def fingerprint(signal_key: str) -> str:
    return "anomaly-" + hashlib.sha256(signal_key.encode()).hexdigest()[:24]


def finding_of(s: AlertSignal, *, first_seen_ms: int) -> Finding:
    """The finding an active signal stands for (``first_seen_ms``: when it first fired)."""
    lb = s.labels
    kind = lb.get("kind", "Pod")
    subject = ObjectRef(kind, "" if kind == "Node" else lb.get("namespace", ""), lb.get("name", ""))
    owner = None
    if "/" in (workload := lb.get("owner", "")):
        owner_kind, owner_name = workload.split("/", 1)
        owner = ObjectRef(owner_kind, subject.namespace, owner_name)
    attrs = {k: v for k, v in s.annotations.items() if k.startswith("evidence_")}
    attrs["statistical"] = "true"
    if container := lb.get("container"):
        attrs["container"] = container
    return Finding(
        fingerprint=fingerprint(s.key),
        reason=lb.get("reason", ""),
        severity=Severity.parse(lb.get("severity", "warning")),
        category=CATEGORY,
        subject=subject,
        message=s.annotations.get("summary", ""),
        first_seen_ms=first_seen_ms,
        last_seen_ms=s.at_ms,
        owner=owner,
        node=lb.get("node", ""),
        attrs=attrs,
    )
