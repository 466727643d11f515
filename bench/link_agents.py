"""The agent child of ``bench.link``: many ``AgentCore``s in one event loop dialing the master
over TLS, driven by ``{"op": ...}`` requests over a ``multiprocessing`` pipe; and the synthetic
payloads (small findings, slim pods) both the child and the in-process snapshot run use.

Clock: ``outbox.put`` times are ``time.monotonic_ns`` (CLOCK_MONOTONIC, system-wide on Linux),
carried in the finding's attrs so the master child can age each record on arrival."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import orjson

from bench.common import serve_ops, until
from shared.clock import now_ms
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource
from shared.lifecycle import run_loop

FINDING_POOL = 1000


def finding(i: int, t_ns: int = 0) -> Finding:
    """A small, realistic finding; ``t_ns`` (monotonic) rides in attrs to time the path."""
    ms = 1_700_000_000_000 + i
    return Finding(
        fingerprint=f"pod-crashloop/default/web-{i % FINDING_POOL}",
        reason="CrashLoopBackOff",
        severity=Severity.CRITICAL,
        category="pods",
        subject=ObjectRef("Pod", "default", f"web-{i % FINDING_POOL}-7d4b9c-x2z{i % 10}"),
        owner=ObjectRef("Deployment", "default", "web"),
        node="node-3",
        message="Back-off restarting failed container app (exit code 1)",
        first_seen_ms=ms,
        last_seen_ms=ms,
        count=1 + i % 7,
        attrs={"t": str(t_ns)} if t_ns else {},
    )


def pod(i: int) -> Resource:
    """A slim pod as the agent's projection sends it (~700 bytes of JSON)."""
    ns, name = f"team-{i % 25}", f"api-{i // 25}-5f7c9d8b6-{i:05d}"
    uid = f"6f1c2d3e-{i:04x}-4a5b-8c9d-0e1f2a3b{i:04x}"
    labels = {"app": f"api-{i // 25}", "pod-template-hash": "5f7c9d8b6", "tier": "backend"}
    body = {
        "metadata": {
            "name": name,
            "namespace": ns,
            "uid": uid,
            "resourceVersion": str(100_000 + i),
            "creationTimestamp": "2024-05-01T10:00:00Z",
            "labels": labels,
            "ownerReferences": [{"kind": "ReplicaSet", "name": f"api-{i // 25}-5f7c9d8b6"}],
        },
        "spec": {
            "nodeName": f"node-{i % 500}",
            "serviceAccountName": "default",
            "containers": [
                {
                    "name": "app",
                    "image": f"registry.example.com/team-{i % 25}/api:1.{i % 40}.3",
                    "resources": {
                        "requests": {"cpu": "100m", "memory": "128Mi"},
                        "limits": {"memory": "256Mi"},
                    },
                }
            ],
        },
        "status": {
            "phase": "Running",
            "podIP": f"10.{i % 250}.{i // 250 % 250}.{i % 200 + 2}",
            "hostIP": f"192.168.{i % 500 // 250}.{i % 250}",
            "startTime": "2024-05-01T10:00:02Z",
            "conditions": [
                {"type": "Ready", "status": "True"},
            ],
            "containerStatuses": [
                {
                    "name": "app",
                    "ready": True,
                    "started": True,
                    "restartCount": i % 3,
                    "state": {"running": {"startedAt": "2024-05-01T10:00:05Z"}},
                }
            ],
        },
    }
    return Resource(
        ref=ObjectRef("Pod", ns, name, uid),
        resource_version=str(100_000 + i),
        labels=labels,
        health="ok",
        body_json=orjson.dumps(body),
    )


@dataclass
class _Agent:
    core: Any  # agent.app.AgentCore (imported in the child only)
    stop: asyncio.Event
    task: asyncio.Task[None]


def agents_process(conn: Connection, spec: dict[str, Any]) -> None:
    """Child entry point (spawn): a fleet of agents dialing ``spec["address"]`` over TLS."""
    logging.basicConfig(level=logging.ERROR)
    run_loop(_agents_main(conn, spec))


async def _agents_main(conn: Connection, spec: dict[str, Any]) -> None:
    from agent.app import AgentCore, build_uplink_config
    from agent.settings import AgentSettings
    from agent.uplink.stream import Uplink

    fleet: list[_Agent] = []
    bodies = [FindingBatch((finding(i),)) for i in range(FINDING_POOL)]
    pods: list[Resource] = []

    def build(name: str, token: str, req: dict[str, Any]) -> Any:
        settings = AgentSettings(
            cluster_name=name,
            master_address=spec["address"],
            token=token,
            tls_ca_file=Path(spec["ca"]),
            tls_server_name=spec["server_name"],
            heartbeat_interval_s=req["heartbeat_s"],
            spool_max_records=req["spool"],
            reconnect_initial_s=0.2,
            reconnect_max_s=2.0,
            shutdown_grace_s=2.0,
        )
        core = AgentCore(settings)
        # Separate agents are separate TCP connections: keep grpc from sharing one subchannel.
        cfg = build_uplink_config(settings)
        cfg = dataclasses.replace(
            cfg, options=[*cfg.options, ("grpc.use_local_subchannel_pool", 1)]
        )
        core.uplink = Uplink(cfg, mirror=core.mirror, outbox=core.outbox, wake=core.wake)
        return core

    async def start(req: dict[str, Any]) -> dict[str, Any]:
        while len(pods) < req.get("pods", 0):
            pods.append(pod(len(pods)))
        for name, token in req["clusters"]:
            core = build(name, token, req)
            for res in pods[: req.get("pods", 0)]:
                core.mirror.upsert(res)
            stop = asyncio.Event()
            task = asyncio.create_task(core.uplink.run(stop), name=f"agent-{name}")
            fleet.append(_Agent(core, stop, task))
        await until(
            lambda: all(a.core.uplink.connected.is_set() for a in fleet),
            within=req["timeout"],
            every=0.02,
        )
        return {"connected": sum(a.core.uplink.connected.is_set() for a in fleet)}

    async def fill(req: dict[str, Any]) -> dict[str, Any]:
        # Synchronous on purpose: nothing is sent until every spool holds its records.
        stamp = now_ms()
        for a in fleet:
            put = a.core.outbox.put
            for i in range(req["per_agent"]):
                put(bodies[i % FINDING_POOL], stamp)
        return {"t_fill": time.monotonic()}

    async def wait_acked(req: dict[str, Any]) -> dict[str, Any]:
        done = await until(
            lambda: all(a.core.outbox.acked >= a.core.outbox.last_seq for a in fleet),
            within=req["timeout"],
            every=0.002,
        )
        acked = sum(a.core.outbox.acked for a in fleet)
        return {"t_acked": time.monotonic(), "all": done, "acked": acked}

    async def pace(req: dict[str, Any]) -> dict[str, Any]:
        """``rate`` records/s spread round-robin over the fleet for ``seconds``, each stamped
        with the monotonic time of its ``outbox.put``."""
        rate, loop = req["rate"], asyncio.get_running_loop()
        t0, sent = loop.time(), 0
        while (elapsed := loop.time() - t0) < req["seconds"]:
            while sent < int(elapsed * rate):
                outbox = fleet[sent % len(fleet)].core.outbox
                outbox.put(FindingBatch((finding(sent, time.monotonic_ns()),)), now_ms())
                sent += 1
            await asyncio.sleep(0.001)
        return {"sent": sent}

    async def stop_all(req: dict[str, Any]) -> dict[str, Any]:
        if not fleet:
            return {}
        for a in fleet:
            a.stop.set()
        await asyncio.wait([a.task for a in fleet], timeout=10)
        for a in fleet:
            a.task.cancel()
            a.core.close()
        fleet.clear()
        return {}

    try:
        await serve_ops(
            conn,
            {
                "start": start,
                "fill": fill,
                "wait_acked": wait_acked,
                "pace": pace,
                "stop": stop_all,
            },
        )
    finally:
        await stop_all({})
