"""The durable end of the agent journal: high-water marks, journal commits, agent sessions.

``commit`` is what the master awaits before acking an agent: it resolves only after the
records and the new high-water mark are committed together, so an ack never runs ahead of
durability and a crash between the two cannot duplicate or lose a record. What a commit writes
is ``journal_commit``'s business (the unit of work and its batch); this module reads the marks
and the sessions and hands commits to the writer."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from master.store.repositories.conversions import clip
from master.store.repositories.journal_commit import JournalCommit
from master.store.repositories.rows import JournalState, SessionRow
from master.store.schema.tables import agent_sessions, journal_hwm
from master.store.writing.writer import Writer
from shared.clock import now_ms as wall_ms
from shared.domain.journal import JournalRecord


class JournalRepo:
    def __init__(self, engine: AsyncEngine, writer: Writer) -> None:
        self._engine = engine
        self._writer = writer

    async def high_water_mark(self, cluster: str) -> int:
        """The highest sequence number durably handled for ``cluster`` (0 if none): the resume
        point the master sends in its welcome."""
        return (await self.state(cluster)).hwm

    async def state(self, cluster: str) -> JournalState:
        """High-water mark and the number of records the agent reported lost in gaps."""
        async with self._engine.connect() as conn:
            r = (
                await conn.execute(
                    select(journal_hwm.c.hwm, journal_hwm.c.gaps_dropped).where(
                        journal_hwm.c.cluster == cluster
                    )
                )
            ).first()
        if r is None:
            return JournalState(cluster=cluster, hwm=0, gaps_dropped=0)
        return JournalState(cluster=cluster, hwm=int(r.hwm), gaps_dropped=int(r.gaps_dropped))

    async def commit(self, cluster: str, records: Sequence[JournalRecord], hwm: int) -> None:
        """Durably write the records' contents and ``hwm`` for ``cluster`` in one transaction.

        FindingBatch -> finding occurrences; NodeMetricsBatch -> raw node metrics; IngressBatch
        -> ingress samples; PodMetricsBatch -> raw container samples; CommandUpdate -> command
        state + transition (only for the cluster's own commands); Gap -> ``gaps_dropped`` grows.
        Records with ``seq`` at or below the stored mark are skipped, so a replay after a lost
        ack is harmless. The stored mark becomes ``max(stored, hwm)``: pass the highest
        contiguous sequence number these records reach.

        Shares a transaction with other callers' commits (group commit); returns once it has
        committed. Raises StoreBusy (queue full or commit slower than the timeout), StoreClosed,
        or StoreError (the database failed): the caller must not ack then."""
        await self._writer.submit(
            JournalCommit(cluster=cluster, records=tuple(records), hwm=hwm, now_ms=wall_ms())
        )

    async def session_opened(
        self,
        cluster: str,
        *,
        session_id: str,
        instance_id: str,
        agent_version: str,
        now_ms: int,
    ) -> None:
        """Record that an agent stream was accepted."""
        row = {
            "session_id": clip(session_id, 64),
            "cluster": cluster,
            "instance_id": clip(instance_id, 64),
            "agent_version": clip(agent_version, 64),
            "connected_ms": now_ms,
            "disconnected_ms": None,
        }

        def work(conn: Connection) -> None:
            conn.execute(insert(agent_sessions).values(row))

        await self._writer.run(work)

    async def session_closed(self, session_id: str, now_ms: int) -> None:
        """Record the end of an agent stream (a no-op for an unknown or already closed one)."""

        def work(conn: Connection) -> None:
            conn.execute(
                update(agent_sessions)
                .where(
                    agent_sessions.c.session_id == clip(session_id, 64),
                    agent_sessions.c.disconnected_ms.is_(None),
                )
                .values(disconnected_ms=now_ms)
            )

        await self._writer.run(work)

    async def sessions(self, cluster: str, *, limit: int = 50) -> list[SessionRow]:
        """The cluster's most recent agent sessions, newest first."""
        t = agent_sessions
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(t)
                .where(t.c.cluster == cluster)
                .order_by(t.c.connected_ms.desc())
                .limit(limit)
            )
            return [
                SessionRow(
                    session_id=r.session_id,
                    cluster=r.cluster,
                    instance_id=r.instance_id,
                    agent_version=r.agent_version,
                    connected_ms=r.connected_ms,
                    disconnected_ms=r.disconnected_ms,
                )
                for r in rows
            ]
