"""The numbered schema migrations, listed in one table.

Adding a table or column = one new module ``mNNNN_<what>.py`` with ``async def upgrade(conn)``
(its own frozen table definitions, ``checkfirst`` where possible so a half-applied step can run
again) + one row in :data:`MIGRATIONS` + the matching change in ``master.store.schema.tables``.
Never edit or renumber a released step. Alerts, silences and SLO tables arrive this way."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from master.store.schema.migrations import (
    m0001_initial,
    m0002_received_ms,
    m0003_people,
    m0004_audit_chain,
    m0005_alerts,
    m0006_alert_history,
    m0007_slo_counts,
    m0008_pod_metrics,
    m0009_remediations,
)


@dataclass(frozen=True, slots=True)
class Migration:
    description: str
    upgrade: Callable[[AsyncConnection], Awaitable[None]]


MIGRATIONS: dict[int, Migration] = {
    1: Migration("initial schema", m0001_initial.upgrade),
    2: Migration("received_ms on journal-fed history", m0002_received_ms.upgrade),
    3: Migration("role bindings, API tokens, refresh sessions", m0003_people.upgrade),
    4: Migration("hash-chained audit log", m0004_audit_chain.upgrade),
    5: Migration("alert state, silences, notification outbox and log", m0005_alerts.upgrade),
    6: Migration("alert history: one row per ended alert episode", m0006_alert_history.upgrade),
    7: Migration("SLO counts per minute, hour and day; SLO state", m0007_slo_counts.upgrade),
    8: Migration(
        "pod metrics: raw container samples and 5-minute roll-ups", m0008_pod_metrics.upgrade
    ),
    9: Migration("remediations and their approval policy", m0009_remediations.upgrade),
}

LATEST_VERSION = max(MIGRATIONS)
