"""A master killed with SIGKILL mid-ingest loses no acknowledged record and duplicates none."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

from sqlalchemy import func, select

from master.store import Store
from master.store.schema.tables import findings_history, node_metrics_raw

CHILD = Path(__file__).with_name("ingest_child.py")
ACKS_BEFORE_KILL = 60
READ_TIMEOUT_S = 60.0


async def _ingest_then_kill(dsn: str) -> dict[str, int]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        str(CHILD),
        dsn,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    assert proc.stdout is not None
    acked: dict[str, int] = {}
    n = 0
    try:
        while n < ACKS_BEFORE_KILL:
            line = (await asyncio.wait_for(proc.stdout.readline(), READ_TIMEOUT_S)).decode()
            if not line:
                err = await proc.stderr.read() if proc.stderr else b""
                raise AssertionError(f"ingest child exited early: {err.decode()[-2000:]}")
            if line.startswith("ACK "):
                _, cluster, hwm = line.split()
                acked[cluster] = max(acked.get(cluster, 0), int(hwm))
                n += 1
    finally:
        proc.send_signal(signal.SIGKILL)  # mid-ingest: other commits are in flight right now
        await asyncio.wait_for(proc.wait(), READ_TIMEOUT_S)
    return acked


async def test_sigkill_during_ingest_loses_no_acked_record_and_duplicates_none(dsn: str) -> None:
    acked = await _ingest_then_kill(dsn)
    store = await Store.open(dsn)
    try:
        for cluster, acked_hwm in acked.items():
            hwm = await store.journal.high_water_mark(cluster)
            assert hwm >= acked_hwm, f"{cluster}: acked {acked_hwm} but only {hwm} is durable"
            async with store.engine.connect() as conn:
                m = node_metrics_raw
                metrics = (
                    await conn.execute(
                        select(
                            func.count(), func.count(func.distinct(m.c.at_ms)), func.max(m.c.at_ms)
                        ).where(m.c.cluster == cluster)
                    )
                ).one()
                f = findings_history
                findings = (
                    await conn.execute(
                        select(
                            func.count(),
                            func.count(func.distinct(f.c.fingerprint)),
                            func.max(f.c.opened_ms),
                        ).where(f.c.cluster == cluster)
                    )
                ).one()
            # Odd seqs are samples, even ones findings: exactly the records up to the mark, each
            # once, and nothing beyond it (contents and mark committed together).
            last_odd, last_even = (hwm, hwm - 1) if hwm % 2 else (hwm - 1, hwm)
            assert tuple(metrics) == ((hwm + 1) // 2, (hwm + 1) // 2, last_odd)
            assert tuple(findings) == (hwm // 2, hwm // 2, last_even)
        # Every concurrent agent got acks before the kill, so all four were mid-stream.
        assert set(acked) == {"k0", "k1", "k2", "k3"}
    finally:
        await store.close()
