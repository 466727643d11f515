"""Apply journal records to the database inside the writer's group transaction.

Owns: filtering records at or below the stored high-water mark, turning record bodies into rows,
and writing them with one ``executemany`` per table per flush; the new high-water marks go in
the same transaction. Runs off the event loop, inside the writer's transaction (synchronous
connection, see ``transactions``); the per-record statements go through ``driver``.
Does not own: queueing, grouping and committing (``master.store.writer``)
nor the occurrence rules for findings (``master.store.occurrences``, pure)."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, insert, select, tuple_, update

from master.store import driver, occurrences
from master.store.auditing import AuditEntry, command_audit, write_audit
from master.store.conversions import (
    MESSAGE_MAX,
    clip,
    fingerprint_of,
    ingress_row,
    metrics_row,
)
from master.store.driver import Prepared
from master.store.schema import (
    command_transitions,
    commands,
    findings_history,
    ingress_samples,
    journal_hwm,
    node_metrics_raw,
)
from shared.domain.commands import CommandState, CommandUpdate
from shared.domain.findings import Finding
from shared.domain.journal import FindingBatch, Gap, IngressBatch, JournalRecord, NodeMetricsBatch

log = logging.getLogger(__name__)

IN_CHUNK = 500  # values per IN (...) list: well under SQLite's 32k variables and MySQL's packet
_T = TypeVar("_T")

_insert_raw_metrics = Prepared(
    insert(node_metrics_raw)
    # The (cluster, node, at_ms) key makes a re-sent sample a no-op instead of a failed batch.
    .prefix_with("OR IGNORE", dialect="sqlite")
    .prefix_with("IGNORE", dialect="mysql")
)
_insert_ingress = Prepared(insert(ingress_samples))
_insert_finding = Prepared(insert(findings_history))
_update_finding = update(findings_history).where(findings_history.c.id == bindparam("b_id"))
_select_mark = Prepared(
    select(journal_hwm.c.hwm, journal_hwm.c.gaps_dropped).where(
        journal_hwm.c.cluster == bindparam("cluster")
    )
)
_insert_mark = Prepared(insert(journal_hwm))
_update_mark = Prepared(update(journal_hwm).where(journal_hwm.c.cluster == bindparam("b_cluster")))
_c = commands.c
_select_command = Prepared(
    select(
        _c.id, _c.cluster, _c.state, _c.type, _c.params_json, _c.dry_run, _c.target,
        _c.requested_by,
    ).where(_c.id == bindparam("id"))
)  # fmt: skip
_insert_transition = Prepared(insert(command_transitions))
_update_command = Prepared(update(commands).where(_c.id == bindparam("b_id")))


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

    def load_marks(self, conn: Connection, clusters: Iterable[str]) -> None:
        # One point query per cluster: a group holds few clusters, and a prepared point query
        # costs less than building an IN list.
        for cluster in sorted(set(clusters) - self.marks.keys()):
            row = driver.fetch_one(conn, _select_mark, {"cluster": cluster})
            self.marks[cluster] = (
                _Mark(0, 0, stored=False) if row is None else _Mark(int(row[0]), int(row[1]), True)
            )

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

    def flush(self, conn: Connection) -> None:
        """Write everything staged so far (one executemany per table) and the dirty marks."""
        if self.metrics:
            driver.executemany(conn, _insert_raw_metrics, self.metrics)
            self.metrics = []
        if self.ingress:
            driver.executemany(conn, _insert_ingress, self.ingress)
            self.ingress = []
        for cluster, found in self.findings.items():
            _write_findings(conn, cluster, found)
        self.findings.clear()
        if self.command_updates:
            _write_command_updates(conn, self.command_updates)
            self.command_updates = []
        self._write_marks(conn)

    def _write_marks(self, conn: Connection) -> None:
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
            driver.executemany(conn, _insert_mark, fresh)
        if known:
            driver.executemany(conn, _update_mark, known)


def _write_findings(conn: Connection, cluster: str, found: Sequence[Finding]) -> None:
    t = findings_history
    fingerprints = sorted({fingerprint_of(f) for f in found})
    open_rows: dict[str, dict[str, Any]] = {}
    for part in _chunks(fingerprints, IN_CHUNK):
        result = conn.execute(
            select(t)
            .where(t.c.cluster == cluster, t.c.resolved_ms.is_(None), t.c.fingerprint.in_(part))
            .order_by(t.c.opened_ms)  # if two were ever open, the latest wins
        )
        for row in result.mappings():
            open_rows[row["fingerprint"]] = dict(row)
    closed_rows: dict[tuple[str, int], dict[str, Any]] = {}
    wanted = sorted(occurrences.closed_lookups(open_rows, found))
    for pairs in _chunks(wanted, IN_CHUNK):
        result = conn.execute(
            select(t).where(
                t.c.cluster == cluster, tuple_(t.c.fingerprint, t.c.opened_ms).in_(pairs)
            )
        )
        for row in result.mappings():
            closed_rows[(row["fingerprint"], row["opened_ms"])] = dict(row)
    planned = occurrences.plan(cluster, found, open_rows=open_rows, closed_rows=closed_rows)
    if planned.inserts:
        driver.executemany(conn, _insert_finding, planned.inserts)
    if planned.updates:
        conn.execute(
            _update_finding,
            [
                {"b_id": r["id"], **{k: v for k, v in r.items() if k != "id"}}
                for r in planned.updates
            ],
        )


def _write_command_updates(conn: Connection, updates: Sequence[tuple[str, CommandUpdate]]) -> None:
    current: dict[str, tuple[Any, ...]] = {}
    for command_id in sorted({u.command_id for _, u in updates}):
        row = driver.fetch_one(conn, _select_command, {"id": command_id})
        if row is not None:
            current[command_id] = row
    mine = [(cluster, u) for cluster, u in updates if _owned(current, u.command_id, cluster)]
    if len(mine) < len(updates):
        # Unknown ids or another cluster's command: never let one agent touch another's rows.
        log.warning("ignored %d command updates for unknown commands", len(updates) - len(mine))
    if not mine:
        return
    driver.executemany(
        conn,
        _insert_transition,
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
    changes, audits = _effects(current, [u for _, u in mine])
    driver.executemany(
        conn,
        _update_command,
        [
            {
                "b_id": u.command_id,
                "state": u.state.value,
                "updated_ms": u.at_ms,
                "result_json": u.result_json.decode("utf-8", "replace"),
                "error_code": clip(u.error_code, 64),
                "message": clip(u.message, MESSAGE_MAX),
            }
            for u in changes
        ],
    )
    for entry in audits:
        write_audit(conn, entry)


def _owned(current: dict[str, tuple[Any, ...]], command_id: str, cluster: str) -> bool:
    row = current.get(command_id)
    return row is not None and row[_CLUSTER] == cluster


# Column positions in ``_select_command``'s rows.
_ID, _CLUSTER, _STATE, _TYPE, _PARAMS, _DRY_RUN, _TARGET, _BY = range(8)


def _effects(
    current: dict[str, tuple[Any, ...]], updates: Sequence[CommandUpdate]
) -> tuple[list[CommandUpdate], list[AuditEntry]]:
    """Which updates change a command's row, and the audit entries they bring. Terminal is
    final: a late "running" must not reopen a timed-out command, and a second verdict is kept
    only as a transition. One ``command.finish`` entry per command these updates make terminal,
    committed with that state (an audit trail can never miss an outcome the store shows)."""
    state = {cid: CommandState(row[_STATE]) for cid, row in current.items()}
    changes: list[CommandUpdate] = []
    audits: list[AuditEntry] = []
    for u in updates:
        if state[u.command_id].terminal:
            continue
        state[u.command_id] = u.state
        changes.append(u)
        if not u.state.terminal:
            continue
        row = current[u.command_id]
        audits.append(
            command_audit(
                command_id=row[_ID],
                type_=row[_TYPE],
                params_json=row[_PARAMS].encode(),
                dry_run=bool(row[_DRY_RUN]),
                cluster=row[_CLUSTER],
                target=row[_TARGET],
                actor=row[_BY],
                action="command.finish",
                outcome=u.state.value,
                at_ms=u.at_ms,
                reason=u.error_code or u.message,
            )
        )
    return changes, audits


def _chunks(items: Sequence[_T], size: int) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
