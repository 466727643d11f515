"""The alert engine's persisted state: alert records, aggregation groups, the noise counters
and silences, and the one transaction that saves an engine step together with the outbox rows
it caused.

Stores JSON the alert service hands it and nothing it interprets: what an alert record or a
group *is* stays in ``master.alerts`` (the store sits below it and never imports it). Writes go
through the store's Writer, so ``save`` commits everything it is given or nothing."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Connection, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.repositories.alert_history import AlertHistoryInsert, insert_history
from master.store.repositories.notifications import (
    OutboxInsert,
    OutboxLease,
    OutboxWritten,
    insert_outbox,
)
from master.store.schema.tables import alert_silences, alert_state
from master.store.writing.writer import Writer

ALERT, GROUP, META = "alert", "group", "meta"
NOISE_KEY = "noise"
CHUNK = 500  # keys per IN list: well under every backend's bound-parameter limit


@dataclass(frozen=True, slots=True)
class AlertStateRows:
    """Everything saved, as the alert service handed it in."""

    alerts: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    silences: list[dict[str, Any]]
    noise: dict[str, Any] | None


@dataclass(slots=True)
class AlertStep:
    """One engine step to save: rows to upsert (key → JSON-able body), keys to delete, the
    noise counters (None: unchanged), silences to upsert, and the notifications it decided."""

    alerts: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    deleted_alerts: Iterable[str] = ()
    groups: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    deleted_groups: Iterable[str] = ()
    noise: dict[str, Any] | None = None
    silences: Sequence[dict[str, Any]] = ()
    outbox: Sequence[OutboxInsert] = ()
    history: Sequence[AlertHistoryInsert] = ()  # alert episodes this step ended

    @property
    def empty(self) -> bool:
        return not (
            self.alerts
            or list(self.deleted_alerts)
            or self.groups
            or list(self.deleted_groups)
            or self.noise is not None
            or self.silences
            or self.outbox
            or self.history
        )


def _chunks(keys: Sequence[str]) -> Iterable[Sequence[str]]:
    for i in range(0, len(keys), CHUNK):
        yield keys[i : i + CHUNK]


def _put(conn: Connection, kind: str, rows: Mapping[str, dict[str, Any]], now_ms: int) -> None:
    """Upsert as delete + insert: portable across SQLite and MariaDB, and inside the caller's
    transaction, so no reader sees the gap."""
    t = alert_state
    keys = sorted(rows)
    for part in _chunks(keys):
        conn.execute(delete(t).where(t.c.kind == kind, t.c.key.in_(part)))
    if keys:
        conn.execute(
            insert(t),
            [
                {
                    "kind": kind,
                    "key": k,
                    "body_json": orjson.dumps(rows[k]).decode(),
                    "updated_ms": now_ms,
                }
                for k in keys
            ],
        )


def _drop(conn: Connection, kind: str, keys: Iterable[str]) -> None:
    t = alert_state
    for part in _chunks(sorted(keys)):
        conn.execute(delete(t).where(t.c.kind == kind, t.c.key.in_(part)))


def _silence_row(s: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": str(s["id"]),
        "matchers_json": orjson.dumps(list(s["matchers"])).decode(),
        "starts_at_ms": int(s["starts_at_ms"]),
        "ends_at_ms": int(s["ends_at_ms"]),
        "created_by": str(s["created_by"])[:128],
        "comment": str(s["comment"]),
        "created_at_ms": int(s.get("created_at_ms", 0)),
    }


class AlertStateRepo:
    def __init__(self, engine: AsyncEngine, writer: Writer) -> None:
        self._engine = engine
        self._writer = writer

    async def load(self) -> AlertStateRows:
        t, s = alert_state, alert_silences
        alerts: list[dict[str, Any]] = []
        groups: list[dict[str, Any]] = []
        noise: dict[str, Any] | None = None
        async with self._engine.connect() as conn:
            for r in await conn.execute(select(t).order_by(t.c.kind, t.c.key)):
                body = orjson.loads(r.body_json)
                if r.kind == ALERT:
                    alerts.append(body)
                elif r.kind == GROUP:
                    groups.append(body)
                elif r.kind == META and r.key == NOISE_KEY:
                    noise = body
            silences = [
                {
                    "id": r.id,
                    "matchers": orjson.loads(r.matchers_json),
                    "starts_at_ms": r.starts_at_ms,
                    "ends_at_ms": r.ends_at_ms,
                    "created_by": r.created_by,
                    "comment": r.comment,
                    "created_at_ms": r.created_at_ms,
                }
                for r in await conn.execute(select(s).order_by(s.c.created_at_ms, s.c.id))
            ]
        return AlertStateRows(alerts, groups, silences, noise)

    async def save(self, step: AlertStep, *, now_ms: int) -> list[int]:
        """Commit one engine step in one transaction; returns the ids of the outbox rows
        written (a notification whose idempotency key is already there is not written again)."""
        return (await self.save_leasing(step, now_ms=now_ms)).ids

    async def save_leasing(
        self, step: AlertStep, *, now_ms: int, lease: OutboxLease | None = None
    ) -> OutboxWritten:
        """``save``, with outbox rows written leased as ``insert_outbox`` says."""

        def work(conn: Connection) -> OutboxWritten:
            _put(conn, ALERT, step.alerts, now_ms)
            _drop(conn, ALERT, step.deleted_alerts)
            _put(conn, GROUP, step.groups, now_ms)
            _drop(conn, GROUP, step.deleted_groups)
            if step.noise is not None:
                _put(conn, META, {NOISE_KEY: step.noise}, now_ms)
            rows = [_silence_row(s) for s in step.silences]
            for part in _chunks([r["id"] for r in rows]):
                conn.execute(delete(alert_silences).where(alert_silences.c.id.in_(part)))
            if rows:
                conn.execute(insert(alert_silences), rows)
            insert_history(conn, step.history, now_ms=now_ms)
            return insert_outbox(conn, step.outbox, now_ms=now_ms, lease=lease)

        return await self._writer.run(work)
