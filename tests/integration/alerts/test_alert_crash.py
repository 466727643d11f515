"""The master SIGKILLed between an alert transition and its delivery: the outbox row was
committed with the transition, so after a restart the notification goes out exactly once (one
idempotency key, one request), and the alert is still firing — not forgotten, not re-decided.

The master runs as a real process (its entry point and environment); the agent and the
webhook receiver run in this test's loop, on real sockets."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import httpx

from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch
from shared.domain.refs import ObjectRef
from tests.harness import API_TOKEN, agent_settings, eventually, running_agent
from tests.integration.notify.peers import Receiver

ROOT = Path(__file__).resolve().parents[3]
# ``python -m master`` from this checkout (the installed entry point may be another tree's).
MASTER = [sys.executable, "-m", "master"]
ADMIN = {"Authorization": f"Bearer {API_TOKEN}"}
CONFIG = """\
route:
  receiver: hook
  group_wait: 0s
  group_interval: 1s
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:{port}/hook
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _env(tmp: Path, hook_port: int) -> dict[str, str]:
    config = tmp / "alerting.yaml"
    config.write_text(CONFIG.format(port=hook_port))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTER_", "AGENT_"))}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(
        MASTER_DATA_DIR=str(tmp / "data"),
        MASTER_GRPC_PLAINTEXT="true",
        MASTER_API_TOKEN=API_TOKEN,
        MASTER_GRPC_LISTEN=f"127.0.0.1:{_free_port()}",
        MASTER_HTTP_LISTEN=f"127.0.0.1:{_free_port()}",
        MASTER_METRICS_LISTEN="",
        MASTER_ALERTS__CONFIG_FILE=str(config),
        MASTER_ALERTS__RETRY_BASE_S="0.05",
        MASTER_ALERTS__RETRY_CAP_S="0.2",
    )
    return env


async def _master(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *MASTER, env=env, cwd=ROOT, stderr=asyncio.subprocess.DEVNULL
    )


async def _get(http: httpx.AsyncClient, path: str) -> Any:
    async with asyncio.timeout(60):
        while True:
            try:
                r = await http.get(path)
                if r.status_code == 200:
                    return r.json()
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)


async def test_a_notification_committed_before_a_sigkill_is_delivered_once_after_restart(
    tmp_path: Path,
) -> None:
    hook_port = _free_port()
    env = _env(tmp_path, hook_port)
    add = await asyncio.create_subprocess_exec(
        *MASTER, "cluster", "add", "edge",
        env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    token = (await add.communicate())[0].decode().strip()
    base = f"http://{env['MASTER_HTTP_LISTEN']}"
    finding = Finding(
        fingerprint="fp-web-0",
        reason="CrashLoopBackOff",
        severity=Severity.CRITICAL,
        category="pod",
        subject=ObjectRef("Pod", "shop", "web-0"),
        message="back-off",
        first_seen_ms=1,
        last_seen_ms=1,
    )
    master = await _master(env)
    try:
        async with httpx.AsyncClient(base_url=base, headers=ADMIN) as http:
            await _get(http, "/readyz")
            cfg = agent_settings("edge", token, env["MASTER_GRPC_LISTEN"])
            async with running_agent(cfg) as agent:
                agent.core.outbox.put(FindingBatch((finding,)), now_ms=1)
                async with asyncio.timeout(60):
                    while True:  # the row is in the outbox and its first attempt failed
                        items = (await _get(http, "/api/v1/notifications"))["items"]
                        if items and items[0]["attempts"] >= 1:
                            break
                        await asyncio.sleep(0.05)
                master.send_signal(signal.SIGKILL)
                await master.wait()
        [row] = items
        assert row["state"] in ("pending", "leased")
        peer = Receiver()
        peer.port = hook_port
        await peer.start()
        try:
            master = await _master(env)
            async with httpx.AsyncClient(base_url=base, headers=ADMIN) as http:
                await _get(http, "/readyz")
                await eventually(lambda: len(peer.received) >= 1, what="delivery after restart")
                alerts = (await _get(http, "/api/v1/alerts"))["items"]
                assert [a["status"] for a in alerts] == ["firing"]

                async def sent() -> list[Any]:
                    return list((await _get(http, "/api/v1/notifications"))["items"])

                async with asyncio.timeout(30):
                    while (rows := await sent())[0]["state"] != "sent":  # noqa: ASYNC110
                        await asyncio.sleep(0.05)
                assert [r["idempotency_key"] for r in rows] == [row["idempotency_key"]]
                keys = [r.headers["X-Lookout-Idempotency-Key"] for r in peer.received]
                assert keys == [row["idempotency_key"]]
        finally:
            await peer.stop()
    finally:
        if master.returncode is None:
            master.send_signal(signal.SIGTERM)
            await master.wait()
