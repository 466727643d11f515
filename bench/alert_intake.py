"""How many findings a minute the alert service takes in: the real ``AlertService`` over a
real SQLite store, fed through its processor port (``observe_journal``) in journal-sized
batches, every step committed (alert rows, groups, outbox) -- the receiver has no
integration, so what is measured is judgement and persistence, not delivery (``bench
alerts`` measures that).

The mix: ``--findings`` in all over ``--pods`` pods in 50 namespaces -- each pod's finding
opened, then updated (a new restart count), the last fifth resolved -- so grouping, the
pending/firing machine and the flap counters all work. Figures: findings per minute at wall
time, and the service's CPU per finding. Target (PERFORMANCE.md): >= 10,000 findings/min.

    .venv/bin/python -m bench alert_intake -- --findings 20000
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Table, busy_warning
from bench.results import Figure, exit_code
from master.alerting.service import AlertService
from master.alerting.settings import AlertSettings
from master.store import Store
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch, JournalRecord
from shared.domain.refs import ObjectRef

QUICK = ["--findings", "2000", "--pods", "400"]
BATCH = 100  # findings per journal record, as an agent's outbox batches them
CONFIG = """\
route: {receiver: nowhere, group_by: [cluster, namespace], group_wait: 0s}
receivers:
  - name: nowhere
"""


def _findings(total: int, pods: int) -> list[Finding]:
    out: list[Finding] = []
    round_no = 0
    while len(out) < total:
        for p in range(pods):
            if len(out) >= total:
                break
            resolved = round_no > 0 and p % 5 == 4 and round_no % 3 == 2
            out.append(
                Finding(
                    fingerprint=f"fp-{p}",
                    reason="CrashLoopBackOff",
                    severity=Severity.CRITICAL,
                    category="pod",
                    subject=ObjectRef("Pod", f"ns-{p % 50}", f"web-{p}"),
                    message=f"back-off; {round_no + 1} restarts",
                    first_seen_ms=1,
                    last_seen_ms=1 + round_no,
                    count=round_no + 1,
                    resolved=resolved,
                )
            )
        round_no += 1
    return out


async def measure(total: int, pods: int) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, alerts held) for ``total`` findings."""
    with tempfile.TemporaryDirectory(prefix="lookout-bench-alert-intake-") as d:
        path = Path(d)
        (path / "alerting.yaml").write_text(CONFIG)
        store = await Store.open(f"sqlite+aiosqlite:///{path / 'lookout.db'}")
        try:
            service = AlertService(store, AlertSettings(), path / "alerting.yaml")
            await service.start()
            stop = asyncio.Event()
            task = asyncio.create_task(service.run(stop))
            findings = _findings(total, pods)
            batches = [
                [JournalRecord(i + 1, 1, FindingBatch(tuple(findings[i : i + BATCH])))]
                for i in range(0, len(findings), BATCH)
            ]
            t0, c0 = time.perf_counter(), time.process_time()
            for records in batches:
                await service.observe_journal("bench", records)
            # Queued behind every finding, a call returns once the step holding it committed:
            # by then every finding before it was observed and saved.
            await service.call(lambda _e, _now: None)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            held = len(service.engine.alerts)
            stop.set()
            await task
            return wall, cpu, held
        finally:
            await store.close()


def run(argv: list[str]) -> list[Figure]:
    ap = argparse.ArgumentParser(prog="bench alert_intake")
    ap.add_argument("--findings", type=int, default=20_000)
    ap.add_argument("--pods", type=int, default=2_000)
    args = ap.parse_args(argv)
    wall, cpu, held = asyncio.run(measure(args.findings, args.pods))
    table = Table(
        f"alert intake: {args.findings:,} findings over {args.pods:,} pods, SQLite, no delivery"
    )
    table.judge(
        "alert_intake.findings",
        "findings taken in per minute",
        args.findings / wall * 60,
        note=f"{wall:.1f} s wall; {held:,} alerts held",
    )
    table.add("service CPU per finding", f"{cpu / args.findings * 1e6:.0f} µs")
    print(busy_warning() + table.render(), end="")
    return table.figures


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    raise SystemExit(main())
