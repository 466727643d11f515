"""What one alert step writes: the engine's changes and decisions -> the store's ``AlertStep``
(alert and group rows, silences touched, outbox rows, ended episodes, noise counters), and the
saved rows -> the engine's snapshot for a restore. Pure: no store, no clock."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from master.alerting.history import ended_episodes
from master.alerting.payloads import outbox_inserts
from master.alerting.receivers import ReceiverSet
from master.alerts.engine import SNAPSHOT_VERSION, AlertEngine, Changes, Due
from master.alerts.silences import Silence
from master.store.repositories.alert_state import AlertStep


def group_key(group_id: str) -> str:
    # Group ids (receiver + group key) can outgrow an indexable key column; the row body
    # holds the group itself, so a digest is enough as its key.
    return hashlib.sha256(group_id.encode()).hexdigest()


def snapshot(rows: Any) -> dict[str, Any]:
    return {
        "version": SNAPSHOT_VERSION,
        "alerts": rows.alerts,
        "groups": rows.groups,
        "silences": rows.silences,
        "noise": rows.noise or {},
    }


def step_of(
    engine: AlertEngine,
    due: Due,
    changes: Changes,
    touched: Sequence[Silence],
    receivers: ReceiverSet,
    external_url: str,
) -> AlertStep:
    step = AlertStep(
        alerts=changes.alerts,
        deleted_alerts=changes.deleted_alerts,
        groups={group_key(g): body for g, body in changes.groups.items()},
        deleted_groups={group_key(g) for g in changes.deleted_groups},
        silences=[s.to_dict() for s in touched],
        outbox=outbox_inserts(due.notifications, receivers=receivers, external_url=external_url),
        history=ended_episodes(changes.alerts),
    )
    if not step.empty:
        step.noise = engine.noise.to_dict()
    return step
