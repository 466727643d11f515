"""drain: cordon a node, then evict its pods through the Eviction API, never deleting directly.

Plan (pure, ``plan``): mirror pods and DaemonSet pods are skipped (they come back on the
node anyway); pods with emptyDir are refused unless ``delete_emptydir``; bare pods are refused
(nothing would recreate them). Any refusal fails the drain before anything is touched,
as kubectl does. Then every evictable pod is evicted concurrently: 429 (a PodDisruptionBudget
says not now) is retried with capped backoff until the drain's timeout; each pod's outcome is
reported as a RUNNING progress update; finally we wait until the evicted pods are gone."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from agent.executor.commands._common import controller_of, field_selector, meta
from agent.executor.commands.cordon import set_unschedulable
from agent.executor.context import Ctx
from agent.executor.errors import CommandFailure, api_failure
from agent.kubeapi.errors import KubeError, NotFound, TooManyRequests
from agent.kubeapi.paths import collection_path, object_path
from shared.commands.params import DrainParams
from shared.kinds import kind
from shared.retry import Backoff

MIRROR = "kubernetes.io/config.mirror"
RETRY = Backoff(initial_s=0.5, max_s=5.0)
GONE_POLL_S = 0.5


@dataclass(frozen=True, slots=True)
class Plan:
    evict: list[dict[str, Any]]
    skipped: list[dict[str, str]]
    refused: list[dict[str, str]]


def _name(pod: dict[str, Any]) -> str:
    return f"{meta(pod).get('namespace')}/{meta(pod).get('name')}"


def plan(pods: list[dict[str, Any]], *, delete_emptydir: bool) -> Plan:
    evict, skipped, refused = [], [], []
    for pod in pods:
        owner = controller_of(pod)
        phase = (pod.get("status") or {}).get("phase")
        if MIRROR in (meta(pod).get("annotations") or {}):
            skipped.append({"pod": _name(pod), "reason": "mirror pod (static, kubelet-managed)"})
        elif owner is not None and owner.get("kind") == "DaemonSet":
            skipped.append({"pod": _name(pod), "reason": "DaemonSet-managed"})
        elif phase in ("Succeeded", "Failed"):
            evict.append(pod)  # finished pods block nothing but are cleaned up like kubectl
        elif owner is None:
            refused.append({"pod": _name(pod), "reason": "not managed by a controller"})
        elif not delete_emptydir and any(
            "emptyDir" in v for v in (pod.get("spec") or {}).get("volumes") or ()
        ):
            refused.append({"pod": _name(pod), "reason": "uses emptyDir local storage"})
        else:
            evict.append(pod)
    return Plan(evict, skipped, refused)


async def run(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    assert isinstance(params, DrainParams)
    node = ctx.target.name
    stop_at = min(time.monotonic() + params.timeout_s, _monotonic_deadline(ctx.deadline_ms))
    listed = await ctx.kube.json(
        "GET",
        collection_path(kind("Pod")),
        query={"fieldSelector": field_selector({"spec.nodeName": node})},
    )
    p = plan(list(listed.get("items") or ()), delete_emptydir=params.delete_emptydir)
    report: dict[str, Any] = {
        "node": node,
        "skipped": p.skipped,
        "refused": p.refused,
        "evicted": [],
        "failed": [],
        "dry_run": ctx.dry_run,
    }
    if p.refused:
        raise CommandFailure(
            "refused",
            f"cannot drain {node}: {len(p.refused)} pod(s) cannot be evicted safely "
            f"({_reasons(p.refused)})",
            result=report,
        )
    await set_unschedulable(ctx, True)
    ctx.progress(f"cordoned {node}; evicting {len(p.evict)} pod(s)", {"to_evict": len(p.evict)})
    async with asyncio.TaskGroup() as tg:
        for pod in p.evict:
            tg.create_task(_evict(ctx, pod, params=params, stop_at=stop_at, report=report))
    if not ctx.dry_run and report["evicted"]:
        await _wait_gone(ctx, p.evict, stop_at=stop_at, report=report)
    if report["failed"]:
        raise CommandFailure(
            "drain_incomplete",
            f"{len(report['failed'])} pod(s) on {node} could not be evicted: "
            + _reasons(report["failed"]),
            result=report,
        )
    return report


def _reasons(items: list[dict[str, str]]) -> str:
    return "; ".join(f"{i['pod']}: {i['reason']}" for i in items)


def _monotonic_deadline(deadline_ms: int) -> float:
    if deadline_ms <= 0:
        return float("inf")
    return time.monotonic() + (deadline_ms - time.time() * 1000) / 1000


async def _evict(
    ctx: Ctx, pod: dict[str, Any], *, params: DrainParams, stop_at: float, report: dict[str, Any]
) -> None:
    ns, name = meta(pod).get("namespace", ""), meta(pod).get("name", "")
    options: dict[str, Any] = {}
    if params.grace_period_s is not None:
        options["gracePeriodSeconds"] = params.grace_period_s
    if ctx.dry_run:
        options["dryRun"] = ["All"]
    body = {
        "apiVersion": "policy/v1",
        "kind": "Eviction",
        "metadata": {"name": name, "namespace": ns},
        "deleteOptions": options,
    }
    eviction = object_path(kind("Pod"), name, namespace=ns, sub="eviction")
    attempt, last = 0, ""
    while True:
        try:
            await ctx.kube.json("POST", eviction, query=ctx.dry, body=body)
        except NotFound:
            break  # already gone: that is what we wanted
        except TooManyRequests as e:  # a PodDisruptionBudget says not now
            last = api_failure(e).message
            delay = RETRY.delay(attempt)
            attempt += 1
            if attempt == 1:
                ctx.progress(f"{ns}/{name}: eviction blocked, retrying", {"reason": last})
            if time.monotonic() + delay >= stop_at:
                report["failed"].append(
                    {"pod": f"{ns}/{name}", "reason": f"{last} (retried {attempt}x until timeout)"}
                )
                return
            await asyncio.sleep(delay)
            continue
        except KubeError as e:
            report["failed"].append({"pod": f"{ns}/{name}", "reason": api_failure(e).message})
            ctx.progress(f"eviction of {ns}/{name} failed", {"pod": f"{ns}/{name}"})
            return
        break
    report["evicted"].append({"pod": f"{ns}/{name}", "attempts": attempt + 1})
    ctx.progress(f"evicted {ns}/{name}", {"evicted": len(report["evicted"])})


async def _wait_gone(
    ctx: Ctx, pods: list[dict[str, Any]], *, stop_at: float, report: dict[str, Any]
) -> None:
    evicted = {e["pod"] for e in report["evicted"]}
    waiting = {_name(p): meta(p).get("uid") for p in pods if _name(p) in evicted}
    while waiting and time.monotonic() < stop_at:
        for key, uid in list(waiting.items()):
            ns, name = key.split("/", 1)
            try:
                live = await ctx.kube.json("GET", object_path(kind("Pod"), name, namespace=ns))
            except NotFound:
                del waiting[key]
                continue
            if meta(live).get("uid") != uid:
                del waiting[key]  # same name, new pod (StatefulSet): the old one is gone
        if waiting:
            await asyncio.sleep(GONE_POLL_S)
    for key in waiting:
        report["failed"].append({"pod": key, "reason": "evicted but still terminating at timeout"})
