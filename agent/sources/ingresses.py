"""Ingress source (networking.k8s.io/v1): class, hosts, paths -> backends; no TLS secrets' data
(only their names, as in the object)."""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, meta
from shared import kinds


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    body = {
        "metadata": meta(obj),
        "spec": compact(
            {
                "ingressClassName": spec.get("ingressClassName"),
                "defaultBackend": spec.get("defaultBackend"),
                "rules": spec.get("rules"),
                "tls": spec.get("tls"),
            }
        ),
        "status": compact({"loadBalancer": (status.get("loadBalancer") or {}).get("ingress")}),
    }
    return Projection(body, "ok")


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["ingresses.networking.k8s.io"],
    project=project,
)
