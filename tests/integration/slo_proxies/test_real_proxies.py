"""Real traffic through real HAProxy and Caddy, scraped from their real ``/metrics`` by the
agent's scraper, run through the deltas and the journal records, then stored as the journal
stores them and counted by the master's SLO service over a real store: the SLI equals the known
counts exactly, latency shares sit where the chosen delays put them."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import insert

from agent.ingress_metrics.records import to_samples
from agent.ingress_metrics.scraper import Scraper, TargetConfig
from master.slo.budget import budget
from master.slo.counts import Series
from master.slo.definitions import SliType, Slo
from master.slo.intake import minute_counts
from master.slo.latency import quantile, share_under
from master.slo_service.service import SloService
from master.slo_service.settings import SloSettings
from master.slo_service.status import SloStatus
from master.store import Store
from master.store.repositories.conversions import ingress_row
from master.store.schema.tables import ingress_samples
from shared.domain.ingress import IngressSample
from tests.integration.slo_proxies.conftest import free_port, start, stop, wait_listening

REQUESTS, ERRORS, SLOW = 1000, 20, 50
SLOW_DELAY_S = 0.3


def _plan() -> list[str]:
    """1,000 requests: 20 answered 500, 50 delayed 0.3 s, the rest fast 200s, interleaved."""
    out = []
    for i in range(REQUESTS):
        if i % 50 == 7:
            out.append("?status=500")
        elif i % 20 == 3:
            out.append(f"?delay={SLOW_DELAY_S}")
        else:
            out.append("?status=200")
    assert sum("500" in p for p in out) == ERRORS and sum("delay" in p for p in out) == SLOW
    return out


async def _load(port: int) -> None:
    sem = asyncio.Semaphore(20)
    async with aiohttp.ClientSession() as session:

        async def one(q: str) -> None:
            async with sem, session.get(f"http://127.0.0.1:{port}/x{q}") as r:
                await r.read()

        await asyncio.gather(*(one(q) for q in _plan()))


class _Ticks:
    """The scraper's clock: one interval per scrape, so no gap is invented by a slow test."""

    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        return self.now


async def _scrape_around_traffic(target: TargetConfig, port: int) -> list:  # type: ignore[type-arg]
    clock = _Ticks()
    async with aiohttp.ClientSession() as session:
        scraper = Scraper([target], session=session, clock=clock)
        baseline, events = await scraper.scrape_once()
        assert baseline == [] and events == []
        await _load(port)
        clock.now = 15_000
        deltas, events = await scraper.scrape_once()
        assert events == []
    return to_samples(deltas)


async def _through_the_master(
    tmp_path: Path, definitions: str, samples: list[IngressSample]
) -> dict[str, SloStatus]:
    """The samples stored as the journal stores them, then one pass of the master's SLO
    service over a real SQLite store: what the API and the alerts would see."""
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}")
    try:
        rows = [ingress_row("local", x, received_ms=60_000) for x in samples]
        async with store.engine.begin() as conn:
            await conn.execute(insert(ingress_samples), rows)
        (tmp_path / "slos.yaml").write_text(definitions)
        svc = SloService(store, SloSettings(), tmp_path / "slos.yaml", clock_ms=lambda: 60_000)
        await svc.start()
        await svc.evaluate()
        return svc.statuses
    finally:
        await store.close()


async def test_haproxy_prometheus_exporter_gives_the_exact_availability_sli(
    tmp_path: Path, haproxy_bin: str, backend: int
) -> None:
    port, metrics = free_port(), free_port()
    cfg = tmp_path / "haproxy.cfg"
    cfg.write_text(
        f"""
global
    maxconn 256
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend stats
    bind 127.0.0.1:{metrics}
    http-request use-service prometheus-exporter if {{ path /metrics }}
frontend web
    bind 127.0.0.1:{port}
    default_backend app
backend app
    server s1 127.0.0.1:{backend}
"""
    )
    proc = start([haproxy_bin, "-db", "-f", str(cfg)], log=tmp_path / "haproxy.log")
    try:
        await wait_listening(port, proc)
        await wait_listening(metrics, proc)
        target = TargetConfig("lb/haproxy-0", f"http://127.0.0.1:{metrics}/metrics", "haproxy")
        samples = await _scrape_around_traffic(target, port)
    finally:
        stop(proc)
    [s] = [s for s in samples if s.service == "app"]
    assert (s.requests, s.errors) == (REQUESTS, ERRORS)
    slo = Slo("app-availability", "local", "app", 0.99)
    totals = Series(minute_counts(slo, samples)).sum(0, 60_000)
    assert (totals.good, totals.total) == (REQUESTS - ERRORS, REQUESTS)
    b = budget(totals, objective=0.99, window_ms=30 * 86_400_000)
    assert b.sli == 0.98
    assert b.consumed == pytest.approx(2.0)  # 20 bad of 10 allowed
    definitions = "slos:\n  - {name: app, cluster: local, service: app, objective: 99}\n"
    status = (await _through_the_master(tmp_path, definitions, samples))["app"]
    assert (status.totals.good, status.totals.total) == (REQUESTS - ERRORS, REQUESTS)
    assert status.budget.sli == 0.98 and status.budget.consumed == pytest.approx(2.0)


async def test_caddy_metrics_through_the_generic_source_give_sli_and_latency(
    tmp_path: Path, caddy_bin: str, backend: int
) -> None:
    port, admin = free_port(), free_port()
    # Caddy 2.6 records HTTP metrics only when the servers' ``metrics`` option is on (found
    # against the real binary: without it /metrics has no caddy_http_* series at all) and
    # serves them on its admin endpoint.
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(
        f"""{{
    admin 127.0.0.1:{admin}
    auto_https off
    servers {{
        metrics
    }}
}}
http://127.0.0.1:{port} {{
    reverse_proxy 127.0.0.1:{backend}
}}
"""
    )
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
    }
    cmd = [caddy_bin, "run", "--config", str(caddyfile), "--adapter", "caddyfile"]
    proc = start(cmd, log=tmp_path / "caddy.log", env=env)
    try:
        await wait_listening(port, proc)
        await wait_listening(admin, proc)
        target = TargetConfig("edge/caddy-0", f"http://127.0.0.1:{admin}/metrics", "caddy")
        samples = await _scrape_around_traffic(target, port)
    finally:
        stop(proc)
    # a site block compiles to a subroute; Caddy labels the outermost handler
    [s] = samples
    assert (s.service, s.ingress) == ("srv0", "subroute")
    assert (s.requests, s.errors) == (REQUESTS, ERRORS)
    avail = Slo("edge", "local", s.service, 0.99, route="subroute")
    totals = Series(minute_counts(avail, samples)).sum(0, 60_000)
    assert (totals.good, totals.total) == (REQUESTS - ERRORS, REQUESTS)

    buckets = {b / 1000: n for b, n in zip(s.latency_bounds_ms, s.latency_counts, strict=True)}
    # every slow request took at least 0.3 s, so at most the 950 others are under 0.25 s
    fast = share_under(buckets, 0.25)
    assert fast.total == REQUESTS and fast.good <= REQUESTS - SLOW
    assert fast.good >= REQUESTS - SLOW - 10  # loopback requests finish well under 0.25 s
    lat = Slo("edge-fast", "local", s.service, 0.9, sli=SliType.LATENCY, threshold_s=0.25)
    [c] = minute_counts(lat, samples)
    assert (c.good, c.total) == (fast.good, REQUESTS)
    p99 = quantile(buckets, 0.99)
    assert p99 is not None and p99.lower_s >= 0.25  # the slow 5 % own the 99th percentile
    definitions = (
        "slos:\n  - {name: fast, cluster: local, service: srv0, route: subroute,"
        " sli: latency, threshold: 250ms, objective: 90}\n"
    )
    status = (await _through_the_master(tmp_path, definitions, samples))["fast"]
    assert (status.totals.good, status.totals.total) == (fast.good, REQUESTS)
