"""The audit log: who did what to which cluster, and how it ended. Append-only.

Owns the entry as a value (:class:`AuditEntry`, and :func:`command_audit` for command events),
writing one on the caller's connection (:func:`write_audit`: a command's outcome commits in the
same transaction that stores it, whether the bus or an agent's journal commit wrote it), and
the repository that appends entries alone and lists them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.engine import driver
from master.store.engine.driver import Prepared
from master.store.repositories.conversions import clip
from master.store.repositories.rows import AuditRow
from master.store.schema.tables import audit_log
from master.store.writing.writer import Writer

_insert_audit = Prepared(insert(audit_log))


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One entry to append; written alone (``AuditRepo.append``) or inside another write's
    transaction (``write_audit``) when the audit must commit with the change it records."""

    at_ms: int
    actor: str
    action: str
    cluster: str = ""
    target: str = ""
    detail: dict[str, Any] | None = None
    outcome: str = "ok"


def write_audit(conn: Connection, entry: AuditEntry) -> int:
    """Insert ``entry`` on ``conn`` (the caller's transaction); returns its id."""
    done = driver.execute(
        conn,
        _insert_audit,
        {
            "at_ms": entry.at_ms,
            "actor": clip(entry.actor, 128),
            "action": clip(entry.action, 64),
            "cluster": clip(entry.cluster, 63),
            "target": clip(entry.target, 600),
            "detail_json": orjson.dumps(entry.detail or {}).decode(),
            "outcome": clip(entry.outcome, 32),
        },
    )
    if done.lastrowid is None:
        raise RuntimeError("the driver reported no id for the new audit entry")
    return int(done.lastrowid)


def command_audit(
    *,
    command_id: str,
    type_: str,
    params_json: bytes,
    dry_run: bool,
    cluster: str,
    target: str,
    actor: str,
    action: str,
    outcome: str,
    at_ms: int,
    reason: str = "",
) -> AuditEntry:
    """The audit entry of a command event: one shape for requests, cancels and outcomes,
    whether the bus writes it or the journal commit that stores an agent's verdict."""
    detail: dict[str, Any] = {
        "command_id": command_id,
        "type": type_,
        "params": orjson.loads(params_json or b"{}"),
        "dry_run": dry_run,
    }
    if reason:
        detail["reason"] = reason
    return AuditEntry(
        at_ms=at_ms,
        actor=actor,
        action=action,
        cluster=cluster,
        target=target,
        detail=detail,
        outcome=outcome,
    )


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
        return await self.write(
            AuditEntry(
                at_ms=at_ms,
                actor=actor,
                action=action,
                cluster=cluster,
                target=target,
                detail=detail,
                outcome=outcome,
            )
        )

    async def write(self, entry: AuditEntry) -> int:
        """Append ``entry`` in a transaction of its own (committed when this returns)."""

        def work(conn: Connection) -> int:
            return write_audit(conn, entry)

        return await self._writer.run(work)

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
