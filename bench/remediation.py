"""Benchmark of a remediation's preview (issue 19, "Measure"): suggestion → preview, the
dry-run round trip an operator waits for — ``POST /api/v1/remediations/{id}/preview`` up to
its answer: the remediation read, the policy, the dry-run command through the bus to the agent
and kubesim and back, the impact check from the mirror, and the stored move to
``pending_approval`` with its audit entry.

    python -m bench remediation [-- --previews N]

Layout, as deployed: kubesim with the demo's workloads, ``python -m master`` and ``python -m
agent`` are processes of their own; this process is the operator's client. The suggestion is
a real one: the bench rolls out a new image of the crash-looping ``checkout`` Deployment, the
agent reports the crash loop, the master suggests rolling back; that remediation is then
previewed N times one after another (a repeated preview renews the approval request, so each
is the full round trip). Bounded: every wait has a timeout; loopback only; under a minute."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.commands_peers import API_TOKEN, MasterProcess, free_port, register_cluster
from bench.common import Table, busy_warning, fmt_ms, percentile
from bench.results import Figure, exit_code

CLUSTER = "bench"
NS = "lookout-demo"
PREVIEWS = 200  # so p99 is the 2nd-slowest, not the slowest
QUICK = ["--previews", "20"]


def _kubesim(out: Path) -> tuple[subprocess.Popen[bytes], Path]:
    log = (out / "kubesim.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "kubesim", "--pods", "0", "--nodes", "1", "--prefix", "bench",
         "--crash-interval", "2", "--out", str(out)],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    kubeconfig = out / "bench-0.kubeconfig"
    deadline = time.monotonic() + 60
    while not kubeconfig.exists():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"kubesim did not start (see {out / 'kubesim.log'})")
        time.sleep(0.1)
    return proc, kubeconfig


def _agent(
    root: Path, master: MasterProcess, token: str, kubeconfig: Path
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MASTER_", "AGENT_"))}
    env.update(
        AGENT_CLUSTER_NAME=CLUSTER, AGENT_MASTER_ADDRESS=f"127.0.0.1:{master.grpc_port}",
        AGENT_TOKEN=token, AGENT_PLAINTEXT="true", AGENT_METRICS_LISTEN="",
        AGENT_INTAKE__LISTEN=f"127.0.0.1:{free_port()}", AGENT_SOURCES__KUBECONFIG=str(kubeconfig),
        AGENT_SPOOL_PATH=str(root / "spool" / "spool.bin"), PYTHONWARNINGS="ignore",
    )  # fmt: skip
    log = (root / "agent.log").open("wb")
    return subprocess.Popen(
        [sys.executable, "-m", "agent"], env=env, stdout=log, stderr=subprocess.STDOUT
    )


async def _suggestion(http: aiohttp.ClientSession, base: str) -> str:
    """Roll out a new image of the crash-looping Deployment; the id of the rollback suggested."""
    body = {
        "type": "set_image",
        "target": {"kind": "Deployment", "namespace": NS, "name": "checkout"},
        "params": {"container": "main", "image": "registry.local/checkout:2.4.2"},
    }
    async with asyncio.timeout(90):
        while True:  # until the agent is connected and has the Deployment
            async with http.post(
                f"{base}/clusters/{CLUSTER}/commands", json=body, headers={"Prefer": "wait=10"}
            ) as r:
                if r.status in (200, 202) and (await r.json())["state"] == "succeeded":
                    break
            await asyncio.sleep(0.5)
        while True:
            async with http.get(f"{base}/remediations", params={"cluster": CLUSTER}) as r:
                items: list[dict[str, Any]] = (await r.json())["items"]
            for item in items:
                if item["reason"] == "CrashLoopBackOff":
                    return str(item["id"])
            await asyncio.sleep(0.2)


async def scenario(root: Path, table: Table, previews: int) -> None:
    sim, kubeconfig = _kubesim(root)
    master = MasterProcess(root)
    token = await register_cluster(master.settings, CLUSTER)
    master.start()
    agent = _agent(root, master, token, kubeconfig)
    base = f"http://127.0.0.1:{master.http_port}/api/v1"
    headers = {"Authorization": f"Bearer {API_TOKEN}"}
    try:
        await master.ready()
        async with aiohttp.ClientSession(headers=headers) as http:
            rid = await _suggestion(http, base)
            times: list[float] = []
            for i in range(previews + 5):  # five to warm up
                started = time.perf_counter()
                async with http.post(f"{base}/remediations/{rid}/preview") as r:
                    answer = await r.json()
                took = time.perf_counter() - started
                if r.status != 200 or answer["state"] != "pending_approval":
                    raise RuntimeError(f"preview failed: {r.status} {answer}")
                if i >= 5:
                    times.append(took)
        p50, p99 = percentile(times, 50), percentile(times, 99)
        note = f"{len(times)} previews, one at a time"
        table.judge("remediation.preview_p50", "suggestion -> preview p50", p50 * 1000,
                    fmt_ms(p50), note=note)  # fmt: skip
        table.judge("remediation.preview_p99", "suggestion -> preview p99", p99 * 1000,
                    fmt_ms(p99), note=note)  # fmt: skip
    finally:
        agent.terminate()
        agent.wait(10)
        master.stop()
        sim.kill()
        sim.wait(10)


def run(argv: list[str]) -> list[Figure]:
    parser = argparse.ArgumentParser(
        prog="python -m bench remediation", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--previews", type=int, default=PREVIEWS, help="previews timed")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    table = Table("remediation: suggestion -> preview (dry run through the bus, agent, kubesim)")
    with tempfile.TemporaryDirectory(prefix="lookout-bench-remediation-") as tmp:
        asyncio.run(asyncio.wait_for(scenario(Path(tmp), table, args.previews), 240))
    sys.stdout.write(table.render() + "\n" + busy_warning())
    return table.figures


def main(argv: list[str] | None = None) -> int:
    return exit_code(run(sys.argv[1:] if argv is None else argv))


if __name__ == "__main__":
    sys.exit(main())
