"""⑥ Pod metrics samples get their pod's side attached before they are stored: each
container's requests and limits and restart count, and the pod's workload, read from the pod
objects (and ReplicaSets) this cluster's DataHub mirrors. Pure: records and the mirror in,
records out.

Done at arrival, not at read time, because limits change (a rollout raises one) and a chart
must draw the limit a sample ran under; the agent sends usage only, so the mirror the master
keeps anyway is the one place this is read. A pod the mirror does not hold (deleted, or
refused by a limit) keeps ``spec=None``: stored with null requests/limits, never dropped."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import orjson

from master.datahub.cluster import ClusterState
from shared.domain.journal import JournalRecord, PodMetricsBatch
from shared.domain.podmetrics import ContainerSpec, ContainerUsage, PodUsage
from shared.domain.resources import Resource
from shared.quantities import millicores, whole_bytes


def _quantity(resources: Mapping[str, Any], part: str, key: str) -> str | None:
    value = (resources.get(part) or {}).get(key)
    return str(value) if value is not None else None


def _cpu(text: str | None) -> float | None:
    try:
        return None if text is None else millicores(text)
    except ValueError:
        return None


def _mem(text: str | None) -> int | None:
    try:
        return None if text is None else whole_bytes(text)
    except ValueError:
        return None


def _controller(body: Mapping[str, Any]) -> tuple[str, str] | None:
    for o in (body.get("metadata") or {}).get("ownerReferences") or ():
        if o.get("controller"):
            return str(o.get("kind") or ""), str(o.get("name") or "")
    return None


def workload_of(state: ClusterState, namespace: str, pod: str, body: Mapping[str, Any]) -> str:
    """``Kind/name`` of what runs the pod: a ReplicaSet's own owner (its Deployment) when the
    mirror holds the ReplicaSet, else the controller, else the pod itself."""
    owner = _controller(body)
    if owner is None:
        return f"Pod/{pod}"
    kind, name = owner
    if kind == "ReplicaSet":
        rs = state.get("ReplicaSet", namespace, name)
        if rs is not None:
            above = _controller(orjson.loads(rs.body_json))
            if above is not None:
                kind, name = above
    return f"{kind}/{name}"


def container_specs(state: ClusterState, pod: Resource) -> dict[str, ContainerSpec]:
    """Container name → its spec side, from one mirrored pod."""
    body = orjson.loads(pod.body_json)
    workload = workload_of(state, pod.ref.namespace, pod.ref.name, body)
    restarts = {
        str(c.get("name")): int(c.get("restartCount") or 0)
        for c in (body.get("status") or {}).get("containerStatuses") or ()
    }
    out: dict[str, ContainerSpec] = {}
    for c in (body.get("spec") or {}).get("containers") or ():
        name = str(c.get("name"))
        res = c.get("resources") or {}
        out[name] = ContainerSpec(
            cpu_request_m=_cpu(_quantity(res, "requests", "cpu")),
            cpu_limit_m=_cpu(_quantity(res, "limits", "cpu")),
            memory_request_bytes=_mem(_quantity(res, "requests", "memory")),
            memory_limit_bytes=_mem(_quantity(res, "limits", "memory")),
            restarts=restarts.get(name, 0),
            workload=workload,
        )
    return out


def _with_specs(state: ClusterState, usage: PodUsage) -> PodUsage:
    pod = state.get("Pod", usage.namespace, usage.pod)
    if pod is None:
        return usage
    specs = container_specs(state, pod)
    containers: tuple[ContainerUsage, ...] = tuple(
        replace(c, spec=specs.get(c.name)) for c in usage.containers
    )
    return replace(usage, containers=containers)


def attach_specs(records: Sequence[JournalRecord], state: ClusterState) -> list[JournalRecord]:
    """``records`` with every ``PodMetricsBatch`` container's spec side filled in."""
    out = []
    for rec in records:
        body = rec.body
        if isinstance(body, PodMetricsBatch):
            pods = tuple(_with_specs(state, p) for p in body.pods)
            out.append(replace(rec, body=replace(body, pods=pods)))
        else:
            out.append(rec)
    return out
