"""The real agent (``agent.app.stream``: every part, composed as in production) on the real
control plane discovers an ingress-nginx controller pod by its labels, scrapes its exposition
and its samples reach a real master: a missed scrape arrives as a gap with nothing lost (and an
``IngressMetricsUnavailable`` finding on the pod that resolves), a counter reset as a reset
with no negative or doubled count.

The controller is a local HTTP server serving ingress-nginx exposition. The pod that stands
for it runs with ``hostNetwork`` on a kwok node whose InternalIP is 127.0.0.1 (``--node-ip``
in kwok_setup), so its podIP is loopback: discovery builds the URL from the pod as it would
for a hostNetwork ingress-nginx DaemonSet, and the scrape reaches the local server through it
-- no URL is configured, the agent finds the target itself."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from kubernetes import client, config

from agent.settings import AgentSettings
from shared.domain.ingress import IngressSample
from shared.domain.journal import IngressBatch, JournalRecord
from tests.harness import add_cluster, agent_settings, eventually, master_settings, running_master
from tests.k8s.controlplane import ControlPlane
from tests.k8s.realagent import real_agent

pytestmark = pytest.mark.k8s

EXPO = """\
# HELP nginx_ingress_controller_requests The total number of client requests
# TYPE nginx_ingress_controller_requests counter
nginx_ingress_controller_requests{{ingress="web",namespace="shop",service="web",status="200",host="shop.test",path="/"}} {ok}
nginx_ingress_controller_requests{{ingress="web",namespace="shop",service="web",status="503",host="shop.test",path="/"}} {bad}
# TYPE nginx_ingress_controller_request_duration_seconds histogram
nginx_ingress_controller_request_duration_seconds_bucket{{ingress="web",namespace="shop",service="web",status="200",host="shop.test",path="/",le="0.25"}} {fast}
nginx_ingress_controller_request_duration_seconds_bucket{{ingress="web",namespace="shop",service="web",status="200",host="shop.test",path="/",le="+Inf"}} {ok}
nginx_ingress_controller_request_duration_seconds_count{{ingress="web",namespace="shop",service="web",status="200",host="shop.test",path="/"}} {ok}
nginx_ingress_controller_request_duration_seconds_sum{{ingress="web",namespace="shop",service="web",status="200",host="shop.test",path="/"}} 1
"""  # noqa: E501


class Controller:
    """What the controller's counters hold; ``up`` False answers 503 (a missed scrape)."""

    def __init__(self) -> None:
        self.ok = self.bad = self.fast = 0
        self.up = True
        self.served = self.refused = 0

    async def handle(self, _: web.Request) -> web.Response:
        if not self.up:
            self.refused += 1
            return web.Response(status=503)
        self.served += 1
        return web.Response(text=EXPO.format(ok=self.ok, bad=self.bad, fast=self.fast))


@asynccontextmanager
async def serving(c: Controller) -> AsyncIterator[int]:
    app = web.Application()
    app.router.add_get("/metrics", c.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    finally:
        await runner.cleanup()


@pytest.fixture
def core_api(k8s_cluster: ControlPlane) -> Iterator[client.CoreV1Api]:
    api = config.new_client_from_config(str(k8s_cluster.admin_kubeconfig))
    yield client.CoreV1Api(api)
    api.close()


def _controller_pod(ns: str) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": "ingress-nginx", "lookout.test/slo": ns}
    return {
        "metadata": {"name": "ingress-nginx-controller", "labels": labels},
        "spec": {
            "hostNetwork": True,
            "containers": [{"name": "controller", "image": "registry.local/ingress-nginx:1"}],
        },
    }


async def _pod_ip(api: client.CoreV1Api, ns: str) -> str:
    async with asyncio.timeout(120):
        while True:
            pod = await asyncio.to_thread(api.read_namespaced_pod, "ingress-nginx-controller", ns)
            if pod.status.phase == "Running" and pod.status.pod_ip:
                return str(pod.status.pod_ip)
            await asyncio.sleep(0.2)


def _agent_settings(ns: str, token: str, address: str, port: int) -> AgentSettings:
    return agent_settings(
        "edge",
        token,
        address,
        intake={"listen": "127.0.0.1:0"},
        sources={"namespaces_include": [ns]},
        ingress_metrics={
            "enabled": True,
            "interval_s": 1.0,
            "timeout_s": 2.0,
            # ingress-nginx's own labels plus one naming this test's pod, so another test's
            # controller pod in the shared cluster is never scraped here.
            "selectors": [
                {
                    "source": "ingress-nginx",
                    "labels": {"app.kubernetes.io/name": "ingress-nginx", "lookout.test/slo": ns},
                    "port": port,
                }
            ],
        },
    )


async def test_discovered_controller_feeds_the_master_through_a_gap_and_a_reset(
    tmp_path: Path, k8s_cluster: ControlPlane, k8s_namespace: str, core_api: client.CoreV1Api
) -> None:
    ns = k8s_namespace
    await asyncio.to_thread(core_api.create_namespaced_pod, ns, _controller_pod(ns))
    assert await _pod_ip(core_api, ns) == "127.0.0.1"  # the honest route to the local server
    ctl = Controller()
    samples: list[IngressSample] = []

    async def collect(cluster: str, records: list[JournalRecord]) -> None:
        for r in records:
            if cluster == "edge" and isinstance(r.body, IngressBatch):
                samples.extend(r.body.samples)

    def total() -> tuple[int, int]:
        return sum(s.requests for s in samples), sum(s.errors for s in samples)

    m_settings = master_settings(tmp_path / "m")
    token = await add_cluster(m_settings, "edge")
    async with serving(ctl) as port, running_master(m_settings) as m:
        m.master.processor.subscribe(collect)
        async with real_agent(k8s_cluster, _agent_settings(ns, token, m.address, port)):
            await eventually(lambda: ctl.served >= 1, 60, "the baseline scrape")
            ctl.ok, ctl.bad, ctl.fast = 100, 5, 90
            await eventually(lambda: total() == (105, 5), 60, "the first interval's deltas")
            assert {(s.service, s.ingress, s.host, s.target) for s in samples} == {
                ("web", "web", "", f"{ns}/ingress-nginx-controller")
            }
            assert not any(s.gap or s.reset for s in samples)

            # A missed scrape: the controller refuses once, then counts on.
            ctl.up = False
            refused = ctl.refused
            await eventually(lambda: ctl.refused > refused, 60, "a refused scrape")
            state = m.master.hub.cluster("edge")
            assert state is not None

            def unavailable(resolved: bool) -> bool:
                return any(
                    f.reason == "IngressMetricsUnavailable"
                    and f.subject.name == "ingress-nginx-controller"
                    and f.resolved is resolved
                    for f in state.findings.values()
                )

            await eventually(lambda: unavailable(False), 60, "IngressMetricsUnavailable")
            ctl.ok, ctl.bad, ctl.fast = 130, 9, 110
            ctl.up = True
            await eventually(lambda: any(s.gap for s in samples), 60, "a gap sample")
            [gap] = [s for s in samples if s.gap]
            assert (gap.requests, gap.errors) == (34, 4)  # the whole outage, nothing lost
            assert gap.window_end_ms - gap.window_start_ms > 1500
            await eventually(lambda: not unavailable(False), 60, "the finding resolved")

            # The controller restarts: its counters start again from zero.
            ctl.ok, ctl.bad, ctl.fast = 7, 1, 7
            await eventually(lambda: any(s.reset for s in samples), 60, "a reset sample")
            [reset] = [s for s in samples if s.reset]
            assert (reset.requests, reset.errors) == (8, 1)  # the new counts, not 8 - 139
            assert reset.latency_counts == (7, 7)  # the 503s carry no buckets
            assert total() == (105 + 34 + 8, 5 + 4 + 1)
            # The master holds them in the route's ring, in the order they arrived.
            [ring] = state.ingress.values()
            assert [s.requests for s in ring] == [s.requests for s in samples]
