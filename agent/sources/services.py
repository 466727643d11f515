"""Service source (core/v1): type, selector, ports, addresses.

Rechecked always: whether a Service has ready endpoints depends on EndpointSlices and Pods,
which change without the Service changing. ``recheck_inputs`` lists exactly what
``agent.detect.network.detect_service`` looks up, so a recheck skips a quiet Service whose
pods and endpoints did not change (~1,000 Services cost ~100 ms CPU per pass otherwise).
"""

from __future__ import annotations

from agent.detect.network import SERVICE_NAME_LABEL
from agent.sources.spec import ChangeClock, Projection, Raw, SourceSpec
from agent.sources.trimming import compact, meta
from shared import kinds


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    body = {
        "metadata": meta(obj),
        "spec": compact(
            {
                "type": spec.get("type"),
                "selector": spec.get("selector"),
                "clusterIP": spec.get("clusterIP"),
                "externalName": spec.get("externalName"),
                "ports": spec.get("ports"),
            }
        ),
        "status": compact({"loadBalancer": (status.get("loadBalancer") or {}).get("ingress")}),
    }
    return Projection(body, "ok")


def recheck_inputs(obj: Raw, clock: ChangeClock) -> int:
    """The last change among the Pods its selector picks, its Endpoints and EndpointSlices."""
    meta, spec = obj.get("metadata") or {}, obj.get("spec") or {}
    ns, name = meta.get("namespace") or "", meta.get("name") or ""
    return max(
        clock.last_change("Pod", ns, spec.get("selector") or {}),
        clock.last_change("Endpoints", ns, None),
        clock.last_change("EndpointSlice", ns, {SERVICE_NAME_LABEL: name}),
    )


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["services"],
    project=project,
    recheck_always=True,
    recheck_inputs=recheck_inputs,
)
