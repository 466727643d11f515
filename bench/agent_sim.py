"""The simulated-cluster child of ``bench.agent``: one kubesim cluster (5,000 pods / 500 nodes,
background churn) served over HTTP, answering ``{"op": ...}`` requests over a pipe.

Besides serving the Kubernetes API the agent watches, it counts pod events (so the parent can
tell generated from received), changes the churn rate (the burst), and makes chosen pods
crash-loop one at a time, stamping the moment each update is committed to the store (the
instant the API server accepts it and fans it out to the watches): ``t0`` of the
finding-latency figure. Updates go through kubesim's store API, as its own kubelet's do.

Deliberately owns no scenario and no measurement of the agent; ``bench.agent`` decides.
Clock: ``time.time_ns`` (CLOCK_REALTIME), compared with the other children's stamps."""

from __future__ import annotations

import asyncio
import logging
import random
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.agent_latency import loop_lag_op
from bench.common import serve_ops
from shared.lifecycle import run_loop

PODS = "pods"


def sim_process(conn: Connection, spec: dict[str, Any]) -> None:
    """Child entry point (spawn): seed, settle, report the kubeconfig, then serve requests."""
    logging.basicConfig(level=logging.ERROR)
    # A probe agent that exits mid-watch makes aiohttp log a write to a closing transport.
    logging.getLogger("aiohttp.server").setLevel(logging.CRITICAL)
    run_loop(_main(conn, spec))


def crash_status(status: dict[str, Any], now_iso: str) -> dict[str, Any]:
    """``status`` with every container waiting in CrashLoopBackOff after its 5th restart (the
    state a kubelet reports between crashes), the pod not Ready. Pure."""
    containers = []
    for cs in status.get("containerStatuses") or []:
        containers.append(
            {
                **cs,
                "ready": False,
                "started": False,
                "restartCount": max(5, int(cs.get("restartCount", 0)) + 1),
                "state": {
                    "waiting": {
                        "reason": "CrashLoopBackOff",
                        "message": "back-off 40s restarting failed container",
                    }
                },
                "lastState": {
                    "terminated": {
                        "exitCode": 1,
                        "reason": "Error",
                        "startedAt": now_iso,
                        "finishedAt": now_iso,
                    }
                },
            }
        )
    conditions = [
        {**c, "status": "False"} if c.get("type") in ("Ready", "ContainersReady") else c
        for c in status.get("conditions") or []
    ]
    return {**status, "containerStatuses": containers, "conditions": conditions}


async def _main(conn: Connection, spec: dict[str, Any]) -> None:
    from kubesim import handlers
    from kubesim.cluster import SimCluster
    from kubesim.config import SimConfig
    from kubesim.timeutil import now_iso

    cluster = SimCluster(
        SimConfig(
            name="bench",
            nodes=spec["nodes"],
            pods=spec["pods"],
            churn=spec["churn"],
            incidents=False,
            history=50_000,
        )
    )
    counts = {"pod_events": 0}
    touched: set[tuple[str, str]] = set()

    def count(resource: str, _etype: str, _obj: Any) -> None:
        if resource == PODS:
            counts["pod_events"] += 1

    cluster.store.listeners.append(count)
    listed = {"calls": 0, "ns": 0}
    list_ = handlers.list_

    def timed_list(*args: Any) -> Any:
        t0 = time.perf_counter_ns()
        try:
            return list_(*args)
        finally:
            listed["calls"] += 1
            listed["ns"] += time.perf_counter_ns() - t0

    setattr(handlers, "list_", timed_list)  # noqa: B010 (kubesim unchanged: this process only)
    ready: asyncio.Future[Path] = asyncio.get_running_loop().create_future()

    def on_ready(c: SimCluster) -> None:
        ready.set_result(c.write_kubeconfig(Path(spec["out"])))

    async def stats(req: dict[str, Any]) -> dict[str, Any]:
        return {
            "pod_events": counts["pod_events"],
            "rv": cluster.store.rv,
            "t": time.time_ns(),
            "list_calls": listed["calls"],
            "list_s": listed["ns"] / 1e9,
        }

    async def rate(req: dict[str, Any]) -> dict[str, Any]:
        cluster.churn.rate = float(req["rate"])
        return {"t": time.time_ns(), "pod_events": counts["pod_events"]}

    async def pick(req: dict[str, Any]) -> dict[str, Any]:
        """``n`` distinct healthy Running pods never picked before."""
        keys = [k for k in cluster.store.keys(PODS) if k not in touched]
        random.Random(req.get("seed", 1)).shuffle(keys)
        chosen: list[list[str]] = []
        for key in keys:
            p = cluster.store.get(PODS, *key)
            if p is None or p["status"].get("phase") != "Running":
                continue
            if not p["status"].get("containerStatuses"):
                continue
            touched.add(key)
            chosen.append([key[0], key[1]])
            if len(chosen) >= req["n"]:
                break
        return {"pods": chosen}

    async def crashloop(req: dict[str, Any]) -> dict[str, Any]:
        """Make each pod crash-loop, ``interval`` seconds apart; name -> commit time (ns)."""
        t0: dict[str, int] = {}
        interval: float = req["interval"]
        next_at = time.monotonic()
        for ns, name in req["pods"]:
            next_at += interval
            p = cluster.store.get(PODS, ns, name)
            if p is not None:
                p["status"] = crash_status(p["status"], now_iso())
                stamp = time.time_ns()
                cluster.store.update(PODS, p)  # commit + fan-out to the watches, synchronously
                t0[name] = stamp
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        return {"t0": t0}

    async with asyncio.TaskGroup() as tg:
        running = tg.create_task(cluster.run(on_ready=on_ready), name="kubesim")
        async with asyncio.timeout(600):
            kubeconfig = await ready
        conn.send({"kubeconfig": str(kubeconfig), "server": cluster.server})
        ops = {
            "stats": stats,
            "rate": rate,
            "pick": pick,
            "crashloop": crashloop,
            "lag": loop_lag_op(),
        }
        await serve_ops(conn, ops)
        running.cancel()
