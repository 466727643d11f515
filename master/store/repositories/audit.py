"""The audit log: who did what to which cluster, and how it ended. Append-only.

Owns the entry as a value (:class:`AuditEntry`, and :func:`command_audit` for command events),
writing one on the caller's connection (:func:`write_audit`: a command's outcome commits in the
same transaction that stores it, whether the bus or an agent's journal commit wrote it), and
the repository that appends entries alone, lists them and reads them back for verification and
export. Every entry is chained to the one before it (``master.audit.chain``; the head row that
serialises writers: ``audit_chain``). There is deliberately no update or delete here: only
retention removes entries, from the front (``audit_chain.purge_front``)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import ColumnElement, Connection, Row, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from master.audit import context as audit_context
from master.audit.chain import Content, Finding, Head, Verifier, entry_hash
from master.store.engine import driver
from master.store.engine.driver import Prepared
from master.store.repositories import audit_chain
from master.store.repositories.conversions import clip
from master.store.repositories.rows import AuditRow
from master.store.schema.tables import audit_log
from master.store.writing.writer import Writer

_insert_audit = Prepared(insert(audit_log))
PAGE = 1_000  # entries per read when scanning the whole log


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
    # The request's trace id, source, user agent, route and principal (``master.audit.context``),
    # taken when the entry is made; empty outside a request (the CLI, an agent's journal). Kept
    # in the detail, so the chained content's format is unchanged; ``detail`` wins on a clash.
    context: dict[str, Any] = field(default_factory=audit_context.snapshot)


def _detail(entry: AuditEntry) -> dict[str, Any]:
    return {**entry.context, **(entry.detail or {})}


def write_audit(conn: Connection, entry: AuditEntry) -> int:
    """Insert ``entry`` on ``conn`` (the caller's transaction), chained to the newest entry;
    returns its id. Locks the chain's head until that transaction ends (``audit_chain``)."""
    head = audit_chain.lock_head(conn)
    # Ids are chosen here, under the lock, not by auto-increment: InnoDB loses auto-increment
    # values when a transaction rolls back, and a gap-free log makes a deleted entry obvious.
    content = Content(
        id=audit_chain.next_id(conn, head),
        at_ms=entry.at_ms,
        actor=clip(entry.actor, 128),
        action=clip(entry.action, 64),
        cluster=clip(entry.cluster, 63),
        target=clip(entry.target, 600),
        detail_json=orjson.dumps(_detail(entry)).decode(),
        outcome=clip(entry.outcome, 32),
    )
    digest = entry_hash(head.last_hash, content)
    driver.execute(
        conn,
        _insert_audit,
        {
            "id": content.id,
            "at_ms": content.at_ms,
            "actor": content.actor,
            "action": content.action,
            "cluster": content.cluster,
            "target": content.target,
            "detail_json": content.detail_json,
            "outcome": content.outcome,
            "prev_hash": head.last_hash,
            "entry_hash": digest,
        },
    )
    audit_chain.advance_head(conn, last_id=content.id, last_hash=digest)
    return content.id


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

    async def scan(
        self,
        *,
        cluster: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        page: int = PAGE,
    ) -> AsyncIterator[list[AuditRow]]:
        """Every matching entry oldest first, ``page`` at a time, each page its own short read
        (an export over a slow client holds no transaction open)."""
        where = _filters(
            cluster=cluster, actor=actor, action=action, since_ms=since_ms, until_ms=until_ms
        )
        after = 0
        while True:
            q = (
                select(audit_log)
                .where(audit_log.c.id > after, *where)
                .order_by(audit_log.c.id)
                .limit(page)
            )
            async with self._engine.connect() as conn:
                rows = [_row(r) for r in await conn.execute(q)]
            if not rows:
                return
            yield rows
            after = rows[-1].id

    async def verify(self, *, page: int = PAGE) -> tuple[int, Finding | None]:
        """Check the whole chain against its head: (entries read, the first bad one or None).

        One read transaction, so head and entries are one snapshot (SQLite WAL, InnoDB
        REPEATABLE READ) and writes meanwhile are neither missed nor mistaken for inserts."""
        async with self._engine.connect() as conn, conn.begin():
            head = await conn.run_sync(audit_chain.read_head)
            verifier = Verifier(head or Head())
            after = 0
            while verifier.finding is None:
                q = (
                    select(audit_log)
                    .where(audit_log.c.id > after)
                    .order_by(audit_log.c.id)
                    .limit(page)
                )
                rows = [_row(r) for r in await conn.execute(q)]
                if not rows:
                    break
                for row in rows:
                    if verifier.feed(row) is not None:
                        break
                after = rows[-1].id
            if head is None and verifier.count and verifier.finding is None:
                # Only a hand-emptied head table lacks the row (writes rebuild it).
                return verifier.count, Finding(0, "missing", "the audit head row is gone")
            return verifier.count, verifier.finish()

    async def list(
        self,
        *,
        cluster: str | None = None,
        actor: str | None = None,
        action: str | None = None,
        since_ms: int | None = None,
        until_ms: int | None = None,
        before_id: int | None = None,
        limit: int = 100,
    ) -> list[AuditRow]:
        """Entries newest first; page with ``before_id`` = the last id seen. ``since_ms`` is
        inclusive, ``until_ms`` exclusive."""
        where = _filters(
            cluster=cluster, actor=actor, action=action, since_ms=since_ms, until_ms=until_ms
        )
        if before_id is not None:
            where.append(audit_log.c.id < before_id)
        q = select(audit_log).where(*where).order_by(audit_log.c.id.desc()).limit(limit)
        async with self._engine.connect() as conn:
            return [_row(r) for r in await conn.execute(q)]


def _filters(
    *,
    cluster: str | None,
    actor: str | None,
    action: str | None,
    since_ms: int | None,
    until_ms: int | None,
) -> list[ColumnElement[bool]]:
    t = audit_log.c
    where: list[ColumnElement[bool]] = []
    if cluster is not None:
        where.append(t.cluster == cluster)
    if actor is not None:
        where.append(t.actor == actor)
    if action is not None:
        where.append(t.action == action)
    if since_ms is not None:
        where.append(t.at_ms >= since_ms)
    if until_ms is not None:
        where.append(t.at_ms < until_ms)
    return where


def _row(r: Row[Any]) -> AuditRow:
    return AuditRow(
        id=r.id,
        at_ms=r.at_ms,
        actor=r.actor,
        action=r.action,
        cluster=r.cluster,
        target=r.target,
        detail_json=r.detail_json.encode(),
        outcome=r.outcome,
        prev_hash=r.prev_hash,
        entry_hash=r.entry_hash,
    )
