"""Network exposure of both charts: NetworkPolicies on by default (the master takes its two ports
from anyone by default and sends only to DNS and its store; the agent sends only to DNS, the API
server and the master and takes only the daemons' pushes; the daemons send only to DNS and the
intake), the intake token on by default, and a metrics DaemonSet that mounts only the host's
/proc and /sys, read-only. The /metrics ports and who may scrape them: test_chart_metrics.py."""

from __future__ import annotations

from typing import Any

from tests.deploy.helmtool import MASTER_CHART, Helm, kinds, render_agent

Objs = dict[tuple[str, str], dict[str, Any]]
AGENT_PODS = {
    "app.kubernetes.io/name": "lookout-agent",
    "app.kubernetes.io/instance": "lookout-agent",
}


def ports(rule: dict[str, Any]) -> set[tuple[str, int]]:
    return {(p["protocol"], p["port"]) for p in rule.get("ports", [])}


def all_ports(rules: list[dict[str, Any]]) -> set[tuple[str, int]]:
    return set().union(*(ports(r) for r in rules))


def render_master(helm: Helm, **sets: str) -> Objs:
    return kinds(helm.template(MASTER_CHART, release="lookout-master", sets=sets))


def selects(policy: dict[str, Any], pod_labels: dict[str, str]) -> bool:
    return policy["spec"]["podSelector"]["matchLabels"].items() <= pod_labels.items()


def pod_labels(objs: Objs, kind: str, name: str) -> dict[str, str]:
    labels: dict[str, str] = objs[(kind, name)]["spec"]["template"]["metadata"]["labels"]
    return labels


def test_master_policy_opens_only_http_grpc_and_metrics_and_sends_only_dns_by_default(
    helm: Helm,
) -> None:
    objs = render_master(helm)
    policy = objs[("NetworkPolicy", "lookout-master")]
    assert selects(policy, pod_labels(objs, "Deployment", "lookout-master"))
    spec = policy["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert all_ports(spec["ingress"]) == {("TCP", 8080), ("TCP", 7443), ("TCP", 9090)}
    # HTTP and gRPC from anyone, by default; /metrics only from metrics.allowFrom.
    from_anyone = [rule for rule in spec["ingress"] if "from" not in rule]
    assert all_ports(from_anyone) == {("TCP", 8080), ("TCP", 7443)}
    assert all_ports(spec["egress"]) == {("UDP", 53), ("TCP", 53)}


def test_master_policy_takes_sources_and_allows_the_mysql_store(helm: Helm) -> None:
    objs = render_master(
        helm,
        **{
            "store.type": "mysql",
            "store.mysql.existingSecret": "lookout-mysql",
            "networkPolicy.grpcFrom[0].ipBlock.cidr": "203.0.113.0/24",
        },
    )
    spec = objs[("NetworkPolicy", "lookout-master")]["spec"]
    grpc = next(r for r in spec["ingress"] if ports(r) == {("TCP", 7443)})
    assert grpc["from"] == [{"ipBlock": {"cidr": "203.0.113.0/24"}}]
    assert ("TCP", 3306) in all_ports(spec["egress"])
    no_egress = render_master(helm, **{"networkPolicy.egress.enabled": "false"})
    assert no_egress[("NetworkPolicy", "lookout-master")]["spec"]["policyTypes"] == ["Ingress"]
    assert ("NetworkPolicy", "lookout-master") not in render_master(
        helm, **{"networkPolicy.enabled": "false"}
    )


def test_agent_policy_sends_to_dns_api_server_and_master_and_takes_only_the_daemons(
    helm: Helm,
) -> None:
    objs = render_agent(helm)
    agent = objs[("NetworkPolicy", "lookout-agent")]
    assert selects(agent, pod_labels(objs, "Deployment", "lookout-agent"))
    assert not selects(agent, pod_labels(objs, "DaemonSet", "lookout-agent-metrics"))
    spec = agent["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"]
    assert all_ports(spec["egress"]) == {
        ("UDP", 53),
        ("TCP", 53),
        ("TCP", 443),
        ("TCP", 6443),
        ("TCP", 7443),  # the port of master.address
    }
    assert all_ports(spec["ingress"]) == {("TCP", 7444), ("TCP", 9091)}  # intake, /metrics
    [intake] = [r for r in spec["ingress"] if ports(r) == {("TCP", 7444)}]
    assert intake["from"] == [
        {"podSelector": {"matchLabels": AGENT_PODS | {"app.kubernetes.io/component": "metrics"}}}
    ]

    daemons = objs[("NetworkPolicy", "lookout-agent-metrics")]
    assert selects(daemons, pod_labels(objs, "DaemonSet", "lookout-agent-metrics"))
    assert daemons["spec"]["ingress"] == []
    to_agent = [r for r in daemons["spec"]["egress"] if "to" in r]
    assert to_agent == [
        {
            "to": [
                {
                    "podSelector": {
                        "matchLabels": AGENT_PODS | {"app.kubernetes.io/component": "agent"}
                    }
                }
            ],
            "ports": [{"protocol": "TCP", "port": 7444}],
        }
    ]


def test_agent_policy_follows_the_master_port_cidrs_and_metrics_switch(helm: Helm) -> None:
    objs = render_agent(
        helm,
        **{
            "master.address": "lookout.example.com:443",
            "networkPolicy.masterCidrs": "{203.0.113.10/32}",
            "networkPolicy.apiServerCidrs": "{10.0.0.1/32}",
            "metrics.enabled": "false",
        },
    )
    spec = objs[("NetworkPolicy", "lookout-agent")]["spec"]
    assert all_ports(spec["ingress"]) == {("TCP", 9091)}  # the daemons' intake rule is gone
    assert ("NetworkPolicy", "lookout-agent-metrics") not in objs
    cidrs = {
        block["ipBlock"]["cidr"]: ports(rule)
        for rule in spec["egress"]
        for block in rule.get("to", [])
    }
    assert cidrs == {
        "10.0.0.1/32": {("TCP", 443), ("TCP", 6443)},
        "203.0.113.10/32": {("TCP", 443)},
    }


def test_the_intake_is_token_protected_by_default(helm: Helm) -> None:
    objs = render_agent(helm)
    agent = objs[("Deployment", "lookout-agent")]["spec"]["template"]["spec"]["containers"][0]
    daemon = objs[("DaemonSet", "lookout-agent-metrics")]["spec"]["template"]["spec"]
    agent_env = {e["name"]: e for e in agent["env"]}
    daemon_env = {e["name"]: e for e in daemon["containers"][0]["env"]}
    assert (
        agent_env["AGENT_INTAKE__TOKEN"]["valueFrom"]
        == daemon_env["METRICS_INTAKE_TOKEN"]["valueFrom"]
    )


def test_metrics_daemon_mounts_only_host_proc_and_sys_read_only_by_default(helm: Helm) -> None:
    objs = render_agent(helm)
    ds = objs[("DaemonSet", "lookout-agent-metrics")]["spec"]["template"]["spec"]
    assert {v["hostPath"]["path"] for v in ds["volumes"] if "hostPath" in v} == {"/proc", "/sys"}
    mounts = ds["containers"][0]["volumeMounts"]
    assert {m["mountPath"] for m in mounts} == {"/host/proc", "/host/sys"}
    assert all(m["readOnly"] is True for m in mounts)
    assert not ds.get("hostNetwork") and not ds.get("hostPID")

    rootfs = render_agent(helm, **{"metrics.mountRootfs": "true"})
    ds = rootfs[("DaemonSet", "lookout-agent-metrics")]["spec"]["template"]["spec"]
    root = next(m for m in ds["containers"][0]["volumeMounts"] if m["mountPath"] == "/host/root")
    assert root["readOnly"] is True
