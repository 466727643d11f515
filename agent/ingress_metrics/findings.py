"""``Unavailable`` scraper events → ``IngressMetricsUnavailable`` findings. Pure.

A discovered target is named ``namespace/pod`` and the finding is about that Pod, so the
dashboard shows it on the controller's pod; a fixed URL has no object and is reported on the
agent. The fingerprint is per target, so the master deduplicates a target's repeated reports
and the recovery (``resolved``) closes the same finding."""

from __future__ import annotations

from agent.ingress_metrics.scraper import Unavailable
from shared.domain.findings import Finding, Severity
from shared.domain.refs import ObjectRef


def subject_of(target: str) -> ObjectRef:
    namespace, sep, name = target.partition("/")
    if sep and namespace and name:
        return ObjectRef(kind="Pod", namespace=namespace, name=name)
    return ObjectRef(kind="Agent", name=f"ingress-metrics/{target}")


def unavailable_finding(e: Unavailable) -> Finding:
    return Finding(
        fingerprint=f"ingress-metrics-{e.target}",
        reason=e.reason,
        severity=Severity.WARNING,
        category="slo",
        subject=subject_of(e.target),
        message=(
            f"ingress metrics of {e.target} scraped again"
            if e.resolved
            else f"cannot scrape ingress metrics of {e.target} at {e.url}: {e.message}; SLOs "
            "fed by it see no traffic until it answers (retried on a backoff)"
        ),
        first_seen_ms=e.at_ms,
        last_seen_ms=e.at_ms,
        resolved=e.resolved,
        attrs={"url": e.url},
    )
