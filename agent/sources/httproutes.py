"""HTTPRoute source (gateway.networking.k8s.io/v1, a CRD: skipped where not installed): the
parent Gateways, hostnames and each rule's matches -> backends, so an SLO can name a route and
the dashboard can show where its traffic goes; per parent, the Accepted / ResolvedRefs
conditions. Filters are dropped: they can carry header values nobody asked to mirror."""

from __future__ import annotations

from typing import Any

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, conditions, meta, pick
from shared import kinds


def _rule(rule: dict[str, Any]) -> dict[str, Any]:
    return compact(
        {
            "name": rule.get("name"),
            "matches": rule.get("matches"),
            "backendRefs": [
                pick(b, ("group", "kind", "name", "namespace", "port", "weight"))
                for b in rule.get("backendRefs") or ()
            ],
        }
    )


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    parents = (obj.get("status") or {}).get("parents") or ()
    status = [
        compact({"parentRef": p.get("parentRef"), "conditions": conditions(p.get("conditions"))})
        for p in parents
    ]
    body = {
        "metadata": meta(obj),
        "spec": compact(
            {
                "parentRefs": spec.get("parentRefs"),
                "hostnames": spec.get("hostnames"),
                "rules": [_rule(r) for r in spec.get("rules") or ()],
            }
        ),
        "status": compact({"parents": status}),
    }
    accepted = all(
        any(c.get("type") == "Accepted" and c.get("status") == "True" for c in p["conditions"])
        for p in status
        if p.get("conditions")
    )
    return Projection(body, "ok" if accepted else "warning")


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["httproutes.gateway.networking.k8s.io"],
    project=project,
    optional_api=True,
)
