"""Label sets: the one shape every alert has, whatever raised it.

A finding's labels are its identity for routing, grouping, inhibition and silences:
``cluster``, ``namespace``, ``kind``, ``name``, ``owner`` (``Kind/name`` of the controlling
object, so one Deployment's pods share it), ``node``, ``reason``, ``severity``, ``category``
and ``alertname`` (= reason, so Alertmanager configs matching on ``alertname`` work). Empty
values are left out, as Alertmanager treats a missing label and an empty one alike."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

from shared.domain.findings import Finding

Labels = Mapping[str, str]


def clean(labels: Mapping[str, str]) -> dict[str, str]:
    return {k: v for k, v in sorted(labels.items()) if v != ""}


def finding_labels(cluster: str, finding: Finding) -> dict[str, str]:
    subject = finding.subject
    owner = finding.owner
    node = finding.node or (subject.name if subject.kind == "Node" else "")
    return clean(
        {
            "alertname": finding.reason,
            "reason": finding.reason,
            "severity": finding.severity.label,
            "category": finding.category,
            "cluster": cluster,
            "namespace": subject.namespace,
            "kind": subject.kind,
            "name": subject.name,
            "owner": f"{owner.kind}/{owner.name}" if owner is not None else "",
            "node": node,
        }
    )


def format_labels(labels: Labels) -> str:
    """``{a="1", b="2"}``, sorted: the stable text of a label set (group keys, logs)."""
    inner = ", ".join(f"{k}={_quote(v)}" for k, v in sorted(labels.items()))
    return "{" + inner + "}"


def _quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def digest(*parts: str, size: int = 16) -> str:
    """A short, stable hex digest of ``parts`` (fingerprints, idempotency keys)."""
    h = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
    return h[:size]
