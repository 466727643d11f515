"""⑥ Pod metrics samples get their pod's side attached before they are stored: each
container's requests and limits and restart count, and the pod's workload, read from the pod
objects (and ReplicaSets) this cluster's DataHub mirrors. Pure: records and the mirror in,
records out.

Done at arrival, not at read time, because limits change (a rollout raises one) and a chart
must draw the limit a sample ran under; the agent sends usage only, so the mirror the master
keeps anyway is the one place this is read. A pod the mirror does not hold (deleted, or
refused by a limit) keeps ``spec=None``: stored with null requests/limits, never dropped.

Parsing a mirrored pod's JSON is most of the cost (bench ``pod_metrics``: 5,000 pods, one
batch every 30 s), and between two batches almost no pod changed, so what a body says is kept
in a ``SpecCache`` by (kind, uid, resourceVersion): a new version is a new key, so an entry is
never stale, only unused until the LRU bound drops it. The workload is looked up again each
time (the ReplicaSet may reach the mirror after its pod)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, TypeVar

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


T = TypeVar("T")


class SpecCache:
    """What mirrored bodies say, by (kind, uid, resourceVersion), least recently used
    dropped past ``max_entries``. A body without uid or version is parsed every time."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._max = max_entries
        self._entries: OrderedDict[tuple[str, str, str], Any] = OrderedDict()

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, res: Resource, parse: Callable[[Resource], T]) -> T:
        if not (res.ref.uid and res.resource_version):
            return parse(res)
        key = (res.ref.kind, res.ref.uid, res.resource_version)
        try:
            self._entries.move_to_end(key)
            value: T = self._entries[key]
            return value
        except KeyError:
            pass
        value = parse(res)
        self._entries[key] = value
        if len(self._entries) > self._max:
            self._entries.popitem(last=False)
        return value


class _PodSide:
    """A pod body's part of its containers' specs (all but the workload), and the specs last
    built from it with their workload: reused while the workload stays the same."""

    __slots__ = ("built", "containers", "owner")

    def __init__(
        self, owner: tuple[str, str] | None, containers: tuple[tuple[str, ContainerSpec], ...]
    ) -> None:
        self.owner = owner
        self.containers = containers  # workload still ""
        self.built: tuple[str, dict[str, ContainerSpec]] | None = None


def _pod_side(pod: Resource) -> _PodSide:
    body = orjson.loads(pod.body_json)
    restarts = {
        str(c.get("name")): int(c.get("restartCount") or 0)
        for c in (body.get("status") or {}).get("containerStatuses") or ()
    }
    containers = []
    for c in (body.get("spec") or {}).get("containers") or ():
        name = str(c.get("name"))
        res = c.get("resources") or {}
        spec = ContainerSpec(
            cpu_request_m=_cpu(_quantity(res, "requests", "cpu")),
            cpu_limit_m=_cpu(_quantity(res, "limits", "cpu")),
            memory_request_bytes=_mem(_quantity(res, "requests", "memory")),
            memory_limit_bytes=_mem(_quantity(res, "limits", "memory")),
            restarts=restarts.get(name, 0),
        )
        containers.append((name, spec))
    return _PodSide(_controller(body), tuple(containers))


def _owner_of(res: Resource) -> tuple[str, str] | None:
    return _controller(orjson.loads(res.body_json))


def workload_of(
    state: ClusterState,
    namespace: str,
    pod: str,
    owner: tuple[str, str] | None,
    cache: SpecCache | None = None,
) -> str:
    """``Kind/name`` of what runs the pod (``owner``: its controller): a ReplicaSet's own
    owner (its Deployment) when the mirror holds the ReplicaSet, else the controller, else
    the pod itself."""
    if owner is None:
        return f"Pod/{pod}"
    kind, name = owner
    if kind == "ReplicaSet":
        rs = state.get("ReplicaSet", namespace, name)
        if rs is not None:
            above = cache.get(rs, _owner_of) if cache is not None else _owner_of(rs)
            if above is not None:
                kind, name = above
    return f"{kind}/{name}"


def container_specs(
    state: ClusterState, pod: Resource, cache: SpecCache | None = None
) -> dict[str, ContainerSpec]:
    """Container name → its spec side, from one mirrored pod."""
    side = cache.get(pod, _pod_side) if cache is not None else _pod_side(pod)
    workload = workload_of(state, pod.ref.namespace, pod.ref.name, side.owner, cache)
    if side.built is None or side.built[0] != workload:
        specs = {name: replace(spec, workload=workload) for name, spec in side.containers}
        side.built = (workload, specs)
    return side.built[1]


def _with_specs(state: ClusterState, usage: PodUsage, cache: SpecCache | None) -> PodUsage:
    pod = state.get("Pod", usage.namespace, usage.pod)
    if pod is None:
        return usage
    specs = container_specs(state, pod, cache)
    # Built field by field, not with dataclasses.replace: at 5,000 pods a batch, replace's
    # field introspection was most of this module's cost (bench pod_metrics).
    containers = tuple(
        ContainerUsage(c.name, c.cpu_millicores, c.memory_bytes, specs.get(c.name))
        for c in usage.containers
    )
    return PodUsage(usage.namespace, usage.pod, usage.at_ms, usage.window_ms, containers)


def attach_specs(
    records: Sequence[JournalRecord], state: ClusterState, cache: SpecCache | None = None
) -> list[JournalRecord]:
    """``records`` with every ``PodMetricsBatch`` container's spec side filled in (parsed
    bodies kept in ``cache`` when given)."""
    out = []
    for rec in records:
        body = rec.body
        if isinstance(body, PodMetricsBatch):
            pods = tuple(_with_specs(state, p, cache) for p in body.pods)
            out.append(replace(rec, body=replace(body, pods=pods)))
        else:
            out.append(rec)
    return out
