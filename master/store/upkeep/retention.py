"""Retention: which table is purged by which time column after how many days, and the
chunked DELETE that does it.

Each chunk deletes at most ``purge_chunk_rows`` rows in one short writer job, so a purge of
millions of rows is thousands of small transactions interleaved with journal commits rather
than one long one that would hold SQLite's write lock (and the agents' acks) for seconds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    ColumnClause,
    Connection,
    Delete,
    Table,
    delete,
    literal_column,
    select,
)

from master.store.engine.opening import Backend
from master.store.schema.tables import (
    agent_sessions,
    audit_log,
    command_transitions,
    commands,
    findings_history,
    ingress_samples,
    node_metrics_1h,
    node_metrics_5m,
    node_metrics_raw,
)
from master.store.settings import StoreSettings
from master.store.writing.writer import Writer


@dataclass(frozen=True, slots=True)
class Purge:
    table: Table
    column: Column[int]  # rows with column < now - days are removed; must be indexed
    days: Callable[[StoreSettings], float]


PURGES: dict[str, Purge] = {
    # Closed occurrences have last_seen == resolved, so an occurrence goes 30 days after it
    # ended; an open one that has not been seen for 30 days goes too (its agent went quiet).
    "findings_history": Purge(
        findings_history, findings_history.c.last_seen_ms, lambda s: s.findings_days
    ),
    "node_metrics_raw": Purge(
        node_metrics_raw, node_metrics_raw.c.at_ms, lambda s: s.node_metrics_raw_days
    ),
    "node_metrics_5m": Purge(
        node_metrics_5m, node_metrics_5m.c.bucket_ms, lambda s: s.node_metrics_5m_days
    ),
    "node_metrics_1h": Purge(
        node_metrics_1h, node_metrics_1h.c.bucket_ms, lambda s: s.node_metrics_1h_days
    ),
    "ingress_samples": Purge(
        ingress_samples, ingress_samples.c.window_end_ms, lambda s: s.ingress_days
    ),
    "commands": Purge(commands, commands.c.created_ms, lambda s: s.commands_days),
    "command_transitions": Purge(
        command_transitions, command_transitions.c.at_ms, lambda s: s.commands_days
    ),
    "agent_sessions": Purge(
        agent_sessions, agent_sessions.c.connected_ms, lambda s: s.commands_days
    ),
    "audit_log": Purge(audit_log, audit_log.c.at_ms, lambda s: s.audit_days),
}


def cutoff_ms(purge: Purge, settings: StoreSettings, now_ms: int) -> int:
    return now_ms - settings.retention_ms(purge.days(settings))


def chunk_statement(purge: Purge, *, backend: Backend, cutoff: int, limit: int) -> Delete:
    """DELETE at most ``limit`` rows older than ``cutoff``: MySQL has ``DELETE ... LIMIT``;
    SQLite (built without that option) gets the same through a rowid sub-select."""
    t, col = purge.table, purge.column
    if backend == "mysql":
        return delete(t).where(col < cutoff).with_dialect_options(mysql_limit=limit)
    rowid: ColumnClause[Any] = literal_column("rowid")
    return delete(t).where(rowid.in_(select(rowid).select_from(t).where(col < cutoff).limit(limit)))


async def purge_chunk(
    writer: Writer, purge: Purge, *, backend: Backend, cutoff: int, limit: int
) -> int:
    """Delete one chunk through the writer; returns the number of rows removed."""
    stmt = chunk_statement(purge, backend=backend, cutoff=cutoff, limit=limit)

    def work(conn: Connection) -> int:
        return int(conn.execute(stmt).rowcount)

    return await writer.run(work)
