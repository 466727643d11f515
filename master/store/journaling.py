"""Apply journal records to the database inside the writer's group transaction.

Owns: filtering records at or below the stored high-water mark, turning record bodies into rows,
and writing them with one ``executemany`` per table per flush; the new high-water marks go in
the same transaction. Does not own: queueing, grouping and committing (``master.store.writer``)
nor the occurrence rules for findings (``master.store.occurrences``, pure)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Row, bindparam, insert, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection

from master.store import occurrences
from master.store.auditing import AuditEntry, command_audit, write_audit
from master.store.bulk import executemany
from master.store.conversions import (
    MESSAGE_MAX,
    clip,
    fingerprint_of,
    ingress_row,
    metrics_row,
)
from master.store.schema import (
    command_transitions,
    commands,
    findings_history,
    ingress_samples,
    journal_hwm,
    node_metrics_raw,
)
from shared.domain.commands import TERMINAL_STATES, CommandState, CommandUpdate
from shared.domain.findings import Finding
from shared.domain.journal import FindingBatch, Gap, IngressBatch, JournalRecord, NodeMetricsBatch

log = logging.getLogger(__name__)

IN_CHUNK = 500  # values per IN (...) list: well under SQLite's 32k variables and MySQL's packet
_T = TypeVar("_T")

_insert_raw_metrics = (
    insert(node_metrics_raw)
    # The (cluster, node, at_ms) key makes a re-sent sample a no-op instead of a failed batch.
    .prefix_with("OR IGNORE", dialect="sqlite")
    .prefix_with("IGNORE", dialect="mysql")
)
_insert_finding = insert(findings_history)
_update_finding = update(findings_history).where(findings_history.c.id == bindparam("b_id"))
_update_command = update(commands).where(
    commands.c.id == bindparam("b_id"),
    commands.c.cluster == bindparam("b_cluster"),
    # Terminal is final: a late "running" from the agent must not reopen a timed-out command.
    # Plain comparisons, not NOT IN: an expanding IN list cannot be used with executemany.
    *(commands.c.state != s.value for s in sorted(TERMINAL_STATES, key=lambda s: s.value)),
)
_update_hwm = update(journal_hwm).where(journal_hwm.c.cluster == bindparam("b_cluster"))


@dataclass(frozen=True, slots=True)
class JournalWrite:
    """One caller's ``JournalRepo.commit``: records of one cluster and the hwm they reach."""

    cluster: str
    records: tuple[JournalRecord, ...]
    hwm: int
    now_ms: int

    @property
    def weight(self) -> int:
        """Rows this write produces (roughly): the unit of the writer's queue and batch limits."""
        return max(1, sum(_rows_of(r) for r in self.records))


def _rows_of(record: JournalRecord) -> int:
    body = record.body
    if isinstance(body, FindingBatch):
        return len(body.findings)
    if isinstance(body, NodeMetricsBatch | IngressBatch):
        return len(body.samples)
    return 1


@dataclass(slots=True)
class _Mark:
    hwm: int
    gaps_dropped: int
    stored: bool  # a row exists: UPDATE rather than INSERT
    dirty: bool = False
    now_ms: int = 0


@dataclass(slots=True)
class JournalAccumulator:
    """Collects rows from many ``JournalWrite``s, then writes them in one flush.

    One accumulator lives for one group transaction; it caches each cluster's high-water mark
    so later writes in the same group skip what earlier ones already covered."""

    metrics: list[dict[str, Any]] = field(default_factory=list)
    ingress: list[dict[str, Any]] = field(default_factory=list)
    findings: dict[str, list[Finding]] = field(default_factory=lambda: defaultdict(list))
    command_updates: list[tuple[str, CommandUpdate]] = field(default_factory=list)
    marks: dict[str, _Mark] = field(default_factory=dict)

    async def load_marks(self, conn: AsyncConnection, clusters: Iterable[str]) -> None:
        wanted = sorted(set(clusters) - self.marks.keys())
        for part in _chunks(wanted, IN_CHUNK):
            rows = await conn.execute(
                select(journal_hwm.c.cluster, journal_hwm.c.hwm, journal_hwm.c.gaps_dropped).where(
                    journal_hwm.c.cluster.in_(part)
                )
            )
            for cluster, hwm, gaps in rows:
                self.marks[cluster] = _Mark(int(hwm), int(gaps), stored=True)
        for cluster in wanted:
            self.marks.setdefault(cluster, _Mark(0, 0, stored=False))

    def add(self, write: JournalWrite) -> int:
        """Stage ``write``'s records above the cluster's mark; returns how many were staged."""
        mark = self.marks[write.cluster]
        staged = 0
        for record in write.records:
            if record.seq <= mark.hwm:
                continue  # already durable: a replay after a lost ack
            staged += 1
            self._stage(write.cluster, record, mark)
        if write.hwm > mark.hwm:
            mark.hwm = write.hwm
            mark.dirty = True
        mark.now_ms = max(mark.now_ms, write.now_ms)
        return staged

    def _stage(self, cluster: str, record: JournalRecord, mark: _Mark) -> None:
        body = record.body
        if isinstance(body, NodeMetricsBatch):
            self.metrics.extend(metrics_row(cluster, s) for s in body.samples)
        elif isinstance(body, FindingBatch):
            self.findings[cluster].extend(body.findings)
        elif isinstance(body, IngressBatch):
            self.ingress.extend(ingress_row(cluster, s) for s in body.samples)
        elif isinstance(body, CommandUpdate):
            self.command_updates.append((cluster, body))
        elif isinstance(body, Gap):
            mark.gaps_dropped += body.dropped
            mark.dirty = True

    async def flush(self, conn: AsyncConnection) -> None:
        """Write everything staged so far (one executemany per table) and the dirty marks."""
        if self.metrics:
            await executemany(conn, _insert_raw_metrics, self.metrics)
            self.metrics = []
        if self.ingress:
            await conn.execute(insert(ingress_samples), self.ingress)
            self.ingress = []
        for cluster, found in self.findings.items():
            await _write_findings(conn, cluster, found)
        self.findings.clear()
        if self.command_updates:
            await _write_command_updates(conn, self.command_updates)
            self.command_updates = []
        await self._write_marks(conn)

    async def _write_marks(self, conn: AsyncConnection) -> None:
        fresh, known = [], []
        for cluster, mark in self.marks.items():
            if not mark.dirty:
                continue
            row = {"hwm": mark.hwm, "gaps_dropped": mark.gaps_dropped, "updated_ms": mark.now_ms}
            if mark.stored:
                known.append({"b_cluster": cluster, **row})
            else:
                fresh.append({"cluster": cluster, **row})
            mark.stored, mark.dirty = True, False
        if fresh:
            await conn.execute(insert(journal_hwm), fresh)
        if known:
            await conn.execute(_update_hwm, known)


async def _write_findings(conn: AsyncConnection, cluster: str, found: Sequence[Finding]) -> None:
    t = findings_history
    fingerprints = sorted({fingerprint_of(f) for f in found})
    open_rows: dict[str, dict[str, Any]] = {}
    for part in _chunks(fingerprints, IN_CHUNK):
        result = await conn.execute(
            select(t)
            .where(t.c.cluster == cluster, t.c.resolved_ms.is_(None), t.c.fingerprint.in_(part))
            .order_by(t.c.opened_ms)  # if two were ever open, the latest wins
        )
        for row in result.mappings():
            open_rows[row["fingerprint"]] = dict(row)
    closed_rows: dict[tuple[str, int], dict[str, Any]] = {}
    wanted = sorted(occurrences.closed_lookups(open_rows, found))
    for pairs in _chunks(wanted, IN_CHUNK):
        result = await conn.execute(
            select(t).where(
                t.c.cluster == cluster, tuple_(t.c.fingerprint, t.c.opened_ms).in_(pairs)
            )
        )
        for row in result.mappings():
            closed_rows[(row["fingerprint"], row["opened_ms"])] = dict(row)
    planned = occurrences.plan(cluster, found, open_rows=open_rows, closed_rows=closed_rows)
    if planned.inserts:
        await executemany(conn, _insert_finding, planned.inserts)
    if planned.updates:
        await conn.execute(
            _update_finding,
            [
                {"b_id": r["id"], **{k: v for k, v in r.items() if k != "id"}}
                for r in planned.updates
            ],
        )


async def _write_command_updates(
    conn: AsyncConnection, updates: Sequence[tuple[str, CommandUpdate]]
) -> None:
    ids = sorted({u.command_id for _, u in updates})
    current: dict[str, Row[Any]] = {}
    c = commands.c
    for part in _chunks(ids, IN_CHUNK):
        rows = await conn.execute(
            select(
                c.id, c.cluster, c.state, c.type, c.params_json, c.dry_run, c.target,
                c.requested_by,
            ).where(c.id.in_(part))
        )  # fmt: skip
        current.update({r.id: r for r in rows})
    mine = [
        (cluster, u)
        for cluster, u in updates
        if (row := current.get(u.command_id)) is not None and row.cluster == cluster
    ]
    if len(mine) < len(updates):
        # Unknown ids or another cluster's command: never let one agent touch another's rows.
        log.warning("ignored %d command updates for unknown commands", len(updates) - len(mine))
    if not mine:
        return
    await conn.execute(
        command_transitions.insert(),
        [
            {
                "command_id": u.command_id,
                "state": u.state.value,
                "at_ms": u.at_ms,
                "message": clip(u.message, MESSAGE_MAX),
            }
            for _, u in mine
        ],
    )
    await conn.execute(
        _update_command,
        [
            {
                "b_id": u.command_id,
                "b_cluster": cluster,
                "state": u.state.value,
                "updated_ms": u.at_ms,
                "result_json": u.result_json.decode("utf-8", "replace"),
                "error_code": clip(u.error_code, 64),
                "message": clip(u.message, MESSAGE_MAX),
            }
            for cluster, u in mine
        ],
    )
    for entry in _outcome_audits(current, mine):
        await write_audit(conn, entry)


def _outcome_audits(
    current: dict[str, Row[Any]], updates: Sequence[tuple[str, CommandUpdate]]
) -> list[AuditEntry]:
    """One ``command.finish`` entry per command these updates make terminal, committed with
    that state (so an audit trail can never miss an outcome the store shows). The same rule as
    the UPDATE: a command already terminal keeps its first verdict and gets no second entry."""
    state = {cid: CommandState(row.state) for cid, row in current.items()}
    out: list[AuditEntry] = []
    for _, u in updates:
        if not u.state.terminal or state[u.command_id].terminal:
            continue
        state[u.command_id] = u.state
        row = current[u.command_id]
        out.append(
            command_audit(
                command_id=row.id,
                type_=row.type,
                params_json=row.params_json.encode(),
                dry_run=bool(row.dry_run),
                cluster=row.cluster,
                target=row.target,
                actor=row.requested_by,
                action="command.finish",
                outcome=u.state.value,
                at_ms=u.at_ms,
                reason=u.error_code or u.message,
            )
        )
    return out


def _chunks(items: Sequence[_T], size: int) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
