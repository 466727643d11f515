"""Aggregation groups: when a group of alerts is notified, and what the notification holds.

Alertmanager's timing, with its notification log folded into the group's state:

- a new group flushes first ``group_wait`` after its first alert began firing, then every
  ``group_interval``;
- a flush notifies when a firing alert is not in the set last notified, when an alert last
  notified as firing has resolved (so when every alert of the group has resolved, one
  notification with status ``resolved``), or when ``repeat_interval`` has passed since the
  last notification while an unacknowledged alert fires; otherwise it sends nothing;
- silenced and inhibited alerts are left out of the firing set (and come back when the
  silence ends); a muted route (``mute_time_intervals`` / outside ``active_time_intervals``)
  sends nothing and keeps its log, so what changed is sent when the window closes;
- an alert that fired and resolved between two flushes, never notified, is never mentioned.

``notified_firing`` and ``last_notified_ms`` are persisted with the group, which is what lets a
restarted master resume without notifying anything twice."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from master.alerts.notifications import (
    Notification,
    NotifiedAlert,
    common,
    idempotency_key,
)
from master.alerts.routing import RouteOpts
from master.alerts.state import AlertRecord


@dataclass(slots=True)
class GroupState:
    receiver: str
    route_key: str
    group_key: str
    labels: dict[str, str]
    created_ms: int  # the incident's first fire time; names the incident in idempotency keys
    next_flush_ms: int
    last_notified_ms: int = 0  # 0: never notified
    notified_firing: list[str] = field(default_factory=list)  # sorted fingerprints
    sequence: int = 0

    @property
    def id(self) -> str:
        return group_id(self.receiver, self.group_key)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> GroupState:
        data = dict(d)
        data["labels"] = dict(data["labels"])
        data["notified_firing"] = list(data["notified_firing"])
        return cls(**data)


def group_id(receiver: str, group_key: str) -> str:
    return f"{receiver}\x1f{group_key}"


def is_member(a: AlertRecord, group: GroupState) -> bool:
    """Firing alerts belong to their groups; resolved ones until the group has said so."""
    return a.notifiable or a.fingerprint in group.notified_firing


def flush(
    group: GroupState,
    members: Sequence[AlertRecord],
    *,
    suppressed: Mapping[str, object],
    opts: RouteOpts,
    muted: bool,
    now_ms: int,
) -> Notification | None:
    """One flush of ``group`` at ``now_ms``: the notification to send, if any. Updates the
    group's log and timer; the caller drops the group once it has no member left."""
    group.next_flush_ms = now_ms + opts.group_interval_ms
    notified = set(group.notified_firing)
    firing = [a for a in members if a.notifiable and a.fingerprint not in suppressed]
    resolved = [a for a in members if a.status == "resolved" and a.fingerprint in notified]
    new_firing = any(a.fingerprint not in notified for a in firing)
    repeat = (
        bool(firing)
        and group.last_notified_ms > 0
        and now_ms - group.last_notified_ms >= opts.repeat_interval_ms
        and any(not a.acked_by for a in firing)
    )
    if muted or not (new_firing or resolved or repeat):
        return None
    group.sequence += 1
    group.last_notified_ms = now_ms
    group.notified_firing = sorted(a.fingerprint for a in firing)
    listed = [*_sorted(firing), *_sorted(resolved)]
    alerts = tuple(_notified(a, notified) for a in listed)
    return Notification(
        receiver=group.receiver,
        group_key=group.group_key,
        route_key=group.route_key,
        status="firing" if firing else "resolved",
        group_labels=dict(group.labels),
        common_labels=common(a.labels for a in listed),
        common_annotations=common(a.annotations for a in listed),
        alerts=alerts,
        sequence=group.sequence,
        idempotency_key=idempotency_key(
            group.receiver,
            group.group_key,
            incident_ms=group.created_ms,
            sequence=group.sequence,
        ),
        at_ms=now_ms,
        incident_ms=group.created_ms,
    )


def _sorted(alerts: Sequence[AlertRecord]) -> list[AlertRecord]:
    return sorted(alerts, key=lambda a: (sorted(a.labels.items()), a.fingerprint))


def _notified(a: AlertRecord, before: set[str]) -> NotifiedAlert:
    return NotifiedAlert(
        fingerprint=a.fingerprint,
        status="firing" if a.notifiable else "resolved",
        labels=dict(a.labels),
        annotations=dict(a.annotations),
        starts_at_ms=a.starts_at_ms,
        ends_at_ms=0 if a.notifiable else a.ends_at_ms,
        acked_by=a.acked_by,
        flapping=a.status == "flapping",
        new=a.notifiable and a.fingerprint not in before,
    )
