"""Shared builders for the alert engine's tests: findings, configs, a virtual clock."""

from __future__ import annotations

from master.alerts.config import AlertConfig, load_config
from master.alerts.engine import AlertEngine, Due
from master.alerts.events import FindingEvent
from shared.domain.findings import Finding, Severity
from shared.domain.refs import ObjectRef

S = 1000
MIN = 60 * S
H = 60 * MIN
T0 = 1_780_000_000_000  # 2026-05-28T20:26:40Z, a Thursday

CONFIG = """\
route:
  receiver: team
  group_by: [cluster, namespace, owner]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: team
    webhook_configs:
      - url: http://127.0.0.1:9/hook
"""


def config(text: str = CONFIG) -> AlertConfig:
    return load_config(text, source="test.yaml")


def engine(text: str = CONFIG) -> AlertEngine:
    return AlertEngine(config(text))


def pod_finding(
    name: str,
    *,
    reason: str = "CrashLoopBackOff",
    severity: Severity = Severity.CRITICAL,
    category: str = "crash",
    namespace: str = "shop",
    owner: str | None = "checkout",
    node: str = "node-1",
    resolved: bool = False,
    at_ms: int = T0,
    count: int = 1,
) -> Finding:
    return Finding(
        fingerprint=f"fp-{reason}-{namespace}-{name}",
        reason=reason,
        severity=severity,
        category=category,
        subject=ObjectRef("Pod", namespace, name),
        message=f"{reason} on {name}",
        first_seen_ms=at_ms,
        last_seen_ms=at_ms,
        owner=ObjectRef("Deployment", namespace, owner) if owner else None,
        node=node,
        count=count,
        resolved=resolved,
    )


def node_finding(node: str, *, resolved: bool = False, at_ms: int = T0) -> Finding:
    return Finding(
        fingerprint=f"fp-node-{node}",
        reason="NodeNotReady",
        severity=Severity.CRITICAL,
        category="node",
        subject=ObjectRef("Node", "", node),
        message=f"{node} is not ready",
        first_seen_ms=at_ms,
        last_seen_ms=at_ms,
        resolved=resolved,
    )


def seen(eng: AlertEngine, finding: Finding, at_ms: int, cluster: str = "prod") -> None:
    eng.observe(FindingEvent(cluster, finding, at_ms))


def summary(due: Due) -> list[tuple[str, str, int, int]]:
    """(receiver, status, firing, resolved) per notification: what a person would receive."""
    return [(n.receiver, n.status, n.firing, n.resolved) for n in due.notifications]
