"""The command catalogue: every command type, its parameters and the target kinds it accepts.

One row per type in ``CATALOGUE``. Parameter models are pydantic (this is a trust boundary:
params come from HTTP) and forbid unknown fields, so a typo is a 422, not a silently ignored
option. The models live in ``shared.command_params`` because the agent validates again with
the same ones: the master is not trusted by the cluster.

Deliberately does not own execution or policy (the agent's) or persistence (the bus's)."""

from __future__ import annotations

from dataclasses import dataclass

from shared.command_params import (
    DeletePodParams,
    DrainParams,
    NoParams,
    Params,
    PodLogsParams,
    RestartPodParams,
    RollbackParams,
    ScaleParams,
    SetImageParams,
)


@dataclass(frozen=True, slots=True)
class CommandType:
    name: str
    params: type[Params]
    target_kinds: frozenset[str]
    mutating: bool


def _t(name: str, params: type[Params], kinds: str, *, mutating: bool = True) -> CommandType:
    return CommandType(name, params, frozenset(kinds.split()), mutating)


WORKLOADS = "Deployment StatefulSet DaemonSet"
DESCRIBABLE = (
    "Pod Deployment StatefulSet DaemonSet ReplicaSet Job CronJob Service Node Namespace "
    "PersistentVolumeClaim PersistentVolume ConfigMap Secret Ingress HorizontalPodAutoscaler "
    "PodDisruptionBudget"
)

CATALOGUE: dict[str, CommandType] = {
    c.name: c
    for c in (
        _t("restart_pod", RestartPodParams, "Pod"),
        _t("rollout_restart", NoParams, WORKLOADS),
        _t("scale", ScaleParams, "Deployment StatefulSet"),
        _t("set_image", SetImageParams, WORKLOADS),
        _t("rollback", RollbackParams, "Deployment"),
        _t("cordon", NoParams, "Node"),
        _t("uncordon", NoParams, "Node"),
        _t("drain", DrainParams, "Node"),
        _t("delete_pod", DeletePodParams, "Pod"),
        _t("pod_logs", PodLogsParams, "Pod", mutating=False),
        _t("describe", NoParams, DESCRIBABLE, mutating=False),
    )
}
# Target kinds without a namespace; every other kind needs one.
CLUSTER_SCOPED = frozenset({"Node", "Namespace", "PersistentVolume"})
