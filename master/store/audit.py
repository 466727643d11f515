"""The audit log: who did what to which cluster, and how it ended. Append-only."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.auditing import AuditEntry, write_audit
from master.store.rows import AuditRow
from master.store.schema import audit_log
from master.store.writer import Writer


class AuditRepo:
    def __init__(self, engine: AsyncEngine, writer: Writer) -> None:
        self._engine = engine
        self._writer = writer

    async def append(
        self,
        *,
        at_ms: int,
        actor: str,
        action: str,
        cluster: str = "",
        target: str = "",
        detail: dict[str, Any] | None = None,
        outcome: str = "ok",
    ) -> int:
        """Append one entry (committed when this returns); returns its id."""
        return await self.write(AuditEntry(at_ms, actor, action, cluster, target, detail, outcome))

    async def write(self, entry: AuditEntry) -> int:
        """Append ``entry`` in a transaction of its own (committed when this returns)."""

        def work(conn: Connection) -> int:
            return write_audit(conn, entry)

        return await self._writer.submit(work)

    async def list(
        self,
        *,
        cluster: str | None = None,
        actor: str | None = None,
        since_ms: int | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[AuditRow]:
        """Entries newest first; page with ``before_id`` = the last id seen."""
        t = audit_log
        q = select(t).order_by(t.c.id.desc()).limit(limit)
        if cluster is not None:
            q = q.where(t.c.cluster == cluster)
        if actor is not None:
            q = q.where(t.c.actor == actor)
        if since_ms is not None:
            q = q.where(t.c.at_ms >= since_ms)
        if before_id is not None:
            q = q.where(t.c.id < before_id)
        async with self._engine.connect() as conn:
            return [
                AuditRow(
                    id=r.id,
                    at_ms=r.at_ms,
                    actor=r.actor,
                    action=r.action,
                    cluster=r.cluster,
                    target=r.target,
                    detail_json=r.detail_json.encode(),
                    outcome=r.outcome,
                )
                for r in await conn.execute(q)
            ]
