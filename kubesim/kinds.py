"""The table of resource kinds the simulator serves, and the JSON alias used everywhere.

Owns: which group/version/plural exists, whether it is namespaced and which subresources it
has — the single source for discovery documents and URL routing.
Does not own: the objects themselves (``store``) or behaviour (``controllers``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# Raw Kubernetes JSON. The simulator never converts to typed models: it stores and serves the
# same shapes the real API server emits, which is all the agent sees either way.
Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Kind:
    group: str
    version: str
    plural: str
    kind: str
    namespaced: bool
    subresources: tuple[str, ...] = ()
    short_names: tuple[str, ...] = ()

    @property
    def resource(self) -> str:
        """Store key, e.g. ``pods`` or ``deployments.apps`` (unique across groups)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def singular(self) -> str:
        return self.kind.lower()


_WORKLOAD_SUBS = ("status", "scale")

KINDS: tuple[Kind, ...] = (
    Kind("", "v1", "namespaces", "Namespace", False, ("status",), ("ns",)),
    Kind("", "v1", "nodes", "Node", False, ("status",), ("no",)),
    Kind("", "v1", "pods", "Pod", True, ("status", "log", "eviction"), ("po",)),
    Kind("", "v1", "services", "Service", True, ("status",), ("svc",)),
    Kind("", "v1", "endpoints", "Endpoints", True, (), ("ep",)),
    Kind("", "v1", "events", "Event", True, (), ("ev",)),
    Kind("", "v1", "configmaps", "ConfigMap", True, (), ("cm",)),
    Kind("", "v1", "secrets", "Secret", True),
    Kind("", "v1", "serviceaccounts", "ServiceAccount", True, (), ("sa",)),
    Kind("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", True, ("status",), ("pvc",)),
    Kind("", "v1", "persistentvolumes", "PersistentVolume", False, ("status",), ("pv",)),
    Kind("", "v1", "resourcequotas", "ResourceQuota", True, ("status",), ("quota",)),
    Kind("apps", "v1", "deployments", "Deployment", True, _WORKLOAD_SUBS, ("deploy",)),
    Kind("apps", "v1", "replicasets", "ReplicaSet", True, _WORKLOAD_SUBS, ("rs",)),
    Kind("apps", "v1", "statefulsets", "StatefulSet", True, _WORKLOAD_SUBS, ("sts",)),
    Kind("apps", "v1", "daemonsets", "DaemonSet", True, ("status",), ("ds",)),
    Kind("apps", "v1", "controllerrevisions", "ControllerRevision", True),
    Kind("batch", "v1", "jobs", "Job", True, ("status",)),
    Kind("batch", "v1", "cronjobs", "CronJob", True, ("status",), ("cj",)),
    Kind("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", True),
    Kind("networking.k8s.io", "v1", "ingresses", "Ingress", True, ("status",), ("ing",)),
    Kind("events.k8s.io", "v1", "events", "Event", True, (), ("ev",)),
    Kind(
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        "HorizontalPodAutoscaler",
        True,
        ("status",),
        ("hpa",),
    ),
    Kind(
        "policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", True, ("status",), ("pdb",)
    ),
    Kind("coordination.k8s.io", "v1", "leases", "Lease", True),
)

BY_PATH: dict[tuple[str, str, str], Kind] = {(k.group, k.version, k.plural): k for k in KINDS}
BY_RESOURCE: dict[str, Kind] = {k.resource: k for k in KINDS}

PODS = BY_RESOURCE["pods"]
NODES = BY_RESOURCE["nodes"]
NAMESPACES = BY_RESOURCE["namespaces"]
DEPLOYMENTS = BY_RESOURCE["deployments.apps"]
REPLICASETS = BY_RESOURCE["replicasets.apps"]
STATEFULSETS = BY_RESOURCE["statefulsets.apps"]
DAEMONSETS = BY_RESOURCE["daemonsets.apps"]
PDBS = BY_RESOURCE["poddisruptionbudgets.policy"]
LEASES = BY_RESOURCE["leases.coordination.k8s.io"]
EVENTS = BY_RESOURCE["events"]

# Label keys shared with the kwok stages in tests/k8s/stages, so one test can drive the same
# failure on the real control plane and on the simulator.
FAULT_LABEL = "lookout.test/fault"  # values: crashloop | oomkilled | imagepull
HEARTBEAT_LABEL = "lookout.test/heartbeat"  # value "stopped" makes a node NotReady
