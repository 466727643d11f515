"""The two Helm charts through real `helm`: strict lint, rendering with default and production
values, schema errors people will actually see, and the agent's RBAC derived from its values.
No cluster needed (tests/deploy/test_install.py covers installing)."""

from __future__ import annotations

import base64
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.commands.catalogue import CATALOGUE
from tests.deploy.helmtool import (
    AGENT_CHART,
    AGENT_REQUIRED,
    MASTER_CHART,
    PRODUCTION_VALUES,
    REPO,
    Grant,
    Helm,
    HelmError,
    commands,
    grants,
    kinds,
    render_agent,
)

ALL_COMMANDS = list(CATALOGUE)


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """values-production.yaml holds one section per chart; each becomes its own values file."""
    sections = yaml.safe_load(PRODUCTION_VALUES.read_text())
    out = tmp_path_factory.mktemp("production")
    files = {}
    for chart, values in sections.items():
        files[chart] = out / f"{chart}.yaml"
        files[chart].write_text(yaml.safe_dump(values))
    return files


def render_master(helm: Helm, **sets: str) -> dict[tuple[str, str], dict[str, Any]]:
    return kinds(helm.template(MASTER_CHART, release="lookout-master", sets=sets))


def env_of(container: dict[str, Any]) -> dict[str, Any]:
    return {e["name"]: e.get("value", e.get("valueFrom")) for e in container.get("env", [])}


def agent_grants(helm: Helm, **sets: str) -> set[Grant]:
    return grants(render_agent(helm, **sets)[("ClusterRole", "lookout-agent")])


def schema_error(helm: Helm, chart: Path, sets: dict[str, str]) -> str:
    with pytest.raises(HelmError) as caught:
        helm.template(chart, sets=sets)
    return caught.value.stderr


# --- lint and render ---------------------------------------------------------------------------


def test_master_chart_lints_strictly_with_default_values(helm: Helm) -> None:
    assert "1 chart(s) linted, 0 chart(s) failed" in helm.lint(MASTER_CHART)


def test_agent_chart_lints_strictly_with_only_the_required_values(helm: Helm) -> None:
    assert "0 chart(s) failed" in helm.lint(AGENT_CHART, sets=AGENT_REQUIRED)


@pytest.mark.parametrize(("chart", "section"), [(MASTER_CHART, "master"), (AGENT_CHART, "agent")])
def test_charts_lint_and_render_with_production_values(
    helm: Helm, production: dict[str, Path], chart: Path, section: str
) -> None:
    assert "0 chart(s) failed" in helm.lint(chart, values=[production[section]])
    assert helm.template(chart, values=[production[section]])


def test_master_defaults_keep_sqlite_on_a_retained_pvc_with_recreate(helm: Helm) -> None:
    objs = render_master(helm)
    deploy = objs[("Deployment", "lookout-master")]
    assert deploy["spec"]["strategy"] == {"type": "Recreate"}
    pvc = objs[("PersistentVolumeClaim", "lookout-master-data")]
    assert pvc["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep"
    volumes = {v["name"]: v for v in deploy["spec"]["template"]["spec"]["volumes"]}
    assert volumes["data"]["persistentVolumeClaim"]["claimName"] == "lookout-master-data"
    assert "MASTER_STORE_DSN" not in env_of(deploy["spec"]["template"]["spec"]["containers"][0])


def test_master_pod_is_hardened_and_probed(helm: Helm) -> None:
    pod = render_master(helm)[("Deployment", "lookout-master")]["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    container = pod["containers"][0]
    sc = container["securityContext"]
    assert sc["readOnlyRootFilesystem"] is True
    assert sc["allowPrivilegeEscalation"] is False
    assert sc["capabilities"] == {"drop": ["ALL"]}
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["resources"]["requests"]
    assert container["resources"]["limits"]
    mounts = {m["mountPath"] for m in container["volumeMounts"]}
    assert {"/var/lib/lookout", "/tmp"} <= mounts


def test_master_production_values_use_mysql_from_a_secret_tls_and_ingress(
    helm: Helm, production: dict[str, Path]
) -> None:
    objs = kinds(
        helm.template(MASTER_CHART, release="lookout-master", values=[production["master"]])
    )
    deploy = objs[("Deployment", "lookout-master")]
    assert deploy["spec"]["strategy"]["type"] == "RollingUpdate"
    pod = deploy["spec"]["template"]["spec"]
    env = env_of(pod["containers"][0])
    assert env["MASTER_STORE_DSN"] == {"secretKeyRef": {"name": "lookout-mysql", "key": "dsn"}}
    assert env["MASTER_TLS_CLIENT_CA_FILE"] == "/etc/lookout/client-ca/ca.crt"
    assert pod["containers"][0]["image"].endswith("@sha256:" + "0123456789abcdef" * 4)
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["tls"]["secret"]["secretName"] == "lookout-grpc-tls"
    assert "emptyDir" in volumes["data"]
    # Existing Secrets are used as they are: nothing generated, no PVC for a MySQL store.
    assert not {k for k in objs if k[0] in {"Secret", "PersistentVolumeClaim"}}
    ingress = objs[("Ingress", "lookout-master")]
    assert ingress["spec"]["rules"][0]["host"] == "lookout.example.com"
    assert objs[("Service", "lookout-master-grpc")]["spec"]["type"] == "LoadBalancer"
    assert ("ServiceMonitor", "lookout-master") in objs


def test_master_plaintext_switch_drops_tls_and_says_so(helm: Helm) -> None:
    objs = render_master(helm, **{"tls.plaintext": "true"})
    pod = objs[("Deployment", "lookout-master")]["spec"]["template"]["spec"]
    assert env_of(pod["containers"][0])["MASTER_GRPC_PLAINTEXT"] == "true"
    assert "tls" not in {v["name"] for v in pod["volumes"]}
    assert ("Secret", "lookout-master-tls") not in objs


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        ({"tls.plaintext": "true", "tls.existingSecret": "x"}, "contradictory"),
        ({"tls.selfSigned.enabled": "false"}, "gRPC needs a certificate"),
        ({"store.type": "mysql"}, "store.type=mysql needs store.mysql.existingSecret"),
    ],
)
def test_master_refuses_contradictory_or_incomplete_settings(
    helm: Helm, sets: dict[str, str], message: str
) -> None:
    assert message in schema_error(helm, MASTER_CHART, sets)


# --- schema errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("chart", [MASTER_CHART, AGENT_CHART])
def test_negative_replicas_fail_with_a_schema_error_naming_the_field(
    helm: Helm, chart: Path
) -> None:
    err = schema_error(helm, chart, {**AGENT_REQUIRED, "replicas": "-1"})
    assert "values don't meet the specifications of the schema" in err
    assert "replicas" in err
    assert "minimum" in err


def test_unknown_command_fails_with_a_schema_error_listing_the_known_ones(helm: Helm) -> None:
    err = schema_error(
        helm, AGENT_CHART, {**AGENT_REQUIRED, "policy.allowedCommands": "{scale,nuke_cluster}"}
    )
    assert "allowedCommands" in err
    assert "restart_pod" in err


def test_missing_master_address_fails_with_a_schema_error(helm: Helm) -> None:
    sets = {k: v for k, v in AGENT_REQUIRED.items() if k != "master.address"}
    err = schema_error(helm, AGENT_CHART, sets)
    assert "master" in err
    assert "address" in err


def test_missing_agent_token_fails_with_the_command_that_prints_it(helm: Helm) -> None:
    sets = {k: v for k, v in AGENT_REQUIRED.items() if not k.startswith("token.")}
    assert "lookout-master cluster add NAME" in schema_error(helm, AGENT_CHART, sets)


def test_master_values_with_a_typo_are_rejected(helm: Helm) -> None:
    err = schema_error(helm, MASTER_CHART, {"store.tpye": "mysql"})
    assert "tpye" in err


# --- agent RBAC derived from values ------------------------------------------------------------


def test_agent_reads_watched_kinds_but_not_secrets_by_default(helm: Helm) -> None:
    granted = agent_grants(helm)
    for group, resource in [("", "pods"), ("", "nodes"), ("apps", "deployments"), ("", "events")]:
        assert {(group, resource, v) for v in ("get", "list", "watch")} <= granted
    assert not {g for g in granted if g[1] == "secrets"}
    # Drain is listed by default but not switched on: no evictions.
    assert ("", "pods/eviction", "create") not in granted
    assert not {g for g in granted if g[2] in {"*", "escalate", "bind", "impersonate"}}


@pytest.mark.parametrize(
    ("disabled", "lost"),
    [
        (["pod_logs"], {("", "pods/log", "get")}),
        (["restart_pod", "delete_pod"], {("", "pods", "delete")}),
        (["cordon", "uncordon"], {("", "nodes", "patch")}),
        (
            ["scale"],
            {("apps", "deployments/scale", "patch"), ("apps", "statefulsets/scale", "patch")},
        ),
        (
            ["rollout_restart", "set_image", "set_resources", "rollback"],
            {("apps", "deployments", "patch")},
        ),
        (
            ["rollout_restart", "set_image", "set_resources"],
            {("apps", "daemonsets", "patch")},
        ),
    ],
)
def test_disabling_a_command_removes_its_verbs(
    helm: Helm, disabled: list[str], lost: set[Grant]
) -> None:
    assert lost <= agent_grants(helm)
    kept = [c for c in ALL_COMMANDS if c not in disabled]
    after = agent_grants(helm, **{"policy.allowedCommands": commands(kept)})
    assert not lost & after
    # Read access does not depend on commands.
    assert ("", "pods", "watch") in after


def test_commands_sharing_a_verb_keep_it_while_one_of_them_is_enabled(helm: Helm) -> None:
    granted = agent_grants(helm, **{"policy.allowedCommands": commands(["delete_pod"])})
    assert ("", "pods", "delete") in granted
    assert ("", "nodes", "patch") not in granted


def test_no_commands_means_read_only(helm: Helm) -> None:
    granted = agent_grants(helm, **{"policy.allowedCommands": "null"})
    assert {verb for _, _, verb in granted} == {"get", "list", "watch"}


def test_drain_needs_its_second_switch_for_evictions(helm: Helm) -> None:
    granted = agent_grants(helm, **{"policy.drainEnabled": "true"})
    assert {("", "pods/eviction", "create"), ("", "nodes", "patch")} <= granted


def test_enabling_secrets_grants_list_and_watch_only(helm: Helm) -> None:
    granted = agent_grants(helm, **{"sources.secretsEnabled": "true"})
    assert {g for g in granted if g[1] == "secrets"} == {
        ("", "secrets", "list"),
        ("", "secrets", "watch"),
    }


def test_allowed_namespaces_bind_namespaced_command_verbs_only_there(helm: Helm) -> None:
    objs = render_agent(helm, **{"policy.allowedNamespaces": "{shop,payments}"})
    cluster = grants(objs[("ClusterRole", "lookout-agent")])
    assert ("", "pods", "delete") not in cluster
    assert ("", "nodes", "patch") in cluster  # nodes are cluster-scoped
    assert ("", "pods", "delete") in grants(objs[("ClusterRole", "lookout-agent-commands")])
    everything = helm.template(
        AGENT_CHART,
        release="lookout-agent",
        sets={**AGENT_REQUIRED, "policy.allowedNamespaces": "{shop,payments}"},
    )
    bindings = [o for o in everything if o["kind"] == "RoleBinding"]
    assert sorted(b["metadata"]["namespace"] for b in bindings) == ["payments", "shop"]
    assert {b["roleRef"]["name"] for b in bindings} == {"lookout-agent-commands"}


def test_lease_rbac_and_leader_election_exist_only_with_several_replicas(helm: Helm) -> None:
    single = render_agent(helm)
    assert not [k for k in single if k[0] in {"Role", "RoleBinding"}]
    env1 = env_of(
        single[("Deployment", "lookout-agent")]["spec"]["template"]["spec"]["containers"][0]
    )
    assert "AGENT_LEADER_ELECTION__ENABLED" not in env1
    assert single[("Deployment", "lookout-agent")]["spec"]["strategy"]["type"] == "Recreate"

    several = render_agent(helm, replicas="3")
    role = several[("Role", "lookout-agent-leader")]
    assert ("coordination.k8s.io", "leases", "update") in grants(role)
    assert role["rules"][1]["resourceNames"] == ["lookout-agent-leader"]
    env3 = env_of(
        several[("Deployment", "lookout-agent")]["spec"]["template"]["spec"]["containers"][0]
    )
    assert env3["AGENT_LEADER_ELECTION__ENABLED"] == "true"
    assert env3["AGENT_LEADER_ELECTION__LEASE_NAME"] == "lookout-agent-leader"


def test_agent_settings_reach_the_process_as_its_env(helm: Helm) -> None:
    objs = render_agent(
        helm,
        **{
            "policy.allowedCommands": commands(["scale", "pod_logs"]),
            "sources.namespacesExclude": "{kube-system}",
            "token.existingSecret": "",
            "token.value": "tok-123",
        },
    )
    pod = objs[("Deployment", "lookout-agent")]["spec"]["template"]["spec"]
    env = env_of(pod["containers"][0])
    assert json.loads(env["AGENT_POLICY__ALLOWED_COMMANDS"]) == ["scale", "pod_logs"]
    assert json.loads(env["AGENT_SOURCES__NAMESPACES_EXCLUDE"]) == ["kube-system"]
    assert env["AGENT_SOURCES__SECRETS_ENABLED"] == "false"
    assert env["AGENT_MASTER_ADDRESS"] == "lookout-grpc.example.com:7443"
    assert env["AGENT_TOKEN_FILE"] == "/etc/lookout/token/token"
    token = objs[("Secret", "lookout-agent-token")]
    assert base64.b64decode(token["data"]["token"]) == b"tok-123"
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["token"]["secret"]["secretName"] == "lookout-agent-token"


# --- metrics DaemonSet -------------------------------------------------------------------------


def test_metrics_daemonset_reads_host_proc_and_sys_and_reaches_the_agent_intake(
    helm: Helm,
) -> None:
    objs = render_agent(helm)
    ds = objs[("DaemonSet", "lookout-agent-metrics")]["spec"]["template"]["spec"]
    container = ds["containers"][0]
    assert container["command"] == ["lookout-metrics"]
    mounts = {m["mountPath"]: m for m in container["volumeMounts"]}
    assert mounts["/host/proc"]["readOnly"] is True
    assert mounts["/host/sys"]["readOnly"] is True
    assert {v["hostPath"]["path"] for v in ds["volumes"]} == {"/proc", "/sys"}
    env = env_of(container)
    assert env["METRICS_NODE_NAME"] == {"fieldRef": {"fieldPath": "spec.nodeName"}}
    assert env["METRICS_PROC_ROOT"] == "/host/proc"
    assert env["METRICS_AGENT_ADDRESS"] == "lookout-agent-intake.lookout.svc:7444"
    intake = objs[("Service", "lookout-agent-intake")]
    agent_labels = objs[("Deployment", "lookout-agent")]["spec"]["template"]["metadata"]["labels"]
    assert intake["spec"]["selector"].items() <= agent_labels.items()
    assert env["METRICS_INTAKE_TOKEN"]["secretKeyRef"]["name"] == "lookout-agent-intake"
    agent_env = env_of(
        objs[("Deployment", "lookout-agent")]["spec"]["template"]["spec"]["containers"][0]
    )
    assert agent_env["AGENT_INTAKE__LISTEN"] == "0.0.0.0:7444"
    assert agent_env["AGENT_INTAKE__TOKEN"] == env["METRICS_INTAKE_TOKEN"]
    assert {t["key"] for t in ds["tolerations"]} >= {"node-role.kubernetes.io/control-plane"}
    assert container["resources"]["requests"] == {"cpu": "5m", "memory": "24Mi"}
    assert ds["automountServiceAccountToken"] is False


def test_metrics_daemonset_mounts_the_host_root_read_only_only_when_asked(helm: Helm) -> None:
    off = render_agent(helm)[("DaemonSet", "lookout-agent-metrics")]["spec"]["template"]["spec"]
    # The daemon's root points at the absent mount, so it measures no filesystem rather than
    # its own container's.
    assert env_of(off["containers"][0])["METRICS_ROOTFS"] == "/host/root"
    assert "/host/root" not in {m["mountPath"] for m in off["containers"][0]["volumeMounts"]}
    objs = render_agent(helm, **{"metrics.mountRootfs": "true"})
    ds = objs[("DaemonSet", "lookout-agent-metrics")]["spec"]["template"]["spec"]
    assert {v["hostPath"]["path"] for v in ds["volumes"]} == {"/proc", "/sys", "/"}
    mounts = {m["mountPath"]: m for m in ds["containers"][0]["volumeMounts"]}
    assert mounts["/host/root"]["readOnly"] is True


def test_metrics_can_be_turned_off_with_its_service_and_secret(helm: Helm) -> None:
    objs = render_agent(helm, **{"metrics.enabled": "false"})
    assert not [k for k in objs if "intake" in k[1] or k[0] == "DaemonSet"]


# --- plain manifests -----------------------------------------------------------------------------


def test_render_check_passes_on_fresh_manifests_and_fails_on_drift(
    helm_bin: Path, tmp_path: Path
) -> None:
    script = REPO / "scripts" / "render-manifests.sh"
    env = {**os.environ, "LOOKOUT_K8S_BIN": str(helm_bin.parent)}
    out = tmp_path / "k8s"

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(script), "--out", str(out), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert run().returncode == 0
    assert run("--check").returncode == 0
    role = yaml.safe_load((out / "agent-clusterrole.yaml").read_text())
    assert (role["kind"], role["metadata"]["name"]) == ("ClusterRole", "lookout-agent")
    (out / "lookout-master.yaml").write_text("# edited by hand\n")
    stale = run("--check")
    assert stale.returncode == 1
    assert "is stale: run scripts/render-manifests.sh" in stale.stderr
