"""⑧ Pod and workload CPU/memory series from the SQL store (metrics-server samples the agent
read, with the requests and limits the pods had): per container, raw points up to a day,
5-minute roll-ups beyond; a ``step`` coarser than that buckets further.

A pod's series are its containers'. A workload's are summed over its pods per container name
and bucket (usage, requests and limits: what the workload uses and reserves as a whole), with
the busiest pod's peaks and largest limits beside them (``pod_*``: a leak or throttling shows
in one pod long before the sum) and the number of pods that reported. Reading either needs
``read`` in the namespace, as the pod routes do. Deliberately only reads."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from master.auth.roles import Permission
from master.gateway.authz import need
from master.gateway.bodies import error_responses
from master.gateway.deps import StoreDep
from master.gateway.errors import InvalidQuery
from master.gateway.responses import FastJSON
from master.gateway.routes.history import HOUR_MS, known_cluster, parse_range, parse_step
from master.store.repositories.pod_metrics import PodMetricSeries
from shared import kinds

router = APIRouter(tags=["pod metrics"])

# What a pod's workload is recorded as: its controller, a ReplicaSet's Deployment when known.
WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job")
_BY_NAME = {
    name.lower(): k.kind
    for k in (kinds.BY_KIND[w] for w in WORKLOAD_KINDS)
    for name in (k.kind, k.resource, *k.short_names)
}


def workload_kind(text: str) -> str:
    """``Deployment`` from ``Deployment``, ``deployments`` or ``deploy``; InvalidQuery else."""
    kind = _BY_NAME.get(text.lower())
    if kind is None:
        raise InvalidQuery(f"kind={text!r} is not a workload kind: use one of "
                           f"{', '.join(WORKLOAD_KINDS)}")  # fmt: skip
    return kind


def _view(series: PodMetricSeries, *, start: int, end: int, **where: str) -> FastJSON:
    return FastJSON(
        {
            **where,
            "from_ms": start,
            "to_ms": end,
            "resolution": series.resolution,
            "step_ms": series.step_ms,
            "containers": [
                {"container": c.container, "times_ms": c.times_ms, "series": c.values}
                for c in series.containers
            ],
        }
    )


Window = tuple[str | None, str | None, str | None]


async def _window(store: Any, name: str, window: Window) -> tuple[int, int, int | None]:
    from_, to, step = window
    start, end = parse_range(from_, to, default_span_ms=HOUR_MS)
    step_ms = parse_step(step) if step else None
    await known_cluster(store, name)
    return start, end, step_ms


@router.get(
    "/clusters/{name}/pods/{namespace}/{pod}/metrics",
    dependencies=[need(Permission.READ)],
    responses=error_responses(400),
)
async def pod_metrics(
    name: str,
    namespace: str,
    pod: str,
    store: StoreDep,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    step: str | None = None,
) -> FastJSON:
    """One pod's containers over [from, to) (default: the last hour): ``cpu_m_avg`` /
    ``cpu_m_max`` (millicores), ``mem_bytes_avg`` / ``mem_bytes_max``, and the pod object's
    ``cpu_request_m``, ``cpu_limit_m``, ``mem_request``, ``mem_limit`` (null: unset) and
    ``restarts`` at each point. ``times_ms`` is metrics-server's clock."""
    start, end, step_ms = await _window(store, name, (from_, to, step))
    try:
        series = await store.pod_metrics.pod_series(
            name, namespace, pod, from_ms=start, to_ms=end, step_ms=step_ms
        )
    except ValueError as e:
        raise InvalidQuery(str(e)) from None
    return _view(series, start=start, end=end, cluster=name, namespace=namespace, pod=pod)


@router.get(
    "/clusters/{name}/workloads/{kind}/{namespace}/{workload}/metrics",
    dependencies=[need(Permission.READ)],
    responses=error_responses(400),
)
async def workload_metrics(
    name: str,
    kind: str,
    namespace: str,
    workload: str,
    store: StoreDep,
    from_: Annotated[str | None, Query(alias="from")] = None,
    to: str | None = None,
    step: str | None = None,
) -> FastJSON:
    """A workload's pods per container name over [from, to) (default: the last hour), in
    buckets of at least a minute: ``cpu_m``, ``mem_bytes``, ``cpu_request_m``,
    ``cpu_limit_m``, ``mem_request``, ``mem_limit`` summed over the pods; ``pod_cpu_m_max``,
    ``pod_mem_bytes_max``, ``pod_cpu_limit_m``, ``pod_mem_limit``, ``pod_restarts`` the
    largest of any one pod; ``pods`` how many reported."""
    wkind = workload_kind(kind)
    start, end, step_ms = await _window(store, name, (from_, to, step))
    try:
        series = await store.pod_metrics.workload_series(
            name, namespace, f"{wkind}/{workload}", from_ms=start, to_ms=end, step_ms=step_ms
        )
    except ValueError as e:
        raise InvalidQuery(str(e)) from None
    return _view(
        series, start=start, end=end, cluster=name, kind=wkind, namespace=namespace,
        workload=workload,
    )  # fmt: skip
