"""The agent's ingress scrape: three controllers (ingress-nginx, Traefik, Envoy) with about
``--series`` sample lines each, served over real HTTP on loopback and scraped by the agent's
real ``Scraper`` (parse with ``prometheus_client``, deltas, counter resets) every interval,
turned into journal samples and encoded as on the wire.

The expositions are the documented fixtures (tests/fixtures/ingress/*.prom) replicated over
as many services as it takes, their counters advancing every round so every series has a
delta to compute. Figures: process CPU per round -> millicores at a 15 s interval (target,
issue 18: <= 5 millicores added), and the bytes of the samples' protobuf per interval.

    .venv/bin/python -m bench ingress_scrape -- --series 2000 --rounds 20
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import re
import sys
import time
from pathlib import Path

import aiohttp
from aiohttp import web

from agent.ingress_metrics.records import to_samples
from agent.ingress_metrics.scraper import Scraper, TargetConfig
from bench.common import Table, busy_warning
from bench.results import Figure, exit_code
from shared.pb.lookout.v1 import ingress_pb2
from shared.wire.journal import ingress_to_pb

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "ingress"
SOURCES = {"ingress-nginx": "ingress-nginx.prom", "traefik": "traefik.prom", "envoy": "envoy.prom"}
INTERVAL_S = 15.0
_ROUTE = re.compile(r'\b(service|ingress|envoy_cluster_name)="([^"]*)"')
_VALUE = re.compile(r"^(?P<head>\S+(?:\{[^}]*\})?) (?P<value>\S+)$")


def replicate(text: str, lines_wanted: int) -> list[tuple[str, float]]:
    """(series head, base value) for ~``lines_wanted`` sample lines: the fixture's samples
    for service 0, 1, 2, ... (route labels suffixed), so each copy is a route of its own."""
    samples = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    out: list[tuple[str, float]] = []
    i = 0
    while len(out) < lines_wanted:
        for ln in samples:
            m = _VALUE.match(ln)
            if m is None:
                continue
            head = _ROUTE.sub(lambda g, i=i: f'{g.group(1)}="{g.group(2)}-{i}"', m.group("head"))
            out.append((head, float(m.group("value"))))
        i += 1
    return out


def exposition(series: list[tuple[str, float]], round_no: int) -> str:
    # Every counter (and histogram bucket) grows by its base value each round: monotonic,
    # cumulative buckets stay cumulative, and every route has traffic to delta.
    return "\n".join(f"{head} {base * (round_no + 1):g}" for head, base in series) + "\n"


def _serve(data: dict[str, list[tuple[str, float]]], ports: multiprocessing.Queue[int]) -> None:
    """The controllers, in a child process so the agent's CPU is measured alone."""

    async def metrics(request: web.Request) -> web.Response:
        src = request.match_info["source"]
        return web.Response(text=exposition(data[src], int(request.query.get("round", "0"))))

    async def serve() -> None:
        app = web.Application()
        app.router.add_get("/{source}/metrics", metrics)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        ports.put(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
        await asyncio.Event().wait()

    asyncio.run(serve())


async def measure(series_per: int, rounds: int) -> tuple[float, float, int, int]:
    """(CPU seconds per round, bytes per round, samples per round, lines per round)."""
    data = {src: replicate((FIXTURES / f).read_text(), series_per) for src, f in SOURCES.items()}
    ports: multiprocessing.Queue[int] = multiprocessing.Queue()
    server = multiprocessing.Process(target=_serve, args=(data, ports), daemon=True)
    server.start()
    port = ports.get(timeout=30)
    clock = {"ms": 0}
    try:
        async with aiohttp.ClientSession() as session:

            def targets(r: int) -> list[TargetConfig]:
                base = f"http://127.0.0.1:{port}"
                return [TargetConfig(s, f"{base}/{s}/metrics?round={r}", s) for s in SOURCES]

            scraper = Scraper(targets(0), session=session, clock=lambda: clock["ms"])
            await scraper.scrape_once()  # baselines
            cpu = 0.0
            wire = samples = 0
            for r in range(1, rounds + 1):
                # The round travels in the URL; set_targets would treat a new URL as a new
                # target (fresh baseline), so only the URLs the fetch reads are swapped.
                scraper._targets = tuple(targets(r))
                clock["ms"] = r * int(INTERVAL_S * 1000)
                t0 = time.process_time()
                deltas, _ = await scraper.scrape_once()
                batch = ingress_pb2.IngressSampleBatch(
                    samples=[ingress_to_pb(s) for s in to_samples(deltas)]
                )
                cpu += time.process_time() - t0
                wire += batch.ByteSize()
                samples += len(batch.samples)
    finally:
        server.terminate()
        server.join(5)
    lines = sum(len(v) for v in data.values())
    return cpu / rounds, wire / rounds, samples // rounds, lines


QUICK = ["--series", "500", "--rounds", "3"]


def run(argv: list[str]) -> list[Figure]:
    ap = argparse.ArgumentParser(prog="bench ingress_scrape")
    ap.add_argument("--series", type=int, default=2000, help="sample lines per controller")
    ap.add_argument("--rounds", type=int, default=20)
    args = ap.parse_args(argv)
    cpu_s, wire, samples, lines = asyncio.run(measure(args.series, args.rounds))
    table = Table(f"ingress scrape: 3 controllers, {lines:,} sample lines per round in all")
    table.add("agent CPU per 15 s round", f"{cpu_s * 1000:.0f} ms", note="parse + deltas + encode")
    table.judge("ingress_scrape.agent_cpu", "agent CPU added", cpu_s / INTERVAL_S * 1000)
    table.judge(
        "ingress_scrape.wire_per_interval",
        "on the wire per interval",
        wire / 1024,
        note=f"{samples:,} samples (IngressSampleBatch protobuf)",
    )
    print(busy_warning() + table.render(), end="")
    return table.figures


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    raise SystemExit(main())
