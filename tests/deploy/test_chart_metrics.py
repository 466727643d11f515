"""The processes' own Prometheus ``/metrics`` in both charts: the master's (``metrics.*``) and the
agent Deployment's (``selfMetrics.*``: the agent chart's ``metrics`` is the node DaemonSet). On
by default on a port of their own, plain HTTP without auth, so the NetworkPolicy admits only the
``allowFrom`` peers (Prometheus pods in the release namespace or in ``monitoring``) on it and
the API and gRPC rules stay as they were; off means an empty listen address (nothing served, not
even on loopback), no port and no rule. A ServiceMonitor (and, for the agent, the headless
Service it needs) only when asked for; the master's metrics Service is always ClusterIP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.deploy.helmtool import (
    AGENT_CHART,
    AGENT_REQUIRED,
    MASTER_CHART,
    Helm,
    HelmError,
    kinds,
    render_agent,
)

Objs = dict[tuple[str, str], dict[str, Any]]

PROMETHEUS = {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}
DEFAULT_SCRAPERS = [
    {"podSelector": PROMETHEUS},
    {
        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}},
        "podSelector": PROMETHEUS,
    },
]
# chart -> (release, values key of its /metrics, workload serving it, listen env, default port)
CHARTS = {
    "master": ("lookout-master", "metrics", "lookout-master", "MASTER_METRICS_LISTEN", 9090),
    "agent": ("lookout-agent", "selfMetrics", "lookout-agent", "AGENT_METRICS_LISTEN", 9091),
}


def render(helm: Helm, chart: str, *, values: tuple[Path, ...] = (), **sets: str) -> Objs:
    if chart == "agent":
        objs = helm.template(
            AGENT_CHART, release="lookout-agent", values=values, sets={**AGENT_REQUIRED, **sets}
        )
    else:
        objs = helm.template(MASTER_CHART, release="lookout-master", values=values, sets=sets)
    return kinds(objs)


def container(objs: Objs, kind: str, name: str) -> dict[str, Any]:
    first: dict[str, Any] = objs[(kind, name)]["spec"]["template"]["spec"]["containers"][0]
    return first


def env_of(c: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in c.get("env", [])}


def port_names(c: dict[str, Any]) -> dict[str, int]:
    return {p["name"]: p["containerPort"] for p in c.get("ports", [])}


def ingress_on(objs: Objs, policy: str, port: int) -> list[dict[str, Any]]:
    rules: list[dict[str, Any]] = objs[("NetworkPolicy", policy)]["spec"]["ingress"]
    return [r for r in rules if {"protocol": "TCP", "port": port} in r.get("ports", [])]


def services_with_port(objs: Objs, name: str) -> list[str]:
    return [
        key[1]
        for key, o in objs.items()
        if key[0] == "Service" and any(p["name"] == name for p in o["spec"]["ports"])
    ]


def values_file(tmp_path: Path, values: dict[str, Any]) -> tuple[Path, ...]:
    path = tmp_path / "values.yaml"
    path.write_text(yaml.safe_dump(values))
    return (path,)


# --- on by default -------------------------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS)
def test_metrics_listen_on_all_addresses_of_a_named_port_by_default(helm: Helm, chart: str) -> None:
    _, _, workload, listen, port = CHARTS[chart]
    c = container(render(helm, chart), "Deployment", workload)
    assert env_of(c)[listen] == f"0.0.0.0:{port}"
    assert port_names(c)["metrics"] == port


@pytest.mark.parametrize("chart", CHARTS)
def test_only_prometheus_pods_here_or_in_monitoring_may_reach_the_metrics_port(
    helm: Helm, chart: str
) -> None:
    release, _, _, _, port = CHARTS[chart]
    [rule] = ingress_on(render(helm, chart), release, port)
    assert rule["ports"] == [{"protocol": "TCP", "port": port}]
    assert rule["from"] == DEFAULT_SCRAPERS


def test_master_api_and_grpc_rules_are_not_widened_by_the_metrics_rule(helm: Helm) -> None:
    rules = render(helm, "master")[("NetworkPolicy", "lookout-master")]["spec"]["ingress"]
    open_rules = [r for r in rules if "from" not in r]
    assert [r["ports"] for r in open_rules] == [
        [{"protocol": "TCP", "port": 8080}],
        [{"protocol": "TCP", "port": 7443}],
    ]
    assert all(r["from"] == DEFAULT_SCRAPERS for r in rules if r not in open_rules)


def test_master_metrics_have_a_cluster_ip_service_of_their_own(helm: Helm) -> None:
    objs = render(helm, "master", **{"service.http.type": "LoadBalancer"})
    svc = objs[("Service", "lookout-master-metrics")]["spec"]
    assert svc["type"] == "ClusterIP"
    assert svc["ports"] == [
        {
            "name": "metrics",
            "port": 9090,
            "targetPort": "metrics",
            "protocol": "TCP",
            "appProtocol": "http",
        }
    ]
    assert svc["selector"].items() <= (
        objs[("Deployment", "lookout-master")]["spec"]["template"]["metadata"]["labels"].items()
    )
    # Never on the HTTP Service, which may be a load balancer or node port.
    assert services_with_port(objs, "metrics") == ["lookout-master-metrics"]
    assert objs[("Service", "lookout-master")]["spec"]["type"] == "LoadBalancer"


def test_only_the_agent_deployment_serves_metrics_and_has_no_service_without_a_monitor(
    helm: Helm,
) -> None:
    objs = render_agent(helm)
    daemon = container(objs, "DaemonSet", "lookout-agent-metrics")
    assert "AGENT_METRICS_LISTEN" not in env_of(daemon)
    assert "metrics" not in port_names(daemon)
    assert services_with_port(objs, "metrics") == []
    # The daemons' own policy still takes nothing in.
    assert objs[("NetworkPolicy", "lookout-agent-metrics")]["spec"]["ingress"] == []


def test_a_custom_port_moves_env_container_port_service_and_rule(helm: Helm) -> None:
    objs = render(helm, "master", **{"metrics.port": "9464"})
    c = container(objs, "Deployment", "lookout-master")
    assert env_of(c)["MASTER_METRICS_LISTEN"] == "0.0.0.0:9464"
    assert port_names(c)["metrics"] == 9464
    assert objs[("Service", "lookout-master-metrics")]["spec"]["ports"][0]["port"] == 9464
    assert ingress_on(objs, "lookout-master", 9464)
    assert not ingress_on(objs, "lookout-master", 9090)


# --- allowFrom -----------------------------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS)
def test_allow_from_replaces_the_default_scrapers(helm: Helm, chart: str, tmp_path: Path) -> None:
    release, key, _, _, port = CHARTS[chart]
    peers = [
        {
            "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}},
            "podSelector": {"matchLabels": {"app.kubernetes.io/name": "vmagent"}},
        }
    ]
    objs = render(helm, chart, values=values_file(tmp_path, {key: {"allowFrom": peers}}))
    [rule] = ingress_on(objs, release, port)
    assert rule["from"] == peers


@pytest.mark.parametrize("chart", CHARTS)
def test_an_empty_allow_from_admits_nobody_rather_than_everybody(
    helm: Helm, chart: str, tmp_path: Path
) -> None:
    release, key, workload, listen, port = CHARTS[chart]
    objs = render(helm, chart, values=values_file(tmp_path, {key: {"allowFrom": []}}))
    assert ingress_on(objs, release, port) == []
    assert env_of(container(objs, "Deployment", workload))[listen] == f"0.0.0.0:{port}"


def test_the_agent_keeps_a_metrics_only_ingress_rule_without_the_daemons(helm: Helm) -> None:
    objs = render_agent(helm, **{"metrics.enabled": "false"})
    [rule] = objs[("NetworkPolicy", "lookout-agent")]["spec"]["ingress"]
    assert rule == {"from": DEFAULT_SCRAPERS, "ports": [{"protocol": "TCP", "port": 9091}]}


# --- off -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS)
def test_disabled_metrics_serve_nothing_open_no_port_and_make_no_service(
    helm: Helm, chart: str
) -> None:
    release, key, workload, listen, port = CHARTS[chart]
    objs = render(helm, chart, **{f"{key}.enabled": "false"})
    c = container(objs, "Deployment", workload)
    assert env_of(c)[listen] == ""  # empty: not served, not even on loopback
    assert "metrics" not in port_names(c)
    assert ingress_on(objs, release, port) == []
    assert services_with_port(objs, "metrics") == []
    assert not [k for k in objs if k[0] == "ServiceMonitor"]


def test_with_metrics_and_daemons_off_the_agent_takes_nothing_in(helm: Helm) -> None:
    objs = render_agent(helm, **{"metrics.enabled": "false", "selfMetrics.enabled": "false"})
    assert objs[("NetworkPolicy", "lookout-agent")]["spec"]["ingress"] == []
    assert "ports" not in container(objs, "Deployment", "lookout-agent")


# --- ServiceMonitor ------------------------------------------------------------------------------


@pytest.mark.parametrize("chart", CHARTS)
def test_no_service_monitor_unless_enabled(helm: Helm, chart: str) -> None:
    assert not [k for k in render(helm, chart) if k[0] == "ServiceMonitor"]


@pytest.mark.parametrize("chart", CHARTS)
def test_service_monitor_scrapes_exactly_the_metrics_service_over_plain_http(
    helm: Helm, chart: str
) -> None:
    release, key, _, _, _ = CHARTS[chart]
    objs = render(
        helm,
        chart,
        **{
            f"{key}.serviceMonitor.enabled": "true",
            f"{key}.serviceMonitor.interval": "15s",
            f"{key}.serviceMonitor.labels.release": "prometheus",
            # The HTTP port's TLS does not reach the metrics port.
            **({"http.tls.existingSecret": "lookout-web-tls"} if chart == "master" else {}),
        },
    )
    monitor = objs[("ServiceMonitor", release)]
    assert monitor["apiVersion"] == "monitoring.coreos.com/v1"
    assert monitor["metadata"]["labels"]["release"] == "prometheus"
    assert monitor["spec"]["endpoints"] == [
        {"port": "metrics", "path": "/metrics", "scheme": "http", "interval": "15s"}
    ]
    selector = monitor["spec"]["selector"]["matchLabels"].items()
    selected = [
        name
        for (kind, name), o in objs.items()
        if kind == "Service" and selector <= o["metadata"]["labels"].items()
    ]
    assert set(services_with_port(objs, "metrics")) == {f"{release}-metrics"}
    assert f"{release}-metrics" in selected


def test_the_agent_monitor_service_is_headless_and_includes_standby_replicas(helm: Helm) -> None:
    objs = render_agent(helm, **{"selfMetrics.serviceMonitor.enabled": "true", "replicas": "2"})
    spec = objs[("Service", "lookout-agent-metrics")]["spec"]
    assert spec["clusterIP"] == "None"
    # Followers serve /metrics but are not Ready (the intake probe): scrape them anyway.
    assert spec["publishNotReadyAddresses"] is True
    pods = objs[("Deployment", "lookout-agent")]["spec"]["template"]["metadata"]["labels"]
    daemons = objs[("DaemonSet", "lookout-agent-metrics")]["spec"]["template"]["metadata"]
    assert spec["selector"].items() <= pods.items()
    assert not spec["selector"].items() <= daemons["labels"].items()
    monitor = objs[("ServiceMonitor", "lookout-agent")]["spec"]["selector"]["matchLabels"]
    assert (
        not monitor.items()
        <= objs[("Service", "lookout-agent-intake")]["metadata"]["labels"].items()
    )


# --- refusals ------------------------------------------------------------------------------------


def refusal(helm: Helm, chart: str, **sets: str) -> str:
    with pytest.raises(HelmError) as caught:
        render(helm, chart, **sets)
    return caught.value.stderr


@pytest.mark.parametrize("chart", CHARTS)
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("port", "0", "minimum"),
        ("port", "65536", "maximum"),
        ("port", "metrics", "want integer"),
        ("prot", "9090", "additional properties 'prot' not allowed"),
        ("serviceMonitor.scheme", "https", "additional properties 'scheme' not allowed"),
        ("serviceMonitor.interval", "often", "does not match pattern"),
        ("allowFrom[0].podSelectr.app", "prometheus", "additional properties 'podSelectr'"),
        ("allowFrom[0].ipBlock.except[0]", "10.0.0.0/8", "missing property 'cidr'"),
    ],
)
def test_the_schema_rejects_a_bad_metrics_value(
    helm: Helm, chart: str, field: str, value: str, message: str
) -> None:
    key = CHARTS[chart][1]
    err = refusal(helm, chart, **{f"{key}.{field}": value})
    assert "values don't meet the specifications of the schema" in err
    assert f"/{key}" in err
    assert message in err


@pytest.mark.parametrize(
    ("chart", "sets", "message"),
    [
        ("master", {"metrics.port": "8080"}, "metrics.port=8080 is taken"),
        ("master", {"metrics.port": "7443"}, "metrics.port=7443 is taken"),
        ("agent", {"selfMetrics.port": "7444"}, "selfMetrics.port=7444 is the intake port"),
        (
            "master",
            {"metrics.enabled": "false", "metrics.serviceMonitor.enabled": "true"},
            "metrics.serviceMonitor.enabled=true needs metrics.enabled=true",
        ),
        (
            "agent",
            {"selfMetrics.enabled": "false", "selfMetrics.serviceMonitor.enabled": "true"},
            "selfMetrics.serviceMonitor.enabled=true needs selfMetrics.enabled=true",
        ),
        # The master's ServiceMonitor used to scrape the HTTP port, which no longer serves it.
        ("master", {"serviceMonitor.enabled": "true"}, "moved to metrics.serviceMonitor"),
    ],
)
def test_contradictory_metrics_settings_fail_with_a_readable_message(
    helm: Helm, chart: str, sets: dict[str, str], message: str
) -> None:
    assert message in refusal(helm, chart, **sets)
