"""The agent chart's ingress-metrics values: off by default (no env, no extra grant); on, the
agent gets settings it accepts -- the chart's selectors are the agent's own defaults -- the
ClusterRole gains pods get/list and nothing else, and the NetworkPolicy lets the agent reach
the controllers' metrics ports. The Gateway API kinds are read (never written) by default."""

from __future__ import annotations

import json
from typing import Any

from agent.ingress_metrics.discovery import DEFAULT_SELECTORS
from agent.ingress_metrics.settings import IngressMetricsSettings
from tests.deploy.helmtool import Helm, grants, render_agent

ON = {"ingressMetrics.enabled": "true"}
NO_POD_WATCH = {"sources.watch.core": "{nodes}"}  # so the grants below are ingressMetrics' own


def _env(objs: dict[tuple[str, str], dict[str, Any]]) -> dict[str, str]:
    [c] = objs[("Deployment", "lookout-agent")]["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e.get("value", "") for e in c.get("env", [])}


def _pod_grants(objs: dict[tuple[str, str], dict[str, Any]]) -> set[str]:
    role = objs[("ClusterRole", "lookout-agent")]
    return {verb for group, res, verb in grants(role) if (group, res) == ("", "pods")}


def test_off_by_default_without_env_or_grant(helm: Helm) -> None:
    objs = render_agent(helm, **NO_POD_WATCH)
    assert not any(k.startswith("AGENT_INGRESS_METRICS__") for k in _env(objs))
    assert _pod_grants(objs) <= {"delete"}  # restart_pod's verb only, no reads


def test_enabled_gives_settings_the_agent_accepts_and_pods_get_list_only(helm: Helm) -> None:
    objs = render_agent(helm, **ON, **NO_POD_WATCH)
    env = _env(objs)
    settings = IngressMetricsSettings.model_validate(
        {
            "enabled": env["AGENT_INGRESS_METRICS__ENABLED"],
            "interval_s": env["AGENT_INGRESS_METRICS__INTERVAL_S"],
            "timeout_s": env["AGENT_INGRESS_METRICS__TIMEOUT_S"],
            "selectors": json.loads(env["AGENT_INGRESS_METRICS__SELECTORS"]),
            "targets": json.loads(env["AGENT_INGRESS_METRICS__TARGETS"]),
            "bad_statuses": json.loads(env["AGENT_INGRESS_METRICS__BAD_STATUSES"]),
        }
    )
    assert settings.enabled and settings.interval_s == 15.0 and settings.bad_statuses == ("5xx",)
    assert [s.to_selector() for s in settings.selectors] == list(DEFAULT_SELECTORS)
    assert _pod_grants(objs) - {"delete"} == {"get", "list"}


def test_enabled_opens_egress_to_the_metrics_ports(helm: Helm) -> None:
    objs = render_agent(helm, **ON, **{"ingressMetrics.egressPorts": "{2019}"})
    policy = objs[("NetworkPolicy", "lookout-agent")]
    ports = {p["port"] for rule in policy["spec"]["egress"] for p in rule.get("ports", ())}
    assert {10254, 9100, 19001, 2019} <= ports
    off = render_agent(helm)[("NetworkPolicy", "lookout-agent")]
    off_ports = {p["port"] for rule in off["spec"]["egress"] for p in rule.get("ports", ())}
    assert not {10254, 9100, 19001} & off_ports


def test_gateway_api_kinds_are_read_by_default(helm: Helm) -> None:
    role = render_agent(helm)[("ClusterRole", "lookout-agent")]
    api = {(res, verb) for group, res, verb in grants(role) if group == "gateway.networking.k8s.io"}
    assert api == {(r, v) for r in ("gateways", "httproutes") for v in ("get", "list", "watch")}
