"""Service source (core/v1): type, selector, ports, addresses.

Rechecked always: whether a Service has ready endpoints depends on EndpointSlices and Pods,
which change without the Service changing.
"""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, meta


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


SPEC = SourceSpec(
    kind="Service",
    group="",
    version="v1",
    plural="services",
    namespaced=True,
    project=project,
    recheck_always=True,
)
