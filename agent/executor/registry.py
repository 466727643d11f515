"""COMMANDS: every command the agent can run. Adding a command = one module + one row."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from agent.executor.commands import (
    cordon,
    delete_pod,
    describe,
    drain,
    pod_logs,
    restart_pod,
    rollback,
    rollout_restart,
    scale,
    set_image,
    uncordon,
)
from agent.executor.context import Ctx
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

Run = Callable[[Ctx], Awaitable[dict[str, Any]]]
WORKLOADS = frozenset({"Deployment", "StatefulSet", "DaemonSet"})
DESCRIBABLE = frozenset(
    [
        "Pod",
        "Deployment",
        "StatefulSet",
        "DaemonSet",
        "ReplicaSet",
        "Job",
        "CronJob",
        "Service",
        "Node",
        "Namespace",
        "PersistentVolumeClaim",
        "PersistentVolume",
        "ConfigMap",
        "Secret",
        "Ingress",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
    ]
)


@dataclass(frozen=True, slots=True)
class Spec:
    run: Run
    params: type[Params]
    kinds: frozenset[str]
    mutating: bool = True


COMMANDS: dict[str, Spec] = {
    "restart_pod": Spec(restart_pod.run, RestartPodParams, frozenset({"Pod"})),
    "rollout_restart": Spec(rollout_restart.run, NoParams, WORKLOADS),
    "scale": Spec(scale.run, ScaleParams, frozenset({"Deployment", "StatefulSet"})),
    "set_image": Spec(set_image.run, SetImageParams, WORKLOADS),
    "rollback": Spec(rollback.run, RollbackParams, frozenset({"Deployment"})),
    "cordon": Spec(cordon.run, NoParams, frozenset({"Node"})),
    "uncordon": Spec(uncordon.run, NoParams, frozenset({"Node"})),
    "drain": Spec(drain.run, DrainParams, frozenset({"Node"})),
    "delete_pod": Spec(delete_pod.run, DeletePodParams, frozenset({"Pod"})),
    "pod_logs": Spec(pod_logs.run, PodLogsParams, frozenset({"Pod"}), mutating=False),
    "describe": Spec(describe.run, NoParams, DESCRIBABLE, mutating=False),
}
