"""Replica-set style workload rules: Deployment (ProgressDeadlineExceeded,
DeploymentUnavailable, ReplicaOverflow), ReplicaSet (ReplicaFailure), StatefulSet
(StatefulSetUnavailable) and DaemonSet (DaemonSetUnavailable, DaemonSetMisscheduled).

Owns judging one workload object. "Unavailable for longer than a duration" needs a start time:
Deployments carry it in their Available/Progressing conditions; StatefulSets and DaemonSets have
none, so their start is the earliest Ready=False transition among their pods (from the context).
Without pods in the context, a StatefulSet/DaemonSet that is not mid-rollout fires at once (what
`lookout scan` sees is the present state), and one that is rolling never does. Jobs and CronJobs
live in ``jobs.py``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, cast

from agent.detect.context import Context, top_owner
from agent.detect.making import Reporter, Scope, subject_of
from agent.detect.objects import DaemonSet, LabelSelector, Pod, Workload
from agent.detect.times import latest_ms, parse_ms
from shared.domain.findings import Finding

DEFAULT_SURGE = "25%"


def detect_deployment(obj: Mapping[str, Any], scope: Scope) -> list[Finding]:
    dep = cast(Workload, obj)
    meta, spec, status = dep.get("metadata") or {}, dep.get("spec") or {}, dep.get("status") or {}
    rep = scope.reporter(subject_of("Deployment", meta))
    conditions = {c.get("type", ""): c for c in status.get("conditions") or []}
    progressing = conditions.get("Progressing", {})
    if progressing.get("status") == "False" and (
        progressing.get("reason") == "ProgressDeadlineExceeded"
    ):
        rep.add(
            "ProgressDeadlineExceeded",
            f"rollout stalled: {progressing.get('message', 'progress deadline exceeded')}",
            since_ms=parse_ms(progressing.get("lastTransitionTime")),
        )
    desired = spec.get("replicas", 1)
    if desired > 0:
        available = status.get("availableReplicas", 0)
        share = max(0, desired - available) / desired
        if share > scope.settings.unavailable_share:
            avail_cond = conditions.get("Available", {})
            if avail_cond.get("status") == "False":
                since = parse_ms(avail_cond.get("lastTransitionTime"))
            else:
                # Available=True with a big gap (maxUnavailable above the threshold): the last
                # progress update is when replica counts last moved.
                since = latest_ms(
                    avail_cond.get("lastTransitionTime"), progressing.get("lastUpdateTime")
                )
            if scope.held(since, scope.settings.unavailable_after_s):
                assert since is not None
                rep.add(
                    "DeploymentUnavailable",
                    f"{available}/{desired} replicas available",
                    since_ms=since,
                    attrs={"available": str(available), "desired": str(desired)},
                )
    _overflow(rep, dep, desired, progressing.get("lastUpdateTime"))
    return rep.findings


def _overflow(rep: Reporter, dep: Workload, desired: int, last_progress: str | None) -> None:
    spec, status = dep.get("spec") or {}, dep.get("status") or {}
    strategy = spec.get("strategy") or {}
    if strategy.get("type") == "Recreate":
        surge = 0
    else:
        raw = (strategy.get("rollingUpdate") or {}).get("maxSurge", DEFAULT_SURGE)
        surge = _scaled(raw, desired)
    running = status.get("replicas", 0)
    since = parse_ms(last_progress)
    scope = rep.scope
    if running > desired + surge and scope.held(since, scope.settings.replica_overflow_after_s):
        rep.add(
            "ReplicaOverflow",
            f"{running} pods for {desired} desired replicas (max surge {surge})",
            since_ms=since,
            attrs={"replicas": str(running), "desired": str(desired)},
        )


def _scaled(value: int | str, total: int) -> int:
    """An IntOrString like maxSurge: ``3`` or ``"25%"`` of ``total`` (surge rounds up)."""
    if isinstance(value, int):
        return value
    text = value.strip()
    if text.endswith("%"):
        return math.ceil(total * float(text[:-1]) / 100)
    return int(text)


def detect_replicaset(obj: Mapping[str, Any], scope: Scope) -> list[Finding]:
    rs = cast(Workload, obj)
    meta = rs.get("metadata") or {}
    rep = scope.reporter(subject_of("ReplicaSet", meta), owner=top_owner(meta, scope.ctx))
    for cond in (rs.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "ReplicaFailure" and cond.get("status") == "True":
            rep.add(
                "ReplicaFailure",
                f"cannot create pods: {cond.get('message') or cond.get('reason', '')}",
                since_ms=parse_ms(cond.get("lastTransitionTime")),
                attrs={"condition_reason": cond.get("reason", "")},
            )
    return rep.findings


def detect_statefulset(obj: Mapping[str, Any], scope: Scope) -> list[Finding]:
    sts = cast(Workload, obj)
    meta, spec, status = sts.get("metadata") or {}, sts.get("spec") or {}, sts.get("status") or {}
    rep = scope.reporter(subject_of("StatefulSet", meta))
    desired = spec.get("replicas", 1)
    if desired <= 0:
        return rep.findings
    ready = status.get("availableReplicas", status.get("readyReplicas", 0))
    if (desired - ready) / desired <= scope.settings.unavailable_share:
        return rep.findings
    current, update = status.get("currentRevision"), status.get("updateRevision")
    rolling = (bool(current and update) and current != update) or status.get(
        "observedGeneration", 0
    ) < meta.get("generation", 0)
    since = _not_ready_since(scope.ctx, meta.get("namespace", ""), spec.get("selector") or {})
    if _fires(scope, since, rolling):
        rep.add(
            "StatefulSetUnavailable",
            f"{ready}/{desired} replicas ready",
            since_ms=since,
            attrs={"ready": str(ready), "desired": str(desired)},
        )
    return rep.findings


def detect_daemonset(obj: Mapping[str, Any], scope: Scope) -> list[Finding]:
    ds = cast(DaemonSet, obj)
    meta, status = ds.get("metadata") or {}, ds.get("status") or {}
    rep = scope.reporter(subject_of("DaemonSet", meta))
    desired = status.get("desiredNumberScheduled", 0)
    misscheduled = status.get("numberMisscheduled", 0)
    if misscheduled > 0:
        rep.add(
            "DaemonSetMisscheduled",
            f"{misscheduled} daemon pods run on nodes they should not",
            count=misscheduled,
        )
    unavailable = status.get(
        "numberUnavailable", max(0, desired - status.get("numberAvailable", 0))
    )
    # Every node's daemon matters (a broken CNI pod breaks that node), so any unavailable pod
    # counts, not a share.
    if desired > 0 and unavailable > 0:
        rolling = status.get("updatedNumberScheduled", desired) < desired or status.get(
            "observedGeneration", 0
        ) < meta.get("generation", 0)
        selector = (ds.get("spec") or {}).get("selector") or {}
        since = _not_ready_since(scope.ctx, meta.get("namespace", ""), selector)
        if _fires(scope, since, rolling):
            rep.add(
                "DaemonSetUnavailable",
                f"{unavailable}/{desired} daemon pods unavailable",
                since_ms=since,
                count=unavailable,
                attrs={"unavailable": str(unavailable), "desired": str(desired)},
            )
    return rep.findings


def _fires(scope: Scope, since: int | None, rolling: bool) -> bool:
    if since is None:
        return not rolling
    return scope.held(since, scope.settings.unavailable_after_s)


def _not_ready_since(ctx: Context, namespace: str, selector: LabelSelector) -> int | None:
    """Earliest moment one of the selected, live pods became not ready; None if none is."""
    earliest: int | None = None
    for obj in ctx.select("Pod", namespace, selector):
        pod = cast(Pod, obj)
        meta = pod.get("metadata") or {}
        status = pod.get("status") or {}
        if meta.get("deletionTimestamp") or status.get("phase") in ("Succeeded", "Failed"):
            continue
        ready = next((c for c in status.get("conditions") or [] if c.get("type") == "Ready"), None)
        if ready is not None and ready.get("status") == "True":
            continue
        at = parse_ms((ready or {}).get("lastTransitionTime")) or parse_ms(
            meta.get("creationTimestamp")
        )
        if at is not None and (earliest is None or at < earliest):
            earliest = at
    return earliest
