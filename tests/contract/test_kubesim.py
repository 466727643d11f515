"""kubesim-only checks: what the contract suite cannot compare with the real control plane —
many clusters per process, seeded sizes, incidents and churn — read through the typed
``kubernetes`` client, whose (strict, pydantic) models reject any object missing a field the
real API server always sends."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from kubernetes import client, config, watch

from tests.contract.backends import wait_for


@pytest.fixture(scope="module")
def two_clusters(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Path]]:
    out = tmp_path_factory.mktemp("kubesim-multi")
    with (out / "kubesim.log").open("wb") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kubesim",
                "--clusters",
                "2",
                "--pods",
                "60",
                "--nodes",
                "4",
                "--churn",
                "20",
                "--crash-interval",
                "1",
                "--out",
                str(out),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    configs = [out / "sim-0.kubeconfig", out / "sim-1.kubeconfig"]
    try:
        wait_for(
            lambda: all(c.exists() for c in configs) or proc.poll() is not None,
            timeout=90,
            what="two kubeconfigs",
        )
        assert proc.poll() is None, (out / "kubesim.log").read_text()
        yield configs
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def _server(kubeconfig: Path) -> str:
    return str(yaml.safe_load(kubeconfig.read_text())["clusters"][0]["cluster"]["server"])


def test_each_simulated_cluster_has_its_own_port_and_kubeconfig(two_clusters: list[Path]) -> None:
    servers = [_server(c) for c in two_clusters]
    assert len(set(servers)) == 2
    assert all(s.startswith("http://127.0.0.1:") for s in servers)


def test_every_watched_kind_deserializes_into_the_client_models(two_clusters: list[Path]) -> None:
    api = config.new_client_from_config(str(two_clusters[0]), "agent")
    try:
        core, apps = client.CoreV1Api(api), client.AppsV1Api(api)
        lists = [
            core.list_pod_for_all_namespaces,
            core.list_node,
            core.list_namespace,
            core.list_service_for_all_namespaces,
            core.list_event_for_all_namespaces,
            core.list_config_map_for_all_namespaces,
            core.list_endpoints_for_all_namespaces,
            core.list_persistent_volume_claim_for_all_namespaces,
            core.list_persistent_volume,
            core.list_resource_quota_for_all_namespaces,
            apps.list_deployment_for_all_namespaces,
            apps.list_replica_set_for_all_namespaces,
            apps.list_stateful_set_for_all_namespaces,
            apps.list_daemon_set_for_all_namespaces,
            apps.list_controller_revision_for_all_namespaces,
            client.BatchV1Api(api).list_job_for_all_namespaces,
            client.BatchV1Api(api).list_cron_job_for_all_namespaces,
            client.PolicyV1Api(api).list_pod_disruption_budget_for_all_namespaces,
            client.DiscoveryV1Api(api).list_endpoint_slice_for_all_namespaces,
            client.NetworkingV1Api(api).list_ingress_for_all_namespaces,
            client.AutoscalingV2Api(api).list_horizontal_pod_autoscaler_for_all_namespaces,
            client.EventsV1Api(api).list_event_for_all_namespaces,
            client.CoordinationV1Api(api).list_lease_for_all_namespaces,
        ]
        counts = {f.__name__: len(f().items) for f in lists}
        assert client.VersionApi(api).get_code().git_version.startswith("v1.36")
    finally:
        api.close()
    assert counts["list_node"] == 4
    assert counts["list_pod_for_all_namespaces"] >= 60
    assert counts["list_pod_disruption_budget_for_all_namespaces"] >= 1


def test_incidents_and_churn_show_up_as_pod_changes(two_clusters: list[Path]) -> None:
    api = config.new_client_from_config(str(two_clusters[1]), "agent")
    try:
        core = client.CoreV1Api(api)

        def crash_looping() -> list[str]:
            return [
                p.metadata.name
                for p in core.list_namespaced_pod("lookout-demo").items
                for cs in p.status.container_statuses or ()
                if cs.state.waiting and cs.state.waiting.reason == "CrashLoopBackOff"
            ]

        assert wait_for(crash_looping, what="the demo's crash-looping pods")
        assert crash_looping()
        pods = core.list_pod_for_all_namespaces()
        restarts = {
            p.metadata.name: max((cs.restart_count or 0) for cs in p.status.container_statuses)
            for p in pods.items
            if p.metadata.namespace == "lookout-demo" and p.status.container_statuses
        }
        looping = set(crash_looping()) & set(restarts)
        rv = pods.metadata.resource_version
        # What the watch must carry, whatever the machine's speed: a crash-looping pod
        # restarting again (the incident) and changes to pods elsewhere (the churn). Watched
        # until both were seen; the timeout only bounds a broken simulator.
        restarted: set[str] = set()
        churned = 0
        for ev in watch.Watch().stream(
            core.list_pod_for_all_namespaces, resource_version=rv, timeout_seconds=60
        ):
            pod = ev["object"]
            if ev["type"] != "MODIFIED":
                continue
            if pod.metadata.name in looping:
                now = max(
                    ((cs.restart_count or 0) for cs in pod.status.container_statuses or ()),
                    default=0,
                )
                if now > restarts[pod.metadata.name]:
                    restarted.add(pod.metadata.name)
            elif pod.metadata.namespace != "lookout-demo":
                churned += 1
            if restarted and churned >= 20:
                break
        assert restarted, "no crash-looping pod restarted again"
        assert churned >= 20, f"only {churned} churn changes outside the demo namespace"
    finally:
        api.close()
