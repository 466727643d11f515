"""The agent chart's pod-metrics values (issue 19): on by default like the agent, with env the
agent accepts and get/list on ``metrics.k8s.io`` pods and nodes -- the agent's two lists, no
watch, nothing else in that group; off, the agent is told so and the ClusterRole names the
group nowhere. The real authorizer's view of the same grant is in ``test_install.py``."""

from __future__ import annotations

from typing import Any

from agent.pod_metrics.running import NODES_PATH, PODS_PATH
from agent.pod_metrics.settings import PodMetricsSettings
from tests.deploy.helmtool import POD_METRICS_GRANTS, Helm, grants, render_agent

GROUP = "metrics.k8s.io"
Objs = dict[tuple[str, str], dict[str, Any]]


def _env(objs: Objs) -> dict[str, str]:
    [c] = objs[("Deployment", "lookout-agent")]["spec"]["template"]["spec"]["containers"]
    return {e["name"]: e.get("value", "") for e in c.get("env", [])}


def _settings(objs: Objs) -> PodMetricsSettings:
    prefix = "AGENT_POD_METRICS__"
    return PodMetricsSettings.model_validate(
        {k.removeprefix(prefix).lower(): v for k, v in _env(objs).items() if k.startswith(prefix)}
    )


def _metrics_grants(objs: Objs) -> set[tuple[str, str]]:
    role = objs[("ClusterRole", "lookout-agent")]
    return {(res, verb) for group, res, verb in grants(role) if group == GROUP}


def test_on_by_default_with_get_list_on_metrics_pods_and_nodes_only(helm: Helm) -> None:
    objs = render_agent(helm)
    settings = _settings(objs)
    assert settings.enabled and settings.interval_s == 30.0
    # The agent's own paths name the resources the grant must cover.
    resources = {PODS_PATH.rsplit("/", 1)[1], NODES_PATH.rsplit("/", 1)[1]}
    assert resources == {"pods", "nodes"}
    assert _metrics_grants(objs) == {(r, v) for r in resources for v in ("get", "list")}
    assert {(GROUP, r, v) for r, v in _metrics_grants(objs)} == POD_METRICS_GRANTS


def test_the_interval_value_reaches_the_agent(helm: Helm) -> None:
    objs = render_agent(helm, **{"podMetrics.intervalSeconds": "60"})
    assert _settings(objs).interval_s == 60.0


def test_off_tells_the_agent_and_grants_nothing_in_metrics_k8s_io(helm: Helm) -> None:
    objs = render_agent(helm, **{"podMetrics.enabled": "false"})
    assert not _settings(objs).enabled
    assert _metrics_grants(objs) == set()
