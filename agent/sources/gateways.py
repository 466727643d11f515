"""Gateway source (gateway.networking.k8s.io/v1, a CRD: skipped where not installed): class,
listeners (name, hostname, port, protocol, allowed routes; TLS settings left out) and the
Accepted / Programmed conditions with the addresses, so HTTPRoutes can be shown under the
Gateway that carries them."""

from __future__ import annotations

from agent.sources.spec import Projection, Raw, SourceSpec
from agent.sources.trimming import compact, conditions, meta, pick
from shared import kinds

_LISTENER_KEYS = ("name", "hostname", "port", "protocol", "allowedRoutes")


def project(obj: Raw) -> Projection:
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    conds = conditions(status.get("conditions"))
    body = {
        "metadata": meta(obj),
        "spec": compact(
            {
                "gatewayClassName": spec.get("gatewayClassName"),
                "listeners": [pick(x, _LISTENER_KEYS) for x in spec.get("listeners") or ()],
            }
        ),
        "status": compact({"addresses": status.get("addresses"), "conditions": conds}),
    }
    programmed = [c for c in conds if c.get("type") == "Programmed"]
    bad = programmed and programmed[0].get("status") == "False"
    return Projection(body, "warning" if bad else "ok")


SPEC = SourceSpec(
    api=kinds.BY_RESOURCE["gateways.gateway.networking.k8s.io"],
    project=project,
    optional_api=True,
)
