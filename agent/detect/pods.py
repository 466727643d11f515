"""Pod rules: container failures (crash loops, OOM kills, image and config errors, init
containers), scheduling, eviction, readiness, stuck deletion and restart storms.

Owns judging one pod at ``now``. Restart storms need restart counts from earlier updates, which
come from the context (the tracker's ``RestartHistory``); everything else is read from the pod.
Terminating pods only ever get StuckTerminating; Succeeded pods get nothing; Failed pods only
Evicted (a failed Job pod is the Job's finding).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from agent.detect.context import top_owner
from agent.detect.making import Reporter, Scope, subject_of
from agent.detect.objects import Condition, ContainerStatus, Pod
from agent.detect.rules import ALIASES
from agent.detect.times import ago, parse_ms
from agent.detect.wording import counted
from shared.domain.findings import Finding

# Waiting reasons reported under their own name (rules.py rows of the same name), or under the
# name rules.ALIASES maps them to (ErrImagePull -> ImagePullBackOff: one finding per container).
WAITING_REASONS = frozenset(
    {
        "CrashLoopBackOff",
        "ImagePullBackOff",
        "ErrImagePull",
        "InvalidImageName",
        "CreateContainerConfigError",
        "CreateContainerError",
        "RunContainerError",
    }
)
# For an init container these mean "it ran and failed", reported as InitContainerFailed.
INIT_FAILURE_WAITING = frozenset({"CrashLoopBackOff", "RunContainerError"})
# Findings that already say why a pod is not ready; PodNotReady would only repeat them.
EXPLAINS_NOT_READY = WAITING_REASONS | {"InitContainerFailed", "Unschedulable"}


def detect_pod(obj: Mapping[str, Any], scope: Scope) -> list[Finding]:
    pod = cast(Pod, obj)
    meta = pod.get("metadata") or {}
    status = pod.get("status") or {}
    phase = status.get("phase", "")
    rep = scope.reporter(
        subject_of("Pod", meta),
        owner=top_owner(meta, scope.ctx),
        node=(pod.get("spec") or {}).get("nodeName", ""),
    )
    deleting_ms = parse_ms(meta.get("deletionTimestamp"))
    if meta.get("deletionTimestamp"):
        _stuck_terminating(rep, deleting_ms)
        return rep.findings
    if phase == "Succeeded":
        return rep.findings
    if phase == "Failed":
        if status.get("reason") == "Evicted":
            message = status.get("message") or "evicted by the kubelet"
            rep.add("Evicted", f"pod evicted: {message}")
        return rep.findings
    for cs in status.get("initContainerStatuses") or []:
        _init_container(rep, cs)
    for cs in status.get("containerStatuses") or []:
        _container(rep, cs)
    conditions = {c.get("type", ""): c for c in status.get("conditions") or []}
    _unschedulable(rep, conditions.get("PodScheduled"), parse_ms(meta.get("creationTimestamp")))
    if not rep.has(EXPLAINS_NOT_READY):
        _not_ready(rep, conditions, phase)
    _restart_storms(
        rep, status.get("initContainerStatuses", []), status.get("containerStatuses", [])
    )
    return rep.findings


def _stuck_terminating(rep: Reporter, deleting_ms: int | None) -> None:
    scope = rep.scope
    # deletionTimestamp is set to request time + grace period, so it already marks "grace over".
    if scope.held(deleting_ms, scope.settings.stuck_terminating_after_s):
        assert deleting_ms is not None
        rep.add(
            "StuckTerminating",
            "pod still terminating past its grace period",
            since_ms=deleting_ms,
        )


def _last_termination(cs: ContainerStatus) -> dict[str, str]:
    last = (cs.get("lastState") or {}).get("terminated") or {}
    attrs = {"restart_count": str(cs.get("restartCount", 0))}
    if last:
        attrs["last_reason"] = last.get("reason", "")
        attrs["exit_code"] = str(last.get("exitCode", ""))
    return attrs


def _last_finished_ms(cs: ContainerStatus) -> int | None:
    last = (cs.get("lastState") or {}).get("terminated") or {}
    return parse_ms(last.get("finishedAt"))


def _container(rep: Reporter, cs: ContainerStatus) -> None:
    name = cs.get("name", "")
    restarts = cs.get("restartCount", 0)
    attrs = _last_termination(cs)
    waiting = (cs.get("state") or {}).get("waiting") or {}
    reason = waiting.get("reason", "")
    if reason == "CrashLoopBackOff":
        why = attrs.get("last_reason") or "unknown reason"
        exit_code = attrs.get("exit_code", "")
        rep.add(
            reason,
            f"container {name} is crash-looping: {counted(restarts, 'restart')}, last exit {why}"
            + (f" (code {exit_code})" if exit_code else ""),
            # Last seen = the latest crash, so it moves with every restart (the tracker's
            # throttled change record carries it with the count).
            last_ms=_last_finished_ms(cs),
            count=restarts,
            container=name,
            attrs=attrs,
        )
    elif reason in WAITING_REASONS:
        detail = waiting.get("message", "")
        rep.add(
            ALIASES.get(reason, reason),
            f"container {name}: {reason}" + (f": {detail}" if detail else ""),
            container=name,
            attrs={**attrs, "image": cs.get("image", ""), "waiting_reason": reason},
        )
    _oom_killed(rep, cs)


def _oom_killed(rep: Reporter, cs: ContainerStatus) -> None:
    scope = rep.scope
    name = cs.get("name", "")
    current = (cs.get("state") or {}).get("terminated") or {}
    last = (cs.get("lastState") or {}).get("terminated") or {}
    if current.get("reason") == "OOMKilled":
        when = parse_ms(current.get("finishedAt"))
    elif last.get("reason") == "OOMKilled":
        when = parse_ms(last.get("finishedAt"))
        # An old kill followed by a healthy run is history, not a current finding.
        if when is None or scope.now_ms - when > scope.settings.oom_recent_s * 1000:
            return
    else:
        return
    rep.add(
        "OOMKilled",
        f"container {name} was OOMKilled (memory limit exceeded)",
        since_ms=when,
        container=name,
        # No restart count here: it moves on every restart and this finding is about the kill.
        attrs={"exit_code": str(current.get("exitCode", last.get("exitCode", 137)))},
    )


def _init_container(rep: Reporter, cs: ContainerStatus) -> None:
    name = cs.get("name", "")
    state = cs.get("state") or {}
    reason = (state.get("waiting") or {}).get("reason", "")
    terminated = state.get("terminated") or {}
    attrs = {**_last_termination(cs), "init": "true"}
    if reason in WAITING_REASONS - INIT_FAILURE_WAITING:
        detail = (state.get("waiting") or {}).get("message", "")
        rep.add(
            ALIASES.get(reason, reason),
            f"init container {name}: {reason}" + (f": {detail}" if detail else ""),
            container=name,
            attrs={**attrs, "waiting_reason": reason},
        )
    elif reason in INIT_FAILURE_WAITING or terminated.get("exitCode", 0) != 0:
        why = terminated.get("reason") or attrs.get("last_reason") or reason
        code = terminated.get("exitCode", attrs.get("exit_code", ""))
        rep.add(
            "InitContainerFailed",
            f"init container {name} failed: {why} (exit code {code}), "
            f"{counted(cs.get('restartCount', 0), 'restart')}",
            count=cs.get("restartCount", 0),
            container=name,
            attrs=attrs,
        )
    _oom_killed(rep, cs)


def _unschedulable(rep: Reporter, cond: Condition | None, created_ms: int | None) -> None:
    if cond is None or cond.get("status") != "False" or cond.get("reason") != "Unschedulable":
        return
    scope = rep.scope
    since = parse_ms(cond.get("lastTransitionTime")) or created_ms
    if scope.held(since, scope.settings.unschedulable_after_s):
        assert since is not None
        rep.add(
            "Unschedulable",
            f"pod unschedulable: {cond.get('message', '')}".rstrip(": "),
            since_ms=since,
        )


def _not_ready(rep: Reporter, conditions: dict[str, Condition], phase: str) -> None:
    if phase not in ("Running", "Pending"):
        return
    scheduled = conditions.get("PodScheduled", {}).get("status") == "True" or bool(rep.node)
    ready = conditions.get("Ready")
    if not scheduled or ready is None or ready.get("status") == "True":
        return
    scope = rep.scope
    since = parse_ms(ready.get("lastTransitionTime"))
    if scope.held(since, scope.settings.pod_not_ready_after_s):
        assert since is not None
        detail = ready.get("message") or ready.get("reason") or ""
        rep.add(
            "PodNotReady",
            "pod not ready" + (f": {detail}" if detail else ""),
            since_ms=since,
            attrs={"phase": phase},
        )


def _restart_storms(
    rep: Reporter, init: list[ContainerStatus], regular: list[ContainerStatus]
) -> None:
    scope = rep.scope
    settings = scope.settings
    window_ms = int(settings.restart_storm_window_s * 1000)
    for cs in [*init, *regular]:
        name = cs.get("name", "")
        restarts = scope.ctx.restarts_since(
            rep.subject.namespace, rep.subject.name, name, scope.now_ms - window_ms
        )
        if restarts is not None and restarts >= settings.restart_storm_count:
            rep.add(
                "RestartStorm",
                f"container {name} restarted {counted(restarts, 'time')} in the last "
                f"{ago(scope.now_ms - window_ms, scope.now_ms)}",
                count=restarts,
                container=name,
                attrs={"restarts_in_window": str(restarts)},
            )
