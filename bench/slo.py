"""The SLO service's cost at 500 SLOs, over a real SQLite store.

Counts are written straight into ``slo_counts`` as the refresh would leave them: hour and day
rows for the last 30 days and minute rows for the last ``--minute-days`` (the burn windows up
to 6 h read minutes, the longer ones and the budget window hours, reports days), so the
tables are the size a month of history makes.

* **Monthly report** for every SLO (``SloService.report``: the month's day rows, worst days,
  percentiles) -- target (issue 18) <= 1 s for 500.
* **SLO list** (``GET /api/v1/slos`` through the real FastAPI app with the hourly sparklines),
  median of ``--requests`` -- target <= 100 ms.
* **Evaluation pass** (window sums in two grouped queries + every SLO's status and burn rules),
  process CPU over the 30 s period -- target <= 5 % of a core; and the same with the refresh of
  one minute of new ingress samples for every SLO (what a real pass also does), reported
  beside it against the same target.

    .venv/bin/python -m bench slo -- --slos 500
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from sqlalchemy import insert

from bench.common import Table, busy_warning
from bench.results import Figure, exit_code
from master.datahub.hub import DataHub
from master.gateway.app import create_app
from master.gateway.state import GatewayState
from master.slo.counts import HOUR_MS, MINUTE_MS
from master.slo.windows import DAY_MS
from master.slo_service.service import SloService
from master.slo_service.settings import SloSettings
from master.store import Store
from master.store.repositories.conversions import ingress_row
from master.store.schema.tables import ingress_samples, slo_counts
from shared.domain.ingress import IngressSample

TOKEN = "bench-slo-token-0123456789abcdef0123456789"
PERIOD_S = 30.0


def _definitions(n: int) -> str:
    lines = ["slos:"]
    for i in range(n):
        lines += [
            f"  - name: svc-{i:04d}",
            "    cluster: bench",
            "    namespace: shop",
            f"    service: svc-{i:04d}",
            "    objective: 99.9",
            f"    owner: {{team: team-{i % 20:02d}}}",
        ]
    return "\n".join(lines) + "\n"


async def _fill(store: Store, n: int, now: int, minute_days: int) -> int:
    """Counts for ``n`` SLOs; returns the rows written."""
    rows = 0
    hour_now = now - now % HOUR_MS
    day_now = now - now % DAY_MS
    async with store.engine.begin() as conn:
        for i in range(n):
            name = f"svc-{i:04d}"
            batch = []
            for h in range(30 * 24):
                bad = 3 if (h + i) % 97 else 400  # now and then a bad hour
                batch.append((name, "h", hour_now - h * HOUR_MS, 6_000 - bad, 6_000))
            for d in range(31):
                batch.append((name, "d", day_now - d * DAY_MS, 143_900, 144_000))
            first_minute = now - now % MINUTE_MS - minute_days * DAY_MS
            for m in range(minute_days * 1440):
                batch.append((name, "m", first_minute + m * MINUTE_MS, 99, 100))
            await conn.execute(
                insert(slo_counts),
                [
                    {"slo": s, "resolution": r, "start_ms": t, "good": g, "total": tot}
                    | {"buckets_json": "{}"}
                    for s, r, t, g, tot in batch
                ],
            )
            rows += len(batch)
    return rows


async def _new_minute(store: Store, n: int, now: int) -> None:
    """One minute of ingress samples for every SLO (four 15 s samples each), received now."""
    samples = [
        IngressSample(
            controller="nginx",
            namespace="shop",
            ingress=f"svc-{i:04d}",
            host="",
            service=f"svc-{i:04d}",
            window_start_ms=now - (k + 1) * 15_000,
            window_end_ms=now - k * 15_000 - 1,
            requests=25,
            errors=0,
        )
        for i in range(n)
        for k in range(4)
    ]
    async with store.engine.begin() as conn:
        await conn.execute(
            insert(ingress_samples), [ingress_row("bench", s, received_ms=now) for s in samples]
        )


async def measure(n: int, minute_days: int, requests: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="lookout-bench-slo-") as d:
        path = Path(d)
        store = await Store.open(f"sqlite+aiosqlite:///{path / 'lookout.db'}")
        try:
            (path / "slos.yaml").write_text(_definitions(n))
            now = int(time.time() * 1000)
            svc = SloService(store, SloSettings(), path / "slos.yaml", clock_ms=lambda: now)
            await svc.start()
            await svc.evaluate()  # the first pass: every SLO rebuilt (no samples yet)
            rows = await _fill(store, n, now, minute_days)

            t0 = time.perf_counter()
            month = time.strftime("%Y-%m", time.gmtime(now / 1000))
            for slo in svc.config.slos:
                await svc.report(slo, month)
            report_s = time.perf_counter() - t0

            c0 = time.process_time()
            await svc._statuses(svc.config.slos, now)
            eval_cpu = time.process_time() - c0

            await _new_minute(store, n, now)
            c0 = time.process_time()
            await svc.evaluate()
            pass_cpu = time.process_time() - c0

            state = GatewayState(
                hub=DataHub(reconnecting_after_s=5, offline_after_s=30),
                api_token=TOKEN,
                store=store,
                slos=svc,
            )
            app = create_app(state=state)
            state.ready.set()
            transport = httpx.ASGITransport(app=app)
            headers = {"Authorization": f"Bearer {TOKEN}"}
            times = []
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                for _ in range(requests):
                    t0 = time.perf_counter()
                    r = await http.get("/api/v1/slos", headers=headers)
                    times.append(time.perf_counter() - t0)
                    if r.status_code != 200 or len(r.json()["items"]) != n:
                        raise RuntimeError(f"GET /slos answered {r.status_code}: {r.text[:200]}")
            return {
                "rows": rows,
                "report_s": report_s,
                "list_s": statistics.median(times),
                "eval_share": eval_cpu / PERIOD_S,
                "pass_share": pass_cpu / PERIOD_S,
            }
        finally:
            await store.close()


QUICK = ["--slos", "50", "--requests", "5"]


def run(argv: list[str]) -> list[Figure]:
    ap = argparse.ArgumentParser(prog="bench slo")
    ap.add_argument("--slos", type=int, default=500)
    ap.add_argument("--minute-days", type=int, default=1, help="days of minute rows per SLO")
    ap.add_argument("--requests", type=int, default=20, help="GET /slos requests timed")
    args = ap.parse_args(argv)
    f = asyncio.run(measure(args.slos, args.minute_days, args.requests))
    table = Table(
        f"slo: {args.slos} SLOs, 30 days of hours and days, {args.minute_days} day(s) of "
        f"minutes ({f['rows']:,.0f} count rows, SQLite)"
    )
    table.judge("slo.monthly_report", "monthly report, every SLO", f["report_s"] * 1000)
    table.judge("slo.list", "GET /slos (with sparklines), median", f["list_s"] * 1000)
    table.judge(
        "slo.burn_rate_eval",
        "burn evaluation every 30 s, CPU",
        f["eval_share"] * 100,
        note="window sums + status + rules",
    )
    table.judge(
        "slo.pass_with_refresh",
        "whole pass with 1 min of new samples",
        f["pass_share"] * 100,
        note="refresh of every SLO's minute + evaluation",
    )
    print(busy_warning() + table.render(), end="")
    return table.figures


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    raise SystemExit(main())
