"""Past alerts: one row per ended alert episode, written inside the alert step's transaction
(``insert_history``), read newest first with keyset pagination (``AlertHistoryRepo.page``).

Stores what the alert service hands it; which records count as an ended episode is decided in
``master.alerting`` (the store never imports the alert core). Permission scoping is the
caller's: ``page`` takes a ``visible`` predicate over labels and keeps reading until a page is
full, so a caller who may see few rows still gets whole pages, not short or empty ones."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, and_, insert, select, tuple_
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.repositories.conversions import clip
from master.store.repositories.history import decode_cursor, encode_cursor
from master.store.schema.tables import alert_history

SCAN_PAGES = 20  # reads of one page size per request at most, however few rows are visible


@dataclass(frozen=True, slots=True)
class AlertHistoryInsert:
    fingerprint: str
    labels: Mapping[str, str]
    annotations: Mapping[str, str]
    rule: str
    starts_at_ms: int
    ends_at_ms: int
    acked_by: str = ""


@dataclass(frozen=True, slots=True)
class PastAlert:
    id: int
    fingerprint: str
    labels: dict[str, str]
    annotations: dict[str, str]
    rule: str
    starts_at_ms: int
    ends_at_ms: int
    acked_by: str
    recorded_ms: int


@dataclass(frozen=True, slots=True)
class PastAlertsPage:
    items: list[PastAlert]
    next_cursor: str | None


def insert_history(conn: Connection, rows: Sequence[AlertHistoryInsert], *, now_ms: int) -> None:
    """Inside the caller's transaction. An episode already recorded is skipped."""
    t = alert_history
    wanted = {(r.fingerprint, r.starts_at_ms): r for r in rows}
    if not wanted:
        return
    query = select(t.c.fingerprint, t.c.starts_at_ms).where(
        tuple_(t.c.fingerprint, t.c.starts_at_ms).in_(list(wanted))
    )
    have = {(fp, starts) for fp, starts in conn.execute(query)}
    fresh = [_values(r, now_ms) for key, r in wanted.items() if key not in have]
    if fresh:
        conn.execute(insert(t), fresh)


def _values(r: AlertHistoryInsert, now_ms: int) -> dict[str, Any]:
    labels = r.labels
    return {
        "fingerprint": r.fingerprint,
        "cluster": clip(labels.get("cluster", ""), 128),
        "namespace": clip(labels.get("namespace", ""), 253),
        "severity": clip(labels.get("severity", ""), 16),
        "alertname": clip(labels.get("alertname", ""), 200),
        "rule": clip(r.rule, 200),
        "labels_json": orjson.dumps(dict(labels)).decode(),
        "annotations_json": orjson.dumps(dict(r.annotations)).decode(),
        "starts_at_ms": r.starts_at_ms,
        "ends_at_ms": r.ends_at_ms,
        "acked_by": clip(r.acked_by, 128),
        "recorded_ms": now_ms,
    }


def _past(r: Any) -> PastAlert:
    return PastAlert(
        id=r.id,
        fingerprint=r.fingerprint,
        labels=orjson.loads(r.labels_json),
        annotations=orjson.loads(r.annotations_json),
        rule=r.rule,
        starts_at_ms=r.starts_at_ms,
        ends_at_ms=r.ends_at_ms,
        acked_by=r.acked_by,
        recorded_ms=r.recorded_ms,
    )


class AlertHistoryRepo:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def page(
        self,
        *,
        from_ms: int,
        to_ms: int,
        visible: Callable[[Mapping[str, str]], bool],
        cluster: str | None = None,
        namespace: str | None = None,
        severity: str | None = None,
        limit: int = 100,
        cursor: str | None = None,
    ) -> PastAlertsPage:
        """Episodes that overlap ``[from_ms, to_ms)``, the one recorded last first, keeping
        those ``visible`` says the caller may see. Raises ValueError for a foreign cursor."""
        t = alert_history
        conds: list[ColumnElement[bool]] = [t.c.starts_at_ms < to_ms, t.c.ends_at_ms >= from_ms]
        for column, value in ((t.c.cluster, cluster), (t.c.namespace, namespace)):
            if value is not None:
                conds.append(column == value)
        if severity is not None:
            conds.append(t.c.severity == severity)
        after = decode_cursor(cursor) if cursor else None
        items: list[PastAlert] = []
        async with self._engine.connect() as conn:
            for _ in range(SCAN_PAGES):
                where = and_(*conds, *([t.c.id < after] if after is not None else []))
                query = select(t).where(where).order_by(t.c.id.desc()).limit(limit)
                rows = [_past(r) for r in await conn.execute(query)]
                for row in rows:
                    after = row.id
                    if visible(row.labels):
                        items.append(row)
                        if len(items) == limit:
                            return PastAlertsPage(items, encode_cursor(row.id))
                if len(rows) < limit:
                    return PastAlertsPage(items, None)
        # Scanned SCAN_PAGES pages without filling one: hand back where the scan stopped.
        return PastAlertsPage(items, encode_cursor(after) if after is not None else None)
