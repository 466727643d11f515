"""Notifications as the alert core will hand them over: a crash-looping Deployment's pods,
grouped by (cluster, namespace, owner), firing and then resolved."""

from __future__ import annotations

from dataclasses import replace

from master.notify.message import AlertItem, Attachment, Language, Notification

T0 = 1_780_000_000_000  # a fixed instant: no test reads the wall clock
EXTERNAL = "https://lookout.example.com"


def pod_alert(i: int, *, status: str = "firing", ends_at_ms: int | None = None) -> AlertItem:
    name = f"api-7d9f-{i:04d}"
    return AlertItem(
        fingerprint=f"{i:016x}",
        status="resolved" if status == "resolved" else "firing",
        labels={
            "alertname": "PodCrashLooping",
            "cluster": "prod-eu",
            "namespace": "shop",
            "kind": "Pod",
            "name": name,
            "owner": "Deployment/api",
            "reason": "CrashLoopBackOff",
            "severity": "critical",
        },
        annotations={"summary": f"restarted {9 + i} times, last exit: Error (1)"},
        starts_at_ms=T0 + i,
        ends_at_ms=ends_at_ms,
        generator_url=f"{EXTERNAL}/alerts/{i:016x}",
    )


def crashloop(
    count: int = 3,
    *,
    language: Language = "en",
    receiver: str = "team-shop",
    key: str = "n-1",
    truncated: int = 0,
    attachments: tuple[Attachment, ...] = (),
) -> Notification:
    alerts = tuple(pod_alert(i) for i in range(count))
    return Notification(
        receiver=receiver,
        group_key='{}:{cluster="prod-eu", namespace="shop", owner="Deployment/api"}',
        status="firing",
        group_labels={"cluster": "prod-eu", "namespace": "shop", "owner": "Deployment/api"},
        common_labels={
            "alertname": "PodCrashLooping",
            "cluster": "prod-eu",
            "namespace": "shop",
            "kind": "Pod",
            "owner": "Deployment/api",
            "reason": "CrashLoopBackOff",
            "severity": "critical",
        },
        common_annotations={},
        alerts=alerts,
        idempotency_key=key,
        external_url=EXTERNAL,
        language=language,
        truncated=truncated,
        attachments=attachments,
    )


def resolved(n: Notification, *, key: str, at_ms: int) -> Notification:
    """The same group, all recovered: the notification that follows ``n``."""
    alerts = tuple(replace(a, status="resolved", ends_at_ms=at_ms) for a in n.alerts)
    return replace(
        n,
        status="resolved",
        alerts=alerts,
        idempotency_key=key,
        first_idempotency_key=n.first_idempotency_key or n.idempotency_key,
    )
