"""EndpointSlice source (discovery.k8s.io/v1): endpoints as address + ready + target pod.

Used over core/v1 Endpoints: Endpoints is deprecated since 1.33 and caps at 1,000 addresses.
"""

from __future__ import annotations

from typing import Any

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, meta
from shared import kinds

SERVICE_LABEL = "kubernetes.io/service-name"


def project(obj: Raw) -> Projection:
    endpoints: list[dict[str, Any]] = []
    ready = 0
    for ep in obj.get("endpoints") or ():
        cond = ep.get("conditions") or {}
        is_ready = cond.get("ready") is not False  # absent means ready (API doc)
        ready += is_ready
        target = ep.get("targetRef") or {}
        endpoints.append(
            compact(
                {
                    "addresses": ep.get("addresses"),
                    "ready": is_ready,
                    "nodeName": ep.get("nodeName"),
                    "targetRef": compact({"kind": target.get("kind"), "name": target.get("name")}),
                }
            )
        )
    body = {
        "metadata": meta(obj),
        "addressType": obj.get("addressType"),
        "ports": obj.get("ports"),
        "endpoints": endpoints,
    }
    return Projection(compact(body), "ok" if ready or not endpoints else "warning")


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["endpointslices.discovery.k8s.io"],
    project=project,
)
