"""Child process for the crash test: ingests through the Store and prints each ack.

Usage: python ingest_child.py DSN. Four concurrent "agents" (clusters k0..k3) commit batches of
20 records; record ``seq`` is a node sample at ``at_ms=seq`` when odd, a finding with
fingerprint ``fp-<seq>`` when even. After each commit returns, ``ACK <cluster> <hwm>`` is
printed and flushed: that line is the acknowledgement the agent would have received."""

from __future__ import annotations

import asyncio
import sys

from master.store import Store
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch, JournalRecord, NodeMetricsBatch
from shared.domain.metrics import NodeMetricsSample
from shared.domain.refs import ObjectRef

BATCH = 20


def record(seq: int) -> JournalRecord:
    if seq % 2:
        return JournalRecord(seq, seq, NodeMetricsBatch((NodeMetricsSample("n", seq),)))
    f = Finding(f"fp-{seq}", "R", Severity.WARNING, "c", ObjectRef("Pod", "ns", "p"), "m", seq, seq)
    return JournalRecord(seq, seq, FindingBatch((f,)))


async def agent(store: Store, cluster: str) -> None:
    seq = await store.journal.high_water_mark(cluster)
    while seq < 1_000_000:
        records = [record(s) for s in range(seq + 1, seq + BATCH + 1)]
        await store.journal.commit(cluster, records, seq + BATCH)
        seq += BATCH
        sys.stdout.write(f"ACK {cluster} {seq}\n")
        sys.stdout.flush()


async def main(dsn: str) -> None:
    store = await Store.open(dsn)
    sys.stdout.write("READY\n")
    sys.stdout.flush()
    await asyncio.gather(*(agent(store, f"k{i}") for i in range(4)))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
