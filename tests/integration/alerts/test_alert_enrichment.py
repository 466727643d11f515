"""Enrichment end to end: kubesim's crash-looping Deployments are found by the real agent, the
master's alert is delivered to a local webhook, and the notification carries the last log
lines of the pod's previous container, fetched through the command path (a ``pod_logs``
command by actor ``alerts``, run by the agent against kubesim's ``pods/log``).

Peers: kubesim and ``python -m agent`` as subprocesses, the master in-process (real gRPC, HTTP
and SQLite), the webhook receiver on a real socket in this loop."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.harness import (
    API_TOKEN,
    add_cluster,
    agent_process_env,
    eventually,
    master_settings,
    running_master,
)
from tests.integration.notify.peers import Receiver
from tests.integration.simulated import kubesim

LOGS_OF_CHECKOUT = "Last log lines of lookout-demo/checkout-"
LOGS_OF_CACHE = "Last log lines of lookout-demo/cache-"
CONFIG = """\
route:
  receiver: hook
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: hook
    webhook_configs:
      - url: {url}
"""


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Iterator[Path]:
    with kubesim(tmp_path / "sim") as path:
        yield path


@pytest.fixture
async def peer() -> AsyncIterator[Receiver]:
    p = Receiver()
    await p.start()
    yield p
    await p.stop()


def _enriched(bodies: list[Any]) -> list[dict[str, Any]]:
    return [
        a
        for b in bodies
        if b.get("status") == "firing"
        for a in b.get("attachments", [])
        # kubesim's crash-looping and OOM-killed Deployments
        if a["title"].startswith((LOGS_OF_CHECKOUT, LOGS_OF_CACHE))
    ]


async def test_a_crash_looping_pod_s_notification_carries_its_last_log_lines(
    tmp_path: Path, kubeconfig: Path, peer: Receiver
) -> None:
    config = tmp_path / "alerting.yaml"
    config.write_text(CONFIG.format(url=peer.url("/hook")))
    settings = master_settings(tmp_path / "m", alerts={"config_file": config})
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        env = agent_process_env(
            "edge",
            token,
            m.address,
            kubeconfig=kubeconfig,
            spool=tmp_path / "spool" / "spool.bin",
        )
        agent = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "agent", env=env, stderr=subprocess.DEVNULL
        )
        try:
            await eventually(
                lambda: bool(_enriched([r.json() for r in peer.received])),
                timeout=90,
                what="an enriched crash-loop notification",
            )
            http_port = m.master.http_port
            async with httpx.AsyncClient(
                base_url=f"http://127.0.0.1:{http_port}",
                headers={"Authorization": f"Bearer {API_TOKEN}"},
            ) as http:
                r = await http.get("/api/v1/commands", params={"cluster": "edge"})
        finally:
            agent.terminate()
            await agent.wait()
    attachment = _enriched([r.json() for r in peer.received])[0]
    # Beside the logs, the pod's recent events from the master's mirror: kubesim's kubelet
    # records an aggregated BackOff Warning on each crash, as the real one does.
    events = [
        a
        for b in peer.received
        if b.json().get("status") == "firing"
        for a in b.json().get("attachments", [])
        if a["kind"] == "events"
    ]
    assert events, "no events attachment"
    assert "Warning  BackOff" in events[0]["text"]
    assert "Back-off restarting failed container main" in events[0]["text"]
    assert attachment["kind"] == "logs"
    assert attachment["title"].endswith("(main, previous)")  # the finding's container
    lines = attachment["text"].splitlines()
    assert 1 <= len(lines) <= 20
    assert "FATAL" in lines[-1] and "panic" in lines[-1]  # the line before the crash
    # The fetch is a command like any other: stored, audited, by the alerts actor.
    assert r.status_code == 200, r.text
    logs = [c for c in r.json()["items"] if c["type"] == "pod_logs"]
    assert logs and all(c["requested_by"] == "alerts" for c in logs)
    assert any(c["state"] == "succeeded" for c in logs)
