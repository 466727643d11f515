"""Pod metrics (``metrics.k8s.io`` usage) conversions. ``ContainerUsage.spec`` is master-side
and never encoded; usage that no reading can have (negative, not finite) is refused."""

from __future__ import annotations

import math

from shared.domain.journal import PodMetricsBatch
from shared.domain.podmetrics import ContainerUsage, NodeUsage, PodUsage
from shared.pb.lookout.v1 import podmetrics_pb2 as pb
from shared.wire.errors import WireError
from shared.wire.flat import build


def pod_metrics_to_pb(batch: PodMetricsBatch) -> pb.PodMetricsBatch:
    return pb.PodMetricsBatch(
        pods=[
            pb.PodUsage(
                namespace=p.namespace,
                pod=p.pod,
                at_ms=p.at_ms,
                window_ms=p.window_ms,
                containers=[
                    pb.ContainerUsage(
                        name=c.name, cpu_millicores=c.cpu_millicores, memory_bytes=c.memory_bytes
                    )
                    for c in p.containers
                ],
            )
            for p in batch.pods
        ],
        nodes=[
            pb.NodeUsage(
                node=n.node,
                at_ms=n.at_ms,
                window_ms=n.window_ms,
                cpu_millicores=n.cpu_millicores,
                memory_bytes=n.memory_bytes,
            )
            for n in batch.nodes
        ],
    )


def _cpu(value: float, what: str) -> float:
    if not math.isfinite(value) or value < 0:
        raise WireError(f"pod metrics: {what} has an impossible CPU usage {value!r}")
    return value


def _pod(m: pb.PodUsage) -> PodUsage:
    if not m.namespace or not m.pod:
        raise WireError("pod metrics: a pod without namespace or name")
    where = f"{m.namespace}/{m.pod}"
    return PodUsage(
        namespace=m.namespace,
        pod=m.pod,
        at_ms=m.at_ms,
        window_ms=m.window_ms,
        containers=tuple(
            ContainerUsage(c.name, _cpu(c.cpu_millicores, f"{where}/{c.name}"), c.memory_bytes)
            for c in m.containers
        ),
    )


def _node(m: pb.NodeUsage) -> NodeUsage:
    if not m.node:
        raise WireError("pod metrics: a node without name")
    _cpu(m.cpu_millicores, f"node {m.node}")
    return build(NodeUsage, m)


def pod_metrics_from_pb(m: pb.PodMetricsBatch) -> PodMetricsBatch:
    return PodMetricsBatch(
        pods=tuple(_pod(p) for p in m.pods), nodes=tuple(_node(n) for n in m.nodes)
    )
