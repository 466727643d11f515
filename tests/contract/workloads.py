"""Small object builders and status readers shared by the contract tests."""

from __future__ import annotations

from typing import Any

from kubernetes import client

FAULT = "lookout.test/fault"
HEARTBEAT = "lookout.test/heartbeat"


def deployment(
    name: str,
    replicas: int,
    *,
    labels: dict[str, str] | None = None,
    node_selector: dict[str, str] | None = None,
) -> dict[str, Any]:
    pod_spec: dict[str, Any] = {
        "containers": [{"name": "main", "image": "registry.local/app:1.0"}],
        "terminationGracePeriodSeconds": 0,
    }
    if node_selector:
        pod_spec["nodeSelector"] = node_selector
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name, **(labels or {})}}, "spec": pod_spec},
        },
    }


def pods_of(core: client.CoreV1Api, ns: str, app: str) -> list[Any]:
    return [
        p
        for p in core.list_namespaced_pod(ns, label_selector=f"app={app}").items
        if p.metadata.deletion_timestamp is None
    ]


def ready(pod: Any) -> bool:
    return any(c.type == "Ready" and c.status == "True" for c in pod.status.conditions or ())


def running_ready(core: client.CoreV1Api, ns: str, app: str, n: int) -> list[Any] | None:
    pods = [p for p in pods_of(core, ns, app) if p.status.phase == "Running" and ready(p)]
    return pods if len(pods) == n and len(pods_of(core, ns, app)) == n else None


def node_ready_status(node: Any) -> str:
    return next((c.status for c in node.status.conditions or () if c.type == "Ready"), "")
