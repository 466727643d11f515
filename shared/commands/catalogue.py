"""CATALOGUE: every command type, one row each: its parameter model, the kinds it may target,
whether it changes anything, and the Kubernetes RBAC permissions its API calls need.

Read by the master (validating requests: unknown type, wrong kind, namespace or not, params),
by the agent (its registry pairs each row with an implementation; its default policy allows
every row) and by ``tests/deploy``, which renders the agent chart and fails when the chart's
allowed commands, values schema or RBAC disagree with these rows. Whether a target needs a
namespace comes from the kind table (``shared.kinds``), not from here.

``rbac`` lists what the command's implementation calls, reads included, so the tests can prove
the chart grants enough and nothing more. How the chart grants it (reads of whole objects come
from the sources' watch grants, the rest from the chart's per-command table) is the chart's
business. Deliberately does not own policy (the agent's), execution or persistence."""

from __future__ import annotations

from dataclasses import dataclass

from shared.commands.params import (
    DeletePodParams,
    DrainParams,
    NoParams,
    Params,
    PodLogsParams,
    RestartPodParams,
    RollbackParams,
    ScaleParams,
    SetImageParams,
    SetResourcesParams,
)
from shared.kinds import kind


@dataclass(frozen=True, slots=True)
class Permission:
    """``verbs`` on ``resource`` (``pods``, ``pods/eviction``) of API ``group`` ("" is core).

    ``cluster_wide``: needed across namespaces (cluster-scoped objects, or a node's pods
    wherever they run), so it cannot be confined to the namespaces commands may touch."""

    group: str
    resource: str
    verbs: frozenset[str]
    cluster_wide: bool

    @property
    def grants(self) -> frozenset[tuple[str, str, str]]:
        """One ``(group, resource, verb)`` per verb, the shape RBAC rules flatten to."""
        return frozenset((self.group, self.resource, v) for v in self.verbs)


@dataclass(frozen=True, slots=True)
class CommandType:
    name: str
    params: type[Params]
    target_kinds: frozenset[str]
    mutating: bool
    rbac: tuple[Permission, ...]


def _kinds(names: str) -> frozenset[str]:
    out = frozenset(names.split())
    for name in out:
        kind(name)  # KeyError at import: a target kind the kind table does not know
    return out


def _on(
    kinds: frozenset[str], verbs: str, *, sub: str = "", cluster_wide: bool = False
) -> tuple[Permission, ...]:
    """``verbs`` on each kind (its ``sub`` subresource when given); cluster-wide when the kind
    is cluster-scoped or ``cluster_wide`` says the objects may be in any namespace."""
    out = []
    for name in sorted(kinds):
        k = kind(name)
        resource = f"{k.plural}/{sub}" if sub else k.plural
        scope = cluster_wide or not k.namespaced
        out.append(Permission(k.group, resource, frozenset(verbs.split()), scope))
    return tuple(out)


def _t(
    name: str,
    params: type[Params],
    kinds: frozenset[str],
    *,
    rbac: tuple[Permission, ...],
    mutating: bool = True,
) -> CommandType:
    return CommandType(name, params, kinds, mutating, rbac)


POD = _kinds("Pod")
DEPLOYMENT = _kinds("Deployment")
NODE = _kinds("Node")
WORKLOADS = _kinds("Deployment StatefulSet DaemonSet")
SCALABLE = _kinds("Deployment StatefulSet")
DESCRIBABLE = _kinds(
    "Pod Deployment StatefulSet DaemonSet ReplicaSet Job CronJob Service Node Namespace "
    "PersistentVolumeClaim PersistentVolume ConfigMap Secret Ingress HorizontalPodAutoscaler "
    "PodDisruptionBudget"
)
# cordon, uncordon and the first step of drain: read the node, patch spec.unschedulable.
_CORDON = _on(NODE, "get patch")

CATALOGUE: dict[str, CommandType] = {
    c.name: c
    for c in (
        _t("restart_pod", RestartPodParams, POD, rbac=_on(POD, "get delete")),
        _t("rollout_restart", NoParams, WORKLOADS, rbac=_on(WORKLOADS, "patch")),
        _t("scale", ScaleParams, SCALABLE, rbac=_on(SCALABLE, "get patch", sub="scale")),
        _t("set_image", SetImageParams, WORKLOADS, rbac=_on(WORKLOADS, "get patch")),
        # Reads the template (request above limit is checked against it), patches a container.
        _t("set_resources", SetResourcesParams, WORKLOADS, rbac=_on(WORKLOADS, "get patch")),
        # The revisions are the Deployment's ReplicaSets, listed by its selector.
        _t(
            "rollback",
            RollbackParams,
            DEPLOYMENT,
            rbac=_on(DEPLOYMENT, "get patch") + _on(_kinds("ReplicaSet"), "list"),
        ),
        _t("cordon", NoParams, NODE, rbac=_CORDON),
        _t("uncordon", NoParams, NODE, rbac=_CORDON),
        # A node's pods live in any namespace: listed, evicted and polled until gone.
        _t(
            "drain",
            DrainParams,
            NODE,
            rbac=_CORDON
            + _on(POD, "get list", cluster_wide=True)
            + _on(POD, "create", sub="eviction", cluster_wide=True),
        ),
        _t("delete_pod", DeletePodParams, POD, rbac=_on(POD, "delete")),
        _t("pod_logs", PodLogsParams, POD, rbac=_on(POD, "get", sub="log"), mutating=False),
        # Events of a cluster-scoped target (a node) may be in any namespace.
        _t(
            "describe",
            NoParams,
            DESCRIBABLE,
            rbac=_on(DESCRIBABLE, "get") + _on(_kinds("Event"), "list", cluster_wide=True),
            mutating=False,
        ),
    )
}
