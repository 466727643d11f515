"""The scraper shell against a local HTTP server: a failing target is reported once, retried
on a backoff (not every round), reported back once, and its outage shows up as a gap without
losing requests. The clock is a plain integer the test moves."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web

from agent.ingress_metrics.discovery import discover
from agent.ingress_metrics.findings import unavailable_finding
from agent.ingress_metrics.scraper import REASON, Scraper, TargetConfig, Unavailable
from shared.domain.refs import ObjectRef
from shared.retry import Backoff

EXPO = (
    "# TYPE haproxy_backend_http_responses_total counter\n"
    'haproxy_backend_http_responses_total{{proxy="app",code="2xx"}} {ok}\n'
    'haproxy_backend_http_responses_total{{proxy="app",code="5xx"}} {bad}\n'
)


class Target:
    def __init__(self) -> None:
        self.ok, self.bad, self.up, self.hits = 0, 0, True, 0

    async def handle(self, _: web.Request) -> web.Response:
        self.hits += 1
        if not self.up:
            return web.Response(status=503)
        return web.Response(text=EXPO.format(ok=self.ok, bad=self.bad))


@pytest.fixture
async def served() -> AsyncIterator[tuple[Target, str]]:
    t = Target()
    app = web.Application()
    app.router.add_get("/metrics", t.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield t, f"http://127.0.0.1:{port}/metrics"
    finally:
        await runner.cleanup()


class Clock:
    def __init__(self) -> None:
        self.now = 0

    def __call__(self) -> int:
        return self.now


async def test_failing_target_is_reported_once_backed_off_and_recovers_with_a_gap(
    served: tuple[Target, str],
) -> None:
    target, url = served
    clock = Clock()
    backoff = Backoff(initial_s=60.0, factor=2.0, max_s=600.0, jitter=0.0)
    async with aiohttp.ClientSession() as session:
        s = Scraper(
            [TargetConfig("lb/0", url, "haproxy")], session=session, clock=clock, backoff=backoff
        )
        assert await s.scrape_once() == ([], [])  # baseline
        target.up = False
        target.ok, target.bad = 30, 2
        clock.now = 15_000
        _, [down] = await s.scrape_once()
        assert (down.reason, down.target, down.resolved) == (REASON, "lb/0", False)
        hits = target.hits
        for t in (30_000, 45_000, 60_000):  # inside the 60 s backoff: not even fetched
            clock.now = t
            assert await s.scrape_once() == ([], [])
        assert target.hits == hits
        clock.now = 75_000  # due again, still down: retried, not reported again
        assert await s.scrape_once() == ([], [])
        assert target.hits == hits + 1
        target.up = True
        clock.now = 75_000 + 120_000
        [d], [up] = await s.scrape_once()
        assert up.resolved and (d.total, d.bad, d.gap) == (32, 2, True)


async def test_unparsable_exposition_counts_as_unavailable(served: tuple[Target, str]) -> None:
    _, url = served
    async with aiohttp.ClientSession() as session:
        s = Scraper(
            [TargetConfig("x", url.replace("/metrics", "/nope"), "haproxy")], session=session
        )
        _, [e] = await s.scrape_once()
        assert "404" in e.message


def test_discovery_finds_running_controller_pods_by_default_labels() -> None:
    pods = [
        {
            "metadata": {
                "namespace": "ingress",
                "name": "nginx-1",
                "labels": {"app.kubernetes.io/name": "ingress-nginx"},
            },
            "status": {"phase": "Running", "podIP": "10.0.0.5"},
        },
        {
            "metadata": {
                "namespace": "traefik",
                "name": "t-1",
                "labels": {"app.kubernetes.io/name": "traefik"},
            },
            "status": {"phase": "Pending", "podIP": "10.0.0.6"},
        },
        {
            "metadata": {
                "namespace": "eg",
                "name": "envoy-1",
                "labels": {
                    "app.kubernetes.io/component": "proxy",
                    "app.kubernetes.io/managed-by": "envoy-gateway",
                },
            },
            "status": {"phase": "Running", "podIP": "fd00::7"},
        },
        {
            "metadata": {"namespace": "x", "name": "app", "labels": {}},
            "status": {"phase": "Running", "podIP": "10.0.0.9"},
        },
    ]
    assert [(t.name, t.source, t.url) for t in discover(pods)] == [
        ("eg/envoy-1", "envoy", "http://[fd00::7]:19001/stats/prometheus"),
        ("ingress/nginx-1", "ingress-nginx", "http://10.0.0.5:10254/metrics"),
    ]


async def test_rediscovery_keeps_a_staying_targets_baseline_and_forgets_a_gone_one(
    served: tuple[Target, str],
) -> None:
    target, url = served
    clock = Clock()
    async with aiohttp.ClientSession() as session:
        s = Scraper([TargetConfig("lb/0", url, "haproxy")], session=session, clock=clock)
        await s.scrape_once()  # baseline
        target.ok = 10
        s.set_targets([TargetConfig("lb/0", url, "haproxy"), TargetConfig("lb/1", url, "haproxy")])
        clock.now = 15_000
        [d], [] = await s.scrape_once()  # lb/0 keeps its baseline; lb/1 starts one
        assert (d.target, d.total) == ("lb/0", 10)
        assert s.set_targets([TargetConfig("lb/1", url, "haproxy")]) == []  # lb/0 was fine
        s.set_targets([TargetConfig("lb/0", url, "haproxy")])  # back: a new baseline, no doubling
        target.ok = 25
        clock.now = 30_000
        assert await s.scrape_once() == ([], [])


async def test_a_target_that_goes_away_while_failing_has_its_report_closed(
    served: tuple[Target, str],
) -> None:
    target, url = served
    clock = Clock()
    async with aiohttp.ClientSession() as session:
        s = Scraper([TargetConfig("lb/0", url, "haproxy")], session=session, clock=clock)
        target.up = False
        _, [down] = await s.scrape_once()
        assert not down.resolved
        clock.now = 5_000
        [closed] = s.set_targets([])
        assert (closed.target, closed.resolved, closed.at_ms) == ("lb/0", True, 5_000)
        assert s.set_targets([]) == []  # closed once


def test_an_unavailable_pod_target_is_a_finding_on_that_pod_and_a_url_one_on_the_agent() -> None:
    down = Unavailable(REASON, "ingress/nginx-1", "http://10.0.0.5:10254/metrics", "timeout", 7)
    f = unavailable_finding(down)
    assert (f.reason, f.subject, f.resolved) == (
        "IngressMetricsUnavailable",
        ObjectRef(kind="Pod", namespace="ingress", name="nginx-1"),
        False,
    )
    back = unavailable_finding(Unavailable(REASON, "edge-caddy", "http://h", "", 9, resolved=True))
    assert back.subject == ObjectRef(kind="Agent", name="ingress-metrics/edge-caddy")
    assert back.resolved and back.fingerprint != f.fingerprint
