"""The one table of Kubernetes kinds Lookout knows: API coordinates, scope and short names.

Every part that names a kind reads it here: the agent's sources (what to watch and at which
URL), its command client and leader election (object paths), the master (which kinds a resource
delta may carry) and kubesim (what it serves, and its discovery documents). Adding a kind = one
row here, then one source module if the agent should watch it.

Owns: ``Kind`` rows (kind, group, version, plural, namespaced, short names, subresources the API
server serves for it, and whether the agent mirrors it to the master) and lookups by name and by
resource. Deliberately does not own URL building (``agent.kubeapi.paths``) or how a kind is
projected (``agent.sources``).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Kind:
    """One API resource. ``kind`` is the JSON ``kind`` (two rows may share it: the core/v1 and
    the events.k8s.io/v1 Event APIs serve the same objects); ``resource`` is unique."""

    kind: str
    group: str
    version: str
    plural: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()
    # The agent can send objects of this kind to the master (the master refuses others).
    mirrored: bool = True

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def resource(self) -> str:
        """``plural`` qualified by group (``pods``, ``deployments.apps``): unique per row."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    @property
    def singular(self) -> str:
        return self.kind.lower()


_STATUS = ("status",)
_SCALABLE = ("status", "scale")

KINDS: tuple[Kind, ...] = (
    Kind("Namespace", "", "v1", "namespaces", False, ("ns",), _STATUS),
    Kind("Node", "", "v1", "nodes", False, ("no",), _STATUS),
    Kind("Pod", "", "v1", "pods", True, ("po",), ("status", "log", "eviction")),
    Kind("Service", "", "v1", "services", True, ("svc",), _STATUS),
    Kind("Endpoints", "", "v1", "endpoints", True, ("ep",)),
    Kind("Event", "", "v1", "events", True, ("ev",)),
    Kind("ConfigMap", "", "v1", "configmaps", True, ("cm",)),
    Kind("Secret", "", "v1", "secrets", True),
    Kind("ServiceAccount", "", "v1", "serviceaccounts", True, ("sa",), mirrored=False),
    Kind("PersistentVolumeClaim", "", "v1", "persistentvolumeclaims", True, ("pvc",), _STATUS),
    Kind("PersistentVolume", "", "v1", "persistentvolumes", False, ("pv",), _STATUS),
    Kind("ResourceQuota", "", "v1", "resourcequotas", True, ("quota",), _STATUS),
    Kind("Deployment", "apps", "v1", "deployments", True, ("deploy",), _SCALABLE),
    Kind("ReplicaSet", "apps", "v1", "replicasets", True, ("rs",), _SCALABLE),
    Kind("StatefulSet", "apps", "v1", "statefulsets", True, ("sts",), _SCALABLE),
    Kind("DaemonSet", "apps", "v1", "daemonsets", True, ("ds",), _STATUS),
    Kind("ControllerRevision", "apps", "v1", "controllerrevisions", True, mirrored=False),
    Kind("Job", "batch", "v1", "jobs", True, (), _STATUS),
    Kind("CronJob", "batch", "v1", "cronjobs", True, ("cj",), _STATUS),
    Kind("EndpointSlice", "discovery.k8s.io", "v1", "endpointslices", True),
    Kind("Ingress", "networking.k8s.io", "v1", "ingresses", True, ("ing",), _STATUS),
    Kind("Event", "events.k8s.io", "v1", "events", True, ("ev",)),
    Kind(
        "HorizontalPodAutoscaler",
        "autoscaling",
        "v2",
        "horizontalpodautoscalers",
        True,
        ("hpa",),
        _STATUS,
    ),
    Kind("PodDisruptionBudget", "policy", "v1", "poddisruptionbudgets", True, ("pdb",), _STATUS),
    Kind("StorageClass", "storage.k8s.io", "v1", "storageclasses", False, ("sc",)),
    Kind("Lease", "coordination.k8s.io", "v1", "leases", True, mirrored=False),
    # Gateway API (CRDs: served only where installed), so SLOs and the dashboard can name routes.
    Kind("Gateway", "gateway.networking.k8s.io", "v1", "gateways", True, ("gtw",), _STATUS),
    Kind("HTTPRoute", "gateway.networking.k8s.io", "v1", "httproutes", True, (), _STATUS),
)

BY_RESOURCE: dict[str, Kind] = {k.resource: k for k in KINDS}
if len(BY_RESOURCE) != len(KINDS):  # pragma: no cover - a table edit gone wrong
    raise RuntimeError("two rows of shared.kinds.KINDS name the same resource")

# By JSON kind. Where two APIs serve one kind (Event) the first row, the core one, wins:
# that is the API every Kubernetes version serves.
BY_KIND: dict[str, Kind] = {}
for _k in KINDS:
    BY_KIND.setdefault(_k.kind, _k)

MIRRORED: frozenset[str] = frozenset(k.kind for k in KINDS if k.mirrored)
"""Kinds a resource delta may carry; the master refuses any other (a misbehaving or newer agent
is told so instead of silently filling memory with unknown data)."""


def kind(name: str) -> Kind:
    """The row of JSON kind ``name`` (core Event for ``Event``); KeyError if unknown."""
    return BY_KIND[name]
