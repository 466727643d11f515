"""Builders and defaulting for the objects the simulator creates or accepts.

Owns: the shape of freshly created objects (what the API server's defaulting and the
kubelet would fill in), so controllers and seeding stay short.
Does not own: persistence (``store``) or when objects change (``controllers``).
"""

from __future__ import annotations

import copy
import hashlib
import random

import orjson

from kubesim.kinds import DEPLOYMENTS, Obj
from kubesim.timeutil import micro_iso, now_iso
from shared.kinds import Kind

_ALNUM = "bcdfghjklmnpqrstvwxz2456789"  # the API server's generateName alphabet


def random_suffix(n: int = 5) -> str:
    return "".join(random.choices(_ALNUM, k=n))


def template_hash(template: Obj) -> str:
    """pod-template-hash: stable per template, so a changed template means a new ReplicaSet."""
    digest = hashlib.sha256(orjson.dumps(template, option=orjson.OPT_SORT_KEYS)).digest()
    return "".join(_ALNUM[b % len(_ALNUM)] for b in digest[:10])


def owner_ref(owner: Obj, kind: Kind) -> Obj:
    return {
        "apiVersion": kind.api_version,
        "kind": kind.kind,
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def apply_defaults(kind: Kind, obj: Obj) -> None:
    """The subset of API-server defaulting that Lookout reads back."""
    meta = obj.setdefault("metadata", {})
    obj["apiVersion"], obj["kind"] = kind.api_version, kind.kind
    if kind.resource in (
        "deployments.apps",
        "replicasets.apps",
        "statefulsets.apps",
        "daemonsets.apps",
        "poddisruptionbudgets.policy",
        "jobs.batch",
    ):
        meta.setdefault("generation", 1)
        obj.setdefault("status", {})
        if kind.resource in ("replicasets.apps", "statefulsets.apps"):
            obj["status"].setdefault("replicas", 0)  # required in the API types
    spec = obj.setdefault("spec", {}) if kind.resource != "namespaces" else obj.get("spec")
    if kind.resource == "pods":
        assert spec is not None
        spec.setdefault("restartPolicy", "Always")
        spec.setdefault("schedulerName", "default-scheduler")
        spec.setdefault("terminationGracePeriodSeconds", 30)
        spec.setdefault("dnsPolicy", "ClusterFirst")
        for c in spec.get("containers", []):
            c.setdefault("imagePullPolicy", "IfNotPresent")
            c.setdefault("terminationMessagePolicy", "File")
        obj.setdefault("status", {"phase": "Pending", "qosClass": "BestEffort"})
    elif kind.resource == DEPLOYMENTS.resource:
        assert spec is not None
        spec.setdefault("replicas", 1)
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault("progressDeadlineSeconds", 600)
        spec.setdefault(
            "strategy",
            {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
            },
        )
    elif kind.resource == "daemonsets.apps":
        assert spec is not None
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault(
            "updateStrategy",
            {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}},
        )
        # Not omitempty in the API types: the typed clients reject a status without them.
        for field in (
            "currentNumberScheduled",
            "desiredNumberScheduled",
            "numberMisscheduled",
            "numberReady",
        ):
            obj["status"].setdefault(field, 0)
    elif kind.resource == "statefulsets.apps":
        assert spec is not None
        spec.setdefault("replicas", 1)
        spec.setdefault("podManagementPolicy", "OrderedReady")
        spec.setdefault("revisionHistoryLimit", 10)
        spec.setdefault(
            "updateStrategy", {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
        )
    elif kind.resource == "namespaces":
        obj["spec"] = {"finalizers": ["kubernetes"]}
        obj["status"] = {"phase": "Active"}
        meta.setdefault("labels", {})["kubernetes.io/metadata.name"] = meta["name"]
    elif kind.resource == "nodes":
        obj.setdefault("status", {})


def pod_from_template(
    template: Obj, *, name: str, namespace: str, owner: Obj, owner_kind: Kind, extra_labels: Obj
) -> Obj:
    meta = copy.deepcopy(template.get("metadata") or {})
    meta.update(name=name, namespace=namespace, ownerReferences=[owner_ref(owner, owner_kind)])
    meta["labels"] = {**(meta.get("labels") or {}), **extra_labels}
    return {"metadata": meta, "spec": copy.deepcopy(template.get("spec") or {})}


def node(name: str, *, cpu: str = "32", memory: str = "256Gi", pods: str = "110") -> Obj:
    capacity = {"cpu": cpu, "memory": memory, "pods": pods}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": {
                "kubernetes.io/hostname": name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "type": "kubesim",
            },
            "annotations": {"node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {},
        "status": {
            "capacity": capacity,
            "allocatable": dict(capacity),
            "addresses": [
                {"type": "InternalIP", "address": "127.0.0.1"},
                {"type": "Hostname", "address": name},
            ],
            "conditions": node_conditions(ready=True),
            # Every field: the kubernetes client (v37, pydantic) rejects a partial nodeInfo.
            "nodeInfo": {
                "architecture": "amd64",
                "bootID": "",
                "containerRuntimeVersion": "kubesim://1",
                "kernelVersion": "6.1.0-kubesim",
                "kubeProxyVersion": "",
                "kubeletVersion": "v1.36.3-kubesim",
                "machineID": "",
                "operatingSystem": "linux",
                "osImage": "kubesim",
                "systemUUID": "",
            },
            "phase": "Running",
        },
    }


def node_conditions(*, ready: bool | None) -> list[Obj]:
    now = now_iso()
    if ready is None:  # what the node lifecycle controller writes when heartbeats stop
        status, reason, msg = "Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."
    elif ready:
        status, reason, msg = "True", "KubeletReady", "kubelet is posting ready status"
    else:
        status, reason, msg = "False", "KubeletNotReady", "container runtime is down"
    pressure = [
        {
            "type": t,
            "status": "Unknown" if ready is None else "False",
            "reason": r,
            "lastHeartbeatTime": now,
            "lastTransitionTime": now,
        }
        for t, r in (
            ("MemoryPressure", "KubeletHasSufficientMemory"),
            ("DiskPressure", "KubeletHasNoDiskPressure"),
            ("PIDPressure", "KubeletHasSufficientPID"),
        )
    ]
    ready_cond = {
        "type": "Ready",
        "status": status,
        "reason": reason,
        "message": msg,
        "lastHeartbeatTime": now,
        "lastTransitionTime": now,
    }
    return [*pressure, ready_cond]


def lease(node_name: str, node_uid: str) -> Obj:
    return {
        "apiVersion": "coordination.k8s.io/v1",
        "kind": "Lease",
        "metadata": {
            "name": node_name,
            "namespace": "kube-node-lease",
            "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": node_name, "uid": node_uid}
            ],
        },
        "spec": {"holderIdentity": node_name, "leaseDurationSeconds": 40, "renewTime": micro_iso()},
    }


def event(obj: Obj, *, reason: str, message: str, type_: str = "Normal") -> Obj:
    meta = obj["metadata"]
    ns = meta.get("namespace") or "default"
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": {"name": f"{meta['name']}.{random_suffix(16)}", "namespace": ns},
        "involvedObject": {
            "apiVersion": obj.get("apiVersion", "v1"),
            "kind": obj.get("kind"),
            "name": meta["name"],
            "namespace": meta.get("namespace"),
            "uid": meta.get("uid"),
        },
        "reason": reason,
        "message": message,
        "type": type_,
        "count": 1,
        "firstTimestamp": now_iso(),
        "lastTimestamp": now_iso(),
        "source": {"component": "kubesim"},
        "reportingComponent": "kubesim",
    }


def workload(
    name: str, namespace: str, *, replicas: int, image: str, labels: Obj | None = None
) -> Obj:
    """A minimal Deployment body, used for seeding and by the scripted incidents."""
    pod_labels = {"app": name, **(labels or {})}
    return {
        "metadata": {"name": name, "namespace": namespace, "labels": {"app": name}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": pod_labels},
                "spec": {
                    "containers": [
                        {
                            "name": "main",
                            "image": image,
                            "resources": {"requests": {"cpu": "10m", "memory": "16Mi"}},
                        }
                    ]
                },
            },
        },
    }
