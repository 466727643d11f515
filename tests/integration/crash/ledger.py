"""What the master's SQLite store holds, read read-only (beside a running master, or after a
kill), and the invariants over it as pure functions: each returns the violations it found,
so a failing test lists every broken promise at once instead of the first."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

TERMINAL = frozenset({"succeeded", "failed", "timed_out", "cancelled"})


@dataclass(frozen=True)
class Ledger:
    hwm: int
    gaps_dropped: int
    sample_ats: frozenset[int]
    finding_rows: tuple[tuple[str, int, int | None], ...]  # fingerprint, opened, resolved
    commands: Mapping[str, str]  # id -> state
    results: Mapping[str, Any]  # id -> the agent's result (None until it reported one)
    transitions: Mapping[str, tuple[str, ...]]  # id -> states in order
    notifications: tuple[tuple[str, str, str, bytes], ...]  # key, state, group, payload


def read(db: Path, *, cluster: str, node: str) -> Ledger:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:

        def rows(sql: str, *args: Any) -> list[Any]:
            return conn.execute(sql, args).fetchall()

        mark = rows("SELECT hwm, gaps_dropped FROM journal_hwm WHERE cluster = ?", cluster)
        hwm, gaps = mark[0] if mark else (0, 0)
        ats = rows(
            "SELECT at_ms FROM node_metrics_raw WHERE cluster = ? AND node = ?", cluster, node
        )
        findings = rows(
            "SELECT fingerprint, opened_ms, resolved_ms FROM findings_history WHERE cluster = ?",
            cluster,
        )
        command_rows = rows(
            "SELECT id, state, result_json FROM commands WHERE cluster = ?", cluster
        )
        transitions: dict[str, list[str]] = {}
        for cid, state in rows("SELECT command_id, state FROM command_transitions ORDER BY id"):
            transitions.setdefault(cid, []).append(state)
        notes = rows(
            "SELECT idempotency_key, state, group_key, payload_json FROM notification_outbox "
            "ORDER BY id"
        )
    finally:
        conn.close()
    return Ledger(
        hwm=hwm,
        gaps_dropped=gaps,
        sample_ats=frozenset(a for (a,) in ats),
        finding_rows=tuple(findings),
        commands={cid: state for cid, state, _ in command_rows},
        results={cid: orjson.loads(r) if r else None for cid, _, r in command_rows},
        transitions={k: tuple(v) for k, v in transitions.items()},
        notifications=tuple(
            (k, s, g, p.encode() if isinstance(p, str) else p) for k, s, g, p in notes
        ),
    )


def journal_violations(ledger: Ledger, *, last_seq: int, acked_before: int = 0) -> list[str]:
    """With the agent drained: the master holds exactly 1..last_seq, reported no gap, and never
    fell below a mark it had acknowledged."""
    out = []
    if ledger.hwm != last_seq:
        out.append(f"store's high-water mark {ledger.hwm} != agent's last seq {last_seq}")
    if ledger.gaps_dropped:
        out.append(f"the master recorded {ledger.gaps_dropped} records lost to gaps")
    if ledger.hwm < acked_before:
        out.append(f"mark {ledger.hwm} below the {acked_before} the agent saw acknowledged")
    return out


def sample_violations(
    ledger: Ledger, *, acked: Collection[int], maybe: Collection[int]
) -> list[str]:
    out = []
    missing = sorted(set(acked) - ledger.sample_ats)
    if missing:
        out.append(f"{len(missing)} acknowledged samples missing from the store: {missing[:10]}")
    unknown = sorted(ledger.sample_ats - set(acked) - set(maybe))
    if unknown:
        out.append(f"{len(unknown)} samples in the store nobody pushed: {unknown[:10]}")
    return out


def finding_violations(ledger: Ledger) -> list[str]:
    """One history row per occurrence: a replayed record must update its row, not add one."""
    out = []
    occurrences = Counter((fp, opened) for fp, opened, _ in ledger.finding_rows)
    twice = [k for k, n in occurrences.items() if n > 1]
    if twice:
        out.append(f"{len(twice)} finding occurrences stored more than once: {twice[:5]}")
    open_rows = Counter(fp for fp, _, resolved in ledger.finding_rows if resolved is None)
    many = [fp for fp, n in open_rows.items() if n > 1]
    if many:
        out.append(f"{len(many)} findings open in more than one row: {many[:5]}")
    return out


def command_violations(ledger: Ledger, *, wanted: Mapping[str, str], runs: int) -> list[str]:
    """Every command the test asked for exists once, ended, and ran at most once.

    ``runs`` is the Deployment's generation bumps. A rollout_restart that ran bumps it once —
    unless it ran in the same second as the one before (``restarted_at`` has kubectl's second
    resolution, so the patch changed nothing): the succeeded commands' distinct
    ``restarted_at`` values are the runs known to have happened, and failed or timed-out ones
    may have run too. A command run twice adds a bump neither accounts for."""
    out = []
    ids = list(wanted.values())
    if len(set(ids)) != len(ids):
        out.append("two idempotency keys got the same command id")
    absent = [i for i in ids if i not in ledger.commands]
    if absent:
        out.append(f"{len(absent)} acknowledged commands missing from the store")
    states = Counter(ledger.commands.get(i, "absent") for i in ids)
    stuck = {s: n for s, n in states.items() if s not in TERMINAL}
    if stuck:
        out.append(f"commands not terminal: {stuck}")
    for cid in ids:
        seq = ledger.transitions.get(cid, ())
        repeated = [s for s, n in Counter(seq).items() if n > 1 and s != "sent"]
        if repeated:
            out.append(f"command {cid} went through {repeated} twice: {seq}")
        if sum(1 for s in seq if s in TERMINAL) > 1:
            out.append(f"command {cid} ended twice: {seq}")
    ran_surely = len(
        {
            (ledger.results.get(i) or {}).get("restarted_at")
            for i in ids
            if ledger.commands.get(i) == "succeeded"
        }
    )
    ran_maybe = ran_surely + states["failed"] + states["timed_out"]
    if not ran_surely <= runs <= ran_maybe:
        out.append(f"Deployment restarted {runs} times for {dict(states)}: a command ran twice")
    return out


def notification_violations(ledger: Ledger, *, delivered: Collection[bytes]) -> list[str]:
    """Every notification the master queued was sent and reached the receiver once (by key);
    and no group got two notifications saying the same thing (a transition re-decided after a
    restart would queue a second one under a new key)."""
    out = []
    unsent = Counter(s for _, s, _, _ in ledger.notifications if s != "sent")
    if unsent:
        out.append(f"notifications not sent: {dict(unsent)}")
    keys = {k for k, _, _, _ in ledger.notifications}
    got = set(delivered)
    lost = sorted(k for k in keys if k.encode() not in got)
    if lost:
        out.append(f"{len(lost)} notifications never reached the receiver: {lost[:5]}")
    last: dict[str, object] = {}
    for key, _, group, payload in ledger.notifications:
        said = _content(payload)
        if last.get(group) == said:
            out.append(f"group {group!r} notified twice with the same alerts (second key {key})")
        last[group] = said
    return out


def _content(payload: bytes) -> object:
    body = orjson.loads(payload)
    alerts = body.get("alerts", []) if isinstance(body, dict) else []
    return sorted(
        (a.get("fingerprint"), a.get("status"), a.get("starts_at_ms", a.get("startsAt")))
        for a in alerts
    )


def latest_sample_ms(db: Path, *, cluster: str, node: str) -> int:
    """The newest stored sample's time for ``node`` (0 when none)."""
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30)
    try:
        row = conn.execute(
            "SELECT MAX(at_ms) FROM node_metrics_raw WHERE cluster = ? AND node = ?",
            (cluster, node),
        ).fetchone()
    finally:
        conn.close()
    return int(row[0] or 0)
