"""Service rule: NoReadyEndpoints — a Service whose selector matches live pods, none of which
is a ready endpoint, for longer than a threshold.

Owns judging one Service with the context's Pods, Endpoints and EndpointSlices. Skipped on
purpose: headless Services (clusterIP None: clients resolve pods directly and StatefulSets often
publish not-ready peers), ExternalName and selector-less Services (endpoints managed by hand),
and Services whose selector matches no live pod (scaled to zero is a choice, not an outage).
Endpoints/EndpointSlice objects get no detector of their own: the agent re-judges the Service
when they change, so the finding has one owner.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from agent.detect.context import Context, KubeObject
from agent.detect.making import Scope, subject_of
from agent.detect.objects import Condition, Endpoints, EndpointSlice, Pod, Service
from agent.detect.times import parse_ms
from shared.domain.findings import Finding

SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def detect_service(obj: Mapping[str, Any], scope: Scope) -> list[Finding]:
    svc = cast(Service, obj)
    meta, spec = svc.get("metadata") or {}, svc.get("spec") or {}
    rep = scope.reporter(subject_of("Service", meta))
    selector = spec.get("selector") or {}
    if not selector or spec.get("type") == "ExternalName" or spec.get("clusterIP") == "None":
        return rep.findings
    ns, name = meta.get("namespace", ""), meta.get("name", "")
    pods = [
        cast(Pod, p)
        for p in scope.ctx.select("Pod", ns, {"matchLabels": selector})
        if _live(cast(Pod, p))
    ]
    if not pods:
        return rep.findings
    ready = _ready_endpoints(scope.ctx, ns, name, pods)
    if ready > 0:
        return rep.findings
    since = _last_ready_change(pods)
    if scope.held(since, scope.settings.no_ready_endpoints_after_s):
        assert since is not None
        rep.add(
            "NoReadyEndpoints",
            f"no ready endpoints: {len(pods)} matching pods, none ready",
            since_ms=since,
            attrs={"matching_pods": str(len(pods))},
        )
    return rep.findings


def _live(pod: Pod) -> bool:
    phase = (pod.get("status") or {}).get("phase", "")
    return not (pod.get("metadata") or {}).get("deletionTimestamp") and phase not in (
        "Succeeded",
        "Failed",
    )


def _ready_endpoints(ctx: Context, namespace: str, name: str, pods: Sequence[Pod]) -> int:
    """Ready addresses from Endpoints, else EndpointSlices, else the pods' own Ready state."""
    endpoints = ctx.get("Endpoints", namespace, name)
    if endpoints is not None:
        subsets = cast(Endpoints, endpoints).get("subsets") or []
        return sum(len(s.get("addresses") or []) for s in subsets)
    slices: Sequence[KubeObject] = ctx.select(
        "EndpointSlice", namespace, {"matchLabels": {SERVICE_NAME_LABEL: name}}
    )
    if slices:
        return sum(
            1
            for s in slices
            for ep in cast(EndpointSlice, s).get("endpoints") or []
            # Per the API, a missing `ready` means ready.
            if (ep.get("conditions") or {}).get("ready", True) is not False
        )
    return sum(1 for p in pods if _pod_ready(p))


def _pod_ready(pod: Pod) -> bool:
    conditions = (pod.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Ready" and c.get("status") == "True" for c in conditions)


def _last_ready_change(pods: Sequence[Pod]) -> int | None:
    """When the last pod stopped being ready (or was created): since then nothing served."""
    latest: int | None = None
    for pod in pods:
        conditions = (pod.get("status") or {}).get("conditions") or []
        ready = next((c for c in conditions if c.get("type") == "Ready"), Condition())
        at = parse_ms(ready.get("lastTransitionTime")) or parse_ms(
            (pod.get("metadata") or {}).get("creationTimestamp")
        )
        if at is not None and (latest is None or at > latest):
            latest = at
    return latest
