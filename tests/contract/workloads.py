"""Small object builders and status readers shared by the contract tests."""

from __future__ import annotations

from typing import Any

from kubernetes import client

FAULT = "lookout.test/fault"
HEARTBEAT = "lookout.test/heartbeat"
IMAGE = "registry.local/app:1.0"
TAINT = "lookout-test"  # keeps other tests' pods off a node a test made for itself


def _pod_spec(containers: list[dict[str, Any]] | None, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "containers": containers or [{"name": "main", "image": IMAGE}],
        "terminationGracePeriodSeconds": 0,
        **extra,
    }


def deployment(
    name: str,
    replicas: int,
    *,
    labels: dict[str, str] | None = None,
    node_selector: dict[str, str] | None = None,
    containers: list[dict[str, Any]] | None = None,
    **pod: Any,
) -> dict[str, Any]:
    if node_selector:
        pod["nodeSelector"] = node_selector
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": {"app": name, **(labels or {})}},
                "spec": _pod_spec(containers, pod),
            },
        },
    }


def statefulset(name: str, replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": name},
        "spec": {
            "replicas": replicas,
            "serviceName": name,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": _pod_spec(None, {})},
        },
    }


def daemonset(name: str, **pod: Any) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"name": name},
        "spec": {
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": {"app": name}}, "spec": _pod_spec(None, pod)},
        },
    }


def node(name: str) -> dict[str, Any]:
    """A Node of the test's own, tainted so only pods that tolerate ``TAINT`` land there. The
    kwok annotation makes kwok act as its kubelet; kubesim's kubelet takes any node."""
    capacity = {"cpu": "32", "memory": "256Gi", "pods": "110"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
            "labels": {"kubernetes.io/hostname": name, "type": "kwok"},
        },
        "spec": {"taints": [{"key": TAINT, "value": name, "effect": "NoSchedule"}]},
        "status": {"allocatable": dict(capacity), "capacity": dict(capacity)},
    }


def on(node_name: str) -> dict[str, Any]:
    """Pod spec fields that pin a pod to ``node_name`` (a ``node()``), through the scheduler."""
    return {
        "nodeSelector": {"kubernetes.io/hostname": node_name},
        "tolerations": [{"key": TAINT, "operator": "Exists"}],
    }


def ready_node_with_address(core: client.CoreV1Api) -> str:
    """A schedulable Ready node that has an address: the API server reaches its kubelet (kwok)
    there for logs; nodes other tests create or stop may lack one."""
    return next(
        n.metadata.name
        for n in sorted(core.list_node().items, key=lambda n: n.metadata.name)
        if n.status.addresses
        and not n.spec.unschedulable
        and not n.spec.taints
        and node_ready_status(n) == "True"
    )


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
