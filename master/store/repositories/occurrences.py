"""Pure planning of finding occurrences: existing rows + incoming findings -> inserts, updates.

An occurrence is one row per fingerprint from the first record that opens it to the record that
resolves it. A finding whose fingerprint has an open row updates that row (last seen, count,
latest message and severity); a resolved one closes it. A resolution with no open row (its
opening fell into a gap) becomes a closed row, unless a row with the same fingerprint and
opening time already exists, so a repeated resolution does not add a second occurrence.

No I/O here: ``journal_commit`` fetches the rows this needs and writes the plan."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from master.store.repositories.conversions import finding_values, fingerprint_of
from shared.domain.findings import Finding

Row = dict[str, Any]


@dataclass(slots=True)
class Plan:
    inserts: list[Row] = field(default_factory=list)
    updates: list[Row] = field(default_factory=list)  # full rows keyed by "id"


def closed_lookups(
    open_rows: Mapping[str, Row], findings: Iterable[Finding]
) -> set[tuple[str, int]]:
    """(fingerprint, opened_ms) pairs worth fetching among closed rows before planning."""
    return {
        (fingerprint_of(f), f.first_seen_ms)
        for f in findings
        if f.resolved and fingerprint_of(f) not in open_rows
    }


def plan(
    cluster: str,
    findings: Sequence[Finding],
    *,
    open_rows: Mapping[str, Row],
    closed_rows: Mapping[tuple[str, int], Row],
    received_ms: int,
) -> Plan:
    """Fold ``findings`` (in journal order) into occurrence rows.

    ``open_rows``: the open row per fingerprint (with ``id``). ``closed_rows``: closed rows by
    (fingerprint, opened_ms) for resolutions without an open row. ``received_ms``: the master's
    clock at this commit; every row the plan writes gets it (retention goes by it, so an
    occurrence goes a window after the master last heard of it, whatever the agent's clock
    says). Input rows are copied, never mutated."""
    open_now: dict[str, Row] = {fp: dict(row) for fp, row in open_rows.items()}
    closed = {key: dict(row) for key, row in closed_rows.items()}
    result = Plan()
    dirty: dict[int, Row] = {}
    for f in findings:
        fp = fingerprint_of(f)
        row = open_now.get(fp)
        if row is None and f.resolved:
            row = closed.get((fp, f.first_seen_ms))
        if row is None:
            row = _new_row(cluster, f, received_ms=received_ms)
            result.inserts.append(row)
            if not f.resolved:
                open_now[fp] = row
            else:
                closed[(fp, f.first_seen_ms)] = row
            continue
        _merge(row, f, received_ms=received_ms)
        if f.resolved:
            open_now.pop(fp, None)
            closed[(fp, row["opened_ms"])] = row
        if "id" in row:
            dirty[row["id"]] = row
    result.updates = list(dirty.values())
    return result


def _new_row(cluster: str, f: Finding, *, received_ms: int) -> Row:
    last_seen = max(f.first_seen_ms, f.last_seen_ms)
    return {
        "cluster": cluster,
        "fingerprint": fingerprint_of(f),
        **finding_values(f),
        "opened_ms": f.first_seen_ms,
        "last_seen_ms": last_seen,
        "resolved_ms": last_seen if f.resolved else None,
        "count": max(1, f.count),
        "received_ms": received_ms,
    }


def _merge(row: Row, f: Finding, *, received_ms: int) -> None:
    row.update(finding_values(f))
    row["received_ms"] = max(row.get("received_ms", 0), received_ms)
    row["last_seen_ms"] = max(row["last_seen_ms"], f.last_seen_ms)
    # The agent's count is cumulative but restarts from 1 after an agent restart: keep the peak.
    row["count"] = max(row["count"], f.count)
    if f.resolved:
        row["resolved_ms"] = row["last_seen_ms"]
