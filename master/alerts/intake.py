"""Events → observations: the fingerprint, labels and annotations of whatever raised an alert.

A finding's alert fingerprint scopes the agent's fingerprint by cluster (the agent leaves the
cluster out on purpose); a cluster's ClusterOffline alert is one per cluster; a signal's is
its source and key. Annotations carry what a notification quotes: the finding's message, its
live count and first/last seen, and its detector attributes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from master.alerts.events import AlertSignal, Event, FindingEvent, LinkEvent
from master.alerts.inhibit import CLUSTER_OFFLINE
from master.alerts.labels import clean, digest, finding_labels

FINDING, LINK = "finding", "link"


@dataclass(frozen=True, slots=True)
class Observation:
    fingerprint: str
    source: str
    key: str
    labels: Mapping[str, str]  # as raised, before rules
    annotations: Mapping[str, str]
    active: bool
    at_ms: int


def describe(event: Event) -> Observation | None:
    if isinstance(event, FindingEvent):
        f = event.finding
        notes = {**dict(f.attrs), "message": f.message, "count": str(f.count)}
        notes |= {"first_seen_ms": str(f.first_seen_ms), "last_seen_ms": str(f.last_seen_ms)}
        return Observation(
            fingerprint=digest(FINDING, event.cluster, f.fingerprint),
            source=FINDING,
            key=f.fingerprint,
            labels=finding_labels(event.cluster, f),
            annotations=notes,
            active=not f.resolved,
            at_ms=event.at_ms,
        )
    if isinstance(event, LinkEvent):
        if event.status == "reconnecting":
            return None  # not offline yet: the datahub's own delay decides that
        return Observation(
            fingerprint=digest(LINK, event.cluster),
            source=LINK,
            key=event.cluster,
            labels=offline_labels(event.cluster),
            annotations={"message": f"the agent of cluster {event.cluster} is offline"},
            active=event.status == "offline",
            at_ms=event.at_ms,
        )
    if isinstance(event, AlertSignal):
        return Observation(
            fingerprint=digest(event.source, event.key),
            source=event.source,
            key=event.key,
            labels=clean({"alertname": event.source, **dict(event.labels)}),
            annotations=dict(event.annotations),
            active=event.active,
            at_ms=event.at_ms,
        )
    return None


def offline_labels(cluster: str) -> dict[str, str]:
    return {
        "alertname": CLUSTER_OFFLINE,
        "category": "link",
        "cluster": cluster,
        "reason": CLUSTER_OFFLINE,
        "severity": "critical",
    }
