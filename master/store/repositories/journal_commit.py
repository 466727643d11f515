"""A journal commit as a unit of work, and the batch that stages a group's commits into rows.

Owns: :class:`JournalCommit` (one ``JournalRepo.commit``: records of one cluster and the
high-water mark they reach) and :class:`JournalBatch`, which the writer opens once per group
transaction for all the commits in it: it filters records at or below each cluster's stored
mark, turns record bodies into rows, writes them with one ``executemany`` per table per flush,
and writes the new marks in the same transaction. Runs off the event loop, inside the writer's
transaction (synchronous connection, see ``master.store.engine.transactions``); the
per-record statements go through ``master.store.engine.driver``.
Does not own: queueing, grouping and committing (``master.store.writing``), the occurrence
rules for findings (``occurrences``, pure) nor the terminal-state rule for agents' command
updates (``commands.apply_agent_updates``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Connection, bindparam, insert, select, tuple_, update

from master.store.engine import driver
from master.store.engine.driver import Prepared
from master.store.repositories import occurrences
from master.store.repositories.commands import apply_agent_updates
from master.store.repositories.conversions import (
    fingerprint_of,
    ingress_row,
    metrics_row,
    pod_metrics_rows,
)
from master.store.schema.tables import (
    findings_history,
    ingress_samples,
    journal_hwm,
    node_metrics_raw,
    pod_metrics_raw,
)
from master.store.writing.units import Batch, BatchKind
from shared.domain.commands import CommandUpdate
from shared.domain.findings import Finding
from shared.domain.journal import (
    FindingBatch,
    Gap,
    IngressBatch,
    JournalRecord,
    NodeMetricsBatch,
    PodMetricsBatch,
)

IN_CHUNK = 500  # values per IN (...) list: well under SQLite's 32k variables and MySQL's packet
_T = TypeVar("_T")

_insert_raw_metrics = Prepared(
    insert(node_metrics_raw)
    # The (cluster, node, at_ms) key makes a re-sent sample a no-op instead of a failed batch.
    .prefix_with("OR IGNORE", dialect="sqlite")
    .prefix_with("IGNORE", dialect="mysql")
)
_insert_pod_metrics = Prepared(
    insert(pod_metrics_raw)  # keyed like node samples: a re-sent one is a no-op
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


@dataclass(frozen=True, slots=True)
class JournalCommit:
    """One caller's ``JournalRepo.commit``: records of one cluster and the hwm they reach.

    A unit of work (``master.store.writing.units``) staged into the group's
    :class:`JournalBatch`; its caller gets None once the group committed."""

    cluster: str
    records: tuple[JournalRecord, ...]
    hwm: int
    now_ms: int

    @property
    def rows(self) -> int:
        """Rows this commit produces (roughly): its weight against the writer's budgets."""
        return max(1, sum(_rows_of(r) for r in self.records))

    @property
    def batch_kind(self) -> BatchKind:
        return JournalBatch

    def apply(self, conn: Connection, batch: Batch | None) -> None:
        if not isinstance(batch, JournalBatch):
            raise TypeError(f"a journal commit stages into a JournalBatch, not {batch!r}")
        batch.add(conn, self)


def _rows_of(record: JournalRecord) -> int:
    body = record.body
    if isinstance(body, FindingBatch):
        return len(body.findings)
    if isinstance(body, NodeMetricsBatch | IngressBatch):
        return len(body.samples)
    if isinstance(body, PodMetricsBatch):
        return max(1, sum(len(p.containers) for p in body.pods))
    return 1


@dataclass(slots=True)
class _Mark:
    hwm: int
    gaps_dropped: int
    stored: bool  # a row exists: UPDATE rather than INSERT
    dirty: bool = False
    now_ms: int = 0


@dataclass(slots=True)
class JournalBatch:
    """Collects rows from many ``JournalCommit``s, then writes them in one flush.

    One batch lives for one group transaction; it caches each cluster's high-water mark so
    later commits in the same group skip what earlier ones already covered."""

    metrics: list[dict[str, Any]] = field(default_factory=list)
    ingress: list[dict[str, Any]] = field(default_factory=list)
    pod_metrics: list[dict[str, Any]] = field(default_factory=list)
    findings: dict[str, list[Finding]] = field(default_factory=lambda: defaultdict(list))
    command_updates: list[tuple[str, CommandUpdate]] = field(default_factory=list)
    marks: dict[str, _Mark] = field(default_factory=dict)

    def add(self, conn: Connection, commit: JournalCommit) -> int:
        """Stage ``commit``'s records above the cluster's mark; returns how many were staged."""
        mark = self._mark(conn, commit.cluster)
        staged = 0
        for record in commit.records:
            if record.seq <= mark.hwm:
                continue  # already durable: a replay after a lost ack
            staged += 1
            self._stage(commit.cluster, record, mark, received_ms=commit.now_ms)
        if commit.hwm > mark.hwm:
            mark.hwm = commit.hwm
            mark.dirty = True
        mark.now_ms = max(mark.now_ms, commit.now_ms)
        return staged

    def _mark(self, conn: Connection, cluster: str) -> _Mark:
        # Read once per cluster and group, with a prepared point query: a group holds few
        # clusters, and that costs less than building an IN list.
        mark = self.marks.get(cluster)
        if mark is None:
            row = driver.fetch_one(conn, _select_mark, {"cluster": cluster})
            mark = self.marks[cluster] = (
                _Mark(hwm=0, gaps_dropped=0, stored=False)
                if row is None
                else _Mark(hwm=int(row[0]), gaps_dropped=int(row[1]), stored=True)
            )
        return mark

    def _stage(self, cluster: str, record: JournalRecord, mark: _Mark, *, received_ms: int) -> None:
        body = record.body
        if isinstance(body, NodeMetricsBatch):
            self.metrics.extend(
                metrics_row(cluster, s, received_ms=received_ms) for s in body.samples
            )
        elif isinstance(body, FindingBatch):
            self.findings[cluster].extend(body.findings)
        elif isinstance(body, IngressBatch):
            self.ingress.extend(
                ingress_row(cluster, s, received_ms=received_ms) for s in body.samples
            )
        elif isinstance(body, PodMetricsBatch):
            for pod in body.pods:
                self.pod_metrics += pod_metrics_rows(cluster, pod, received_ms=received_ms)
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
        if self.pod_metrics:
            driver.executemany(conn, _insert_pod_metrics, self.pod_metrics)
            self.pod_metrics = []
        for cluster, found in self.findings.items():
            # The latest commit's clock of the group for this cluster: one group spans moments.
            received = self.marks[cluster].now_ms
            _write_findings(conn, cluster=cluster, found=found, received_ms=received)
        self.findings.clear()
        if self.command_updates:
            apply_agent_updates(conn, self.command_updates)
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


def _write_findings(
    conn: Connection, *, cluster: str, found: Sequence[Finding], received_ms: int
) -> None:
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
    planned = occurrences.plan(
        cluster, found, open_rows=open_rows, closed_rows=closed_rows, received_ms=received_ms
    )
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


def _chunks(items: Sequence[_T], size: int) -> Iterable[Sequence[_T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
