"""The master's and the agent's own /metrics, scraped over HTTP from running processes: each on
its own port (never the API's), labels bounded (route templates, not raw paths), scrape-time
gauges that follow the real state, and text that promtool accepts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from agent.telemetry.metrics import AgentMetrics
from agent.telemetry.serving import serving
from shared.clock import now_ms
from shared.domain.journal import FindingBatch
from tests.harness import (
    API_TOKEN,
    add_cluster,
    agent_settings,
    eventually,
    master_settings,
    running_agent,
    running_master,
)
from tests.integration.telemetry.promtool import lint, promtool

__all__ = ["promtool"]  # the fixture, used by name

AUTH = {"Authorization": f"Bearer {API_TOKEN}"}


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(text: str, name: str, **labels: str) -> float | None:
    return samples(text).get((name, frozenset(labels.items())))


async def test_master_metrics_count_requests_by_template_follow_agents_and_pass_promtool(
    tmp_path: Path, promtool: Path
) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        port = m.master.metrics_port
        assert port is not None and port != m.master.http_port
        api = f"http://127.0.0.1:{m.master.http_port}"
        scrape = f"http://127.0.0.1:{port}/metrics"
        async with httpx.AsyncClient() as http:
            text = (await http.get(scrape)).text
            assert value(text, "lookout_agents", status="offline") == 1
            assert value(text, "lookout_agents", status="connected") == 0

            async with running_agent(agent_settings("edge", token, m.address)):
                await eventually(lambda: bool(m.master.hub.clusters()), what="hub")

                async def connected() -> float | None:
                    return value(
                        (await http.get(scrape)).text, "lookout_agents", status="connected"
                    )

                for _ in range(100):
                    if await connected() == 1:
                        break
                    await asyncio.sleep(0.1)
                assert await connected() == 1

                for name in ("edge", "nope", "edge"):
                    await http.get(f"{api}/api/v1/clusters/{name}", headers=AUTH)
                await http.get(f"{api}/api/v1/clusters")  # no token: 401
                await http.get(f"{api}/no/such/path/{'x' * 40}")
                # The API port does not serve the metrics.
                assert (await http.get(f"{api}/metrics")).status_code == 404

                text = (await http.get(scrape)).text
        route = "/api/v1/clusters/{name}"
        counted = value(
            text, "lookout_http_requests_total", route=route, method="GET", status="200"
        )
        assert counted == 2
        assert (
            value(text, "lookout_http_requests_total", route=route, method="GET", status="404") == 1
        )
        assert (
            value(
                text,
                "lookout_http_requests_total",
                route="/api/v1/clusters",
                method="GET",
                status="401",
            )
            == 1
        )
        routes = {dict(labels).get("route") for (name, labels) in samples(text) if "http" in name}
        assert "other" in routes
        assert not any(r and "x" * 40 in r for r in routes), "a raw path became a label"
        assert value(text, "lookout_store_queue_depth") is not None
        assert lint(promtool, text) == ""


async def test_master_journal_metrics_count_what_was_applied(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        async with running_agent(agent_settings("edge", token, m.address)) as a:
            a.core.outbox.put(FindingBatch(findings=()), now_ms())
            a.core.wake.set()
            await eventually(lambda: bool(m.handled), what="a record applied")
        metrics = m.master.metrics.registry
        got = metrics.get_sample_value(
            "lookout_journal_records_total", {"cluster": "edge", "kind": "findings"}
        )
        assert got is not None and got >= 1
        assert metrics.get_sample_value("lookout_journal_lag_seconds_count", {"cluster": "edge"})


async def test_agent_serves_its_metrics_on_its_own_port_and_promtool_accepts_them(
    tmp_path: Path, promtool: Path
) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with (
        running_master(settings) as m,
        running_agent(agent_settings("edge", token, m.address)) as a,
        serving(a.core.metrics, "127.0.0.1:0") as port,
    ):
        assert port is not None
        await eventually(lambda: a.core.uplink.is_connected, what="uplink")
        if True:
            async with httpx.AsyncClient() as http:
                text = (await http.get(f"http://127.0.0.1:{port}/metrics")).text
        assert value(text, "lookout_agent_uplink_state", state="connected") == 1
        assert value(text, "lookout_agent_uplink_state", state="disconnected") == 0
        assert value(text, "lookout_agent_outbox_depth") is not None
        assert lint(promtool, text) == ""


async def test_an_empty_listen_address_serves_nothing() -> None:
    async with serving(AgentMetrics(), "") as port:
        assert port is None
