"""Remediations and their approval policy: stored as the remediation service hands them in.

What a state *means* and which moves are allowed stays in ``master.remediation`` (the store
sits below it and never imports it); this module owns the one write that makes the life cycle
safe: :meth:`RemediationRepo.move`, a compare-and-set on the state, committed together with
the audit entry that records it. Two approvers racing to run one approval, or a timer and an
operator racing to expire and approve, find exactly one winner."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

import orjson
from sqlalchemy import Connection, Row, and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.repositories.audit import AuditEntry, write_audit
from master.store.schema.tables import remediation_policy, remediations
from master.store.writing.writer import Writer

POLICY_ID = "policy"


@dataclass(frozen=True, slots=True)
class RemediationRow:
    id: str
    cluster: str
    namespace: str
    target_kind: str
    target_name: str
    fingerprint: str
    reason: str
    state: str
    auto: bool
    suggestion_json: str
    created_ms: int
    updated_ms: int
    requested_by: str = ""
    approvals_json: str = "[]"
    preview_command_id: str = ""
    run_command_id: str = ""
    preview_json: str = ""
    outcome: str = ""
    message: str = ""
    history_json: str = "[]"
    expires_ms: int = 0
    ran_ms: int = 0
    succeeded_ms: int = 0

    @property
    def history(self) -> list[dict[str, Any]]:
        loaded: list[dict[str, Any]] = orjson.loads(self.history_json)
        return loaded


_COLUMNS = tuple(f.name for f in fields(RemediationRow))


def _row(r: Row[Any]) -> RemediationRow:
    m = r._mapping
    return RemediationRow(**{c: m[c] for c in _COLUMNS})


def _values(row: RemediationRow) -> dict[str, Any]:
    return {c: getattr(row, c) for c in _COLUMNS}


@dataclass(frozen=True, slots=True)
class PolicyRow:
    body_json: str
    updated_ms: int
    updated_by: str


class RemediationRepo:
    def __init__(self, engine: AsyncEngine, writer: Writer) -> None:
        self._engine = engine
        self._writer = writer

    async def insert(
        self, row: RemediationRow, *, open_states: Collection[str], audit: AuditEntry
    ) -> RemediationRow | None:
        """Store a new remediation unless one in ``open_states`` exists for the same reason on
        the same target (checked in the same transaction): three crash-looping pods of one
        Deployment are one rollback to approve, not three. Returns the stored row or None."""

        def work(conn: Connection) -> RemediationRow | None:
            t = remediations
            existing = select(t.c.id).where(
                t.c.cluster == row.cluster,
                t.c.target_kind == row.target_kind,
                t.c.namespace == row.namespace,
                t.c.target_name == row.target_name,
                t.c.reason == row.reason,
                t.c.state.in_(list(open_states)),
            )
            if conn.execute(existing).first() is not None:
                return None
            conn.execute(insert(t).values(**_values(row)))
            write_audit(conn, audit)
            return row

        return await self._writer.run(work)

    async def move(
        self,
        rid: str,
        *,
        expect: Collection[str],
        changes: Mapping[str, Any],
        note: Mapping[str, Any],
        audit: AuditEntry | None,
    ) -> RemediationRow | None:
        """Apply ``changes`` (columns; ``state`` among them or not) if the remediation is in one
        of the ``expect`` states, appending ``note`` to its history; the audit entry commits
        with it. Returns the new row, or None when the state had moved on (nothing changed)."""

        def work(conn: Connection) -> RemediationRow | None:
            t = remediations
            found = conn.execute(select(t).where(t.c.id == rid)).first()
            if found is None:
                return None
            current = _row(found)
            if current.state not in expect:
                return None
            history = [*current.history, dict(note)]
            new = replace(current, **changes, history_json=orjson.dumps(history).decode())
            done = conn.execute(
                update(t)
                .where(and_(t.c.id == rid, t.c.state == current.state))
                .values(**{k: v for k, v in _values(new).items() if k != "id"})
            )
            if done.rowcount != 1:
                return None  # another writer moved it between our read and update
            if audit is not None:
                write_audit(conn, audit)
            return new

        return await self._writer.run(work)

    async def get(self, rid: str) -> RemediationRow | None:
        async with self._engine.connect() as conn:
            r = (await conn.execute(select(remediations).where(remediations.c.id == rid))).first()
        return None if r is None else _row(r)

    async def page(
        self,
        *,
        cluster: str | None = None,
        states: Collection[str] | None = None,
        before_ms: int | None = None,
        limit: int = 100,
    ) -> list[RemediationRow]:
        """Newest first."""
        t = remediations
        q = select(t).order_by(t.c.created_ms.desc(), t.c.id.desc()).limit(limit)
        if cluster is not None:
            q = q.where(t.c.cluster == cluster)
        if states is not None:
            q = q.where(t.c.state.in_(list(states)))
        if before_ms is not None:
            q = q.where(t.c.created_ms < before_ms)
        async with self._engine.connect() as conn:
            return [_row(r) for r in await conn.execute(q)]

    async def in_states(
        self, states: Collection[str], *, limit: int = 1000
    ) -> list[RemediationRow]:
        """Oldest change first: what the service's timer looks at (expiry, runs, watches)."""
        t = remediations
        q = select(t).where(t.c.state.in_(list(states))).order_by(t.c.updated_ms).limit(limit)
        async with self._engine.connect() as conn:
            return [_row(r) for r in await conn.execute(q)]

    async def auto_runs(self, cluster: str, *, since_ms: int) -> list[tuple[int, str]]:
        """(ran_ms, outcome) of the cluster's automatic remediations that ran since."""
        t = remediations
        q = select(t.c.ran_ms, t.c.outcome).where(
            t.c.cluster == cluster, t.c.auto.is_(True), t.c.ran_ms >= since_ms, t.c.ran_ms > 0
        )
        async with self._engine.connect() as conn:
            return [(int(r.ran_ms), str(r.outcome)) for r in await conn.execute(q)]

    async def policy(self) -> PolicyRow | None:
        t = remediation_policy
        async with self._engine.connect() as conn:
            r = (await conn.execute(select(t).where(t.c.id == POLICY_ID))).first()
        return None if r is None else PolicyRow(r.body_json, r.updated_ms, r.updated_by)

    async def put_policy(
        self, body_json: str, *, by: str, now_ms: int, audit: AuditEntry
    ) -> PolicyRow:
        def work(conn: Connection) -> PolicyRow:
            t = remediation_policy
            conn.execute(delete(t).where(t.c.id == POLICY_ID))
            conn.execute(
                insert(t).values(
                    id=POLICY_ID, body_json=body_json, updated_ms=now_ms, updated_by=by
                )
            )
            write_audit(conn, audit)
            return PolicyRow(body_json, now_ms, by)

        return await self._writer.run(work)
