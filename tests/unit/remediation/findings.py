"""Findings and evidence for the remediation unit tests."""

from __future__ import annotations

from typing import Any

from master.remediation.suggestions import Evidence, Revision
from shared.domain.findings import Finding, Severity
from shared.domain.refs import ObjectRef

NOW = 1_700_000_000_000
MIN = 60_000
DEPLOY = ObjectRef("Deployment", "shop", "checkout")


def finding(reason: str, *, subject: ObjectRef | None = None, **extra: Any) -> Finding:
    values: dict[str, Any] = {
        "fingerprint": f"fp-{reason}",
        "reason": reason,
        "severity": Severity.CRITICAL,
        "category": "crash",
        "subject": subject or ObjectRef("Pod", "shop", "checkout-abc-1"),
        "message": f"{reason} happened",
        "first_seen_ms": NOW - MIN,
        "last_seen_ms": NOW,
        "owner": DEPLOY,
        "attrs": {"container": "main"},
    }
    values.update(extra)
    return Finding(**values)


def rollout(minutes_ago: int, *, images: tuple[str, str] = ("", "")) -> tuple[Revision, ...]:
    return (
        Revision(1, NOW - 3 * 24 * 60 * MIN, images[0]),
        Revision(2, NOW - minutes_ago * MIN, images[1]),
    )


def evidence(f: Finding, **extra: Any) -> Evidence:
    values: dict[str, Any] = {"cluster": "edge", "finding": f, "workload": DEPLOY}
    values.update(extra)
    return Evidence(**values)
