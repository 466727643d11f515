"""Which changed alert records end an episode worth keeping in the alert history.

An episode is kept once it has fired and resolved: a pending alert that cleared before its
``for`` never notified anyone and is not history. The store skips an episode it already has, so
a resolved record saved again (acknowledged, collected) adds nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from master.alerts.state import AlertRecord
from master.store.repositories.alert_history import AlertHistoryInsert


def ended_episodes(changed: Mapping[str, dict[str, Any]]) -> list[AlertHistoryInsert]:
    out = []
    for body in changed.values():
        rec = AlertRecord.from_dict(body)
        if rec.status != "resolved" or not rec.ever_fired or rec.starts_at_ms <= 0:
            continue
        out.append(
            AlertHistoryInsert(
                fingerprint=rec.fingerprint,
                labels=rec.labels,
                annotations=rec.annotations,
                rule=rec.rule,
                starts_at_ms=rec.starts_at_ms,
                ends_at_ms=max(rec.ends_at_ms, rec.starts_at_ms),
                acked_by=rec.acked_by,
            )
        )
    return out
