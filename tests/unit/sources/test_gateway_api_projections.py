"""Gateway API projections: an HTTPRoute keeps its parents, hostnames and rules' matches and
backends (what an SLO and the dashboard name) but drops filters (header values); its health
follows the parents' Accepted condition. A Gateway keeps listeners and addresses and is a
warning when not Programmed."""

from __future__ import annotations

from typing import Any

from agent.sources import gateways, httproutes


def _route(accepted: str) -> dict[str, Any]:
    return {
        "metadata": {"name": "shop", "namespace": "web", "managedFields": [{"x": 1}]},
        "spec": {
            "parentRefs": [{"name": "edge"}],
            "hostnames": ["shop.test"],
            "rules": [
                {
                    "matches": [{"path": {"type": "PathPrefix", "value": "/cart"}}],
                    "filters": [{"type": "RequestHeaderModifier", "requestHeaderModifier": {
                        "set": [{"name": "Authorization", "value": "Bearer s3cret"}]}}],
                    "backendRefs": [{"name": "cart", "port": 8080, "weight": 1}],
                }
            ],
        },
        "status": {"parents": [{"parentRef": {"name": "edge"}, "controllerName": "x",
                                "conditions": [{"type": "Accepted", "status": accepted}]}]},
    }  # fmt: skip


def test_httproute_keeps_routing_and_drops_filters() -> None:
    p = httproutes.project(_route("True"))
    assert p.health == "ok"
    assert p.body["spec"] == {
        "parentRefs": [{"name": "edge"}],
        "hostnames": ["shop.test"],
        "rules": [
            {
                "matches": [{"path": {"type": "PathPrefix", "value": "/cart"}}],
                "backendRefs": [{"name": "cart", "port": 8080, "weight": 1}],
            }
        ],
    }
    assert "s3cret" not in repr(p.body) and "managedFields" not in p.body["metadata"]


def test_httproute_not_accepted_by_its_gateway_is_a_warning() -> None:
    assert httproutes.project(_route("False")).health == "warning"


def test_gateway_not_programmed_is_a_warning() -> None:
    gw = {
        "metadata": {"name": "edge", "namespace": "gw"},
        "spec": {"gatewayClassName": "eg", "listeners": [
            {"name": "http", "port": 80, "protocol": "HTTP",
             "tls": {"certificateRefs": [{"name": "cert"}]}}]},
        "status": {"addresses": [{"value": "10.0.0.1"}],
                   "conditions": [{"type": "Programmed", "status": "False"}]},
    }  # fmt: skip
    p = gateways.project(gw)
    assert p.health == "warning"
    assert p.body["spec"]["listeners"] == [{"name": "http", "port": 80, "protocol": "HTTP"}]
    assert p.body["status"]["addresses"] == [{"value": "10.0.0.1"}]
