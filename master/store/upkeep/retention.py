"""Retention: which table is purged by which time column after how many days, and the
chunked DELETE that does it; and which row bodies are blanked sooner than their rows go
(``BLANKS``: the results of read commands — container logs, object dumps — are kept for
``read_results_days``, the command row and the audit log for ``commands_days``).

Each chunk deletes (or blanks) at most ``purge_chunk_rows`` rows in one short writer job, so a
purge of millions of rows is thousands of small transactions interleaved with journal commits
rather than one long one that would hold SQLite's write lock (and the agents' acks) for seconds.
The audit log is the exception to "older than the window": its hash chain loses entries only
from the front (``repositories.audit_chain.purge_front``). Does not own when a pass runs
(``maintenance``)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    ColumnClause,
    ColumnElement,
    Connection,
    Delete,
    Table,
    Update,
    and_,
    delete,
    literal_column,
    select,
    update,
)

from master.store.engine.opening import Backend
from master.store.repositories.audit_chain import purge_front
from master.store.schema.tables import (
    agent_sessions,
    alert_history,
    audit_log,
    command_transitions,
    commands,
    findings_history,
    ingress_samples,
    node_metrics_1h,
    node_metrics_5m,
    node_metrics_raw,
    notification_log,
    notification_outbox,
    pod_metrics_5m,
    pod_metrics_raw,
    remediations,
    slo_counts,
)
from master.store.settings import StoreSettings
from master.store.writing.writer import Writer
from shared.commands.catalogue import CATALOGUE

# (conn, cutoff, limit) -> rows deleted: a table whose rows may only go in an order of its own
ChunkDelete = Callable[[Connection, int, int], int]


@dataclass(frozen=True, slots=True)
class Purge:
    table: Table
    column: Column[int]  # rows with column < now - days are removed; must be indexed
    days: Callable[[StoreSettings], float]
    own_delete: ChunkDelete | None = None  # instead of ``chunk_statement``
    where: ColumnElement[bool] | None = None  # only rows that also match this may go


PURGES: dict[str, Purge] = {
    # Journal-fed rows go by ``received_ms``, the master's clock when it committed (or last
    # updated) the row, never by the agent's own times: an agent whose clock is days ahead or
    # behind would otherwise keep its rows forever or lose them at once. An occurrence goes a
    # window after the master last heard of it (its end, or its agent going quiet).
    "findings_history": Purge(
        findings_history, findings_history.c.received_ms, lambda s: s.findings_days
    ),
    "node_metrics_raw": Purge(
        node_metrics_raw, node_metrics_raw.c.received_ms, lambda s: s.node_metrics_raw_days
    ),
    "node_metrics_5m": Purge(
        node_metrics_5m, node_metrics_5m.c.bucket_ms, lambda s: s.node_metrics_5m_days
    ),
    "node_metrics_1h": Purge(
        node_metrics_1h, node_metrics_1h.c.bucket_ms, lambda s: s.node_metrics_1h_days
    ),
    "pod_metrics_raw": Purge(
        pod_metrics_raw, pod_metrics_raw.c.received_ms, lambda s: s.pod_metrics_raw_days
    ),
    "pod_metrics_5m": Purge(
        pod_metrics_5m, pod_metrics_5m.c.bucket_ms, lambda s: s.pod_metrics_5m_days
    ),
    "ingress_samples": Purge(
        ingress_samples, ingress_samples.c.received_ms, lambda s: s.ingress_days
    ),
    "commands": Purge(commands, commands.c.created_ms, lambda s: s.commands_days),
    "command_transitions": Purge(
        command_transitions, command_transitions.c.at_ms, lambda s: s.commands_days
    ),
    # Remediations are command history with their approvals: kept as long as the commands.
    "remediations": Purge(remediations, remediations.c.created_ms, lambda s: s.commands_days),
    "agent_sessions": Purge(
        agent_sessions, agent_sessions.c.connected_ms, lambda s: s.commands_days
    ),
    # Finished notifications only: a pending or leased row is undelivered work, never history,
    # however old (a receiver down for weeks still gets it, or it goes dead and then ages out).
    "notification_outbox": Purge(
        notification_outbox,
        notification_outbox.c.updated_ms,
        lambda s: s.notifications_days,
        where=notification_outbox.c.state.in_(("sent", "dead")),
    ),
    "notification_log": Purge(
        notification_log, notification_log.c.at_ms, lambda s: s.notifications_days
    ),
    "alert_history": Purge(
        alert_history, alert_history.c.ends_at_ms, lambda s: s.alert_history_days
    ),
    # SLO counts: one table, a window per resolution (minutes for the rolling windows, hours
    # for long series, days for reports); (resolution, start_ms) is indexed for this.
    "slo_counts_minute": Purge(
        slo_counts,
        slo_counts.c.start_ms,
        lambda s: s.slo_minute_days,
        where=slo_counts.c.resolution == "m",
    ),
    "slo_counts_hour": Purge(
        slo_counts,
        slo_counts.c.start_ms,
        lambda s: s.slo_hour_days,
        where=slo_counts.c.resolution == "h",
    ),
    "slo_counts_day": Purge(
        slo_counts,
        slo_counts.c.start_ms,
        lambda s: s.slo_day_days,
        where=slo_counts.c.resolution == "d",
    ),
    # The audit chain loses entries from its front only, and records where it now starts.
    "audit_log": Purge(
        audit_log,
        audit_log.c.at_ms,
        lambda s: s.audit_days,
        own_delete=lambda conn, cutoff, limit: purge_front(conn, cutoff=cutoff, limit=limit),
    ),
}


def cutoff_ms(purge: Purge, settings: StoreSettings, now_ms: int) -> int:
    return now_ms - settings.retention_ms(purge.days(settings))


def chunk_statement(purge: Purge, *, backend: Backend, cutoff: int, limit: int) -> Delete:
    """DELETE at most ``limit`` rows older than ``cutoff``: MySQL has ``DELETE ... LIMIT``;
    SQLite (built without that option) gets the same through a rowid sub-select."""
    t, col = purge.table, purge.column
    old = col < cutoff if purge.where is None else and_(col < cutoff, purge.where)
    if backend == "mysql":
        return delete(t).where(old).with_dialect_options(mysql_limit=limit)
    rowid: ColumnClause[Any] = literal_column("rowid")
    return delete(t).where(rowid.in_(select(rowid).select_from(t).where(old).limit(limit)))


async def purge_chunk(
    writer: Writer, purge: Purge, *, backend: Backend, cutoff: int, limit: int
) -> int:
    """Delete one chunk through the writer; returns the number of rows removed."""
    stmt = chunk_statement(purge, backend=backend, cutoff=cutoff, limit=limit)
    own = purge.own_delete

    def work(conn: Connection) -> int:
        if own is not None:
            return own(conn, cutoff, limit)
        return int(conn.execute(stmt).rowcount)

    return await writer.run(work)


# -- bodies blanked before their rows go --------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Blank:
    """Rows matching ``where`` whose ``column`` is older than the window get ``values``: the
    row stays (history, audit, idempotency), the body goes. ``where`` must exclude rows already
    blanked, so each chunk makes progress."""

    table: Table
    column: Column[int]  # indexed, as for a purge
    where: ColumnElement[bool]
    values: Mapping[str, Any]
    days: Callable[[StoreSettings], float]


# Commands that change nothing only read: their result is what the agent read from its cluster.
READ_COMMANDS = tuple(sorted(name for name, c in CATALOGUE.items() if not c.mutating))

BLANKS: dict[str, Blank] = {
    "read_results": Blank(
        commands,
        commands.c.created_ms,
        and_(commands.c.type.in_(READ_COMMANDS), commands.c.result_json != ""),
        {"result_json": ""},
        lambda s: s.read_results_days,
    ),
}


def blank_statement(blank: Blank, *, backend: Backend, cutoff: int, limit: int) -> Update:
    """UPDATE at most ``limit`` qualifying rows older than ``cutoff`` (``LIMIT`` on MySQL, a
    rowid sub-select on SQLite, as for a purge)."""
    t, col = blank.table, blank.column
    if backend == "mysql":
        stmt = update(t).where(col < cutoff, blank.where).with_dialect_options(mysql_limit=limit)
        return stmt.values(dict(blank.values))
    rowid: ColumnClause[Any] = literal_column("rowid")
    chosen = select(rowid).select_from(t).where(col < cutoff, blank.where).limit(limit)
    return update(t).where(rowid.in_(chosen)).values(dict(blank.values))


async def blank_expired(
    writer: Writer,
    settings: StoreSettings,
    *,
    backend: Backend,
    now_ms: int,
    stop: asyncio.Event | None = None,
) -> dict[str, int]:
    """Blank every ``BLANKS`` entry past its window, chunk by chunk; returns rows blanked per
    entry. Stops between chunks once ``stop`` is set."""
    done: dict[str, int] = {}
    for name, blank in BLANKS.items():
        stmt = blank_statement(
            blank,
            backend=backend,
            cutoff=now_ms - settings.retention_ms(blank.days(settings)),
            limit=settings.purge_chunk_rows,
        )

        def work(conn: Connection, stmt: Update = stmt) -> int:
            return int(conn.execute(stmt).rowcount)

        done[name] = 0
        while stop is None or not stop.is_set():
            changed = await writer.run(work)
            done[name] += changed
            if changed < settings.purge_chunk_rows:
                break
            await asyncio.sleep(settings.purge_pause_s)
    return done
