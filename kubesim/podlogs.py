"""What a simulated container's log holds, and the ``pods/log`` query semantics over it.

Owns: the log of each container instance — a start-up burst of lines when it started, then one
request line per second while it runs, and a FATAL last line when a crash-looping one died —
and the API server's and kubelet's answers to ``container``, ``tailLines``, ``sinceSeconds``,
``sinceTime``, ``previous``, ``timestamps`` and ``limitBytes`` (including their 400s: no or
unknown container, an unscheduled pod, no previous instance, a container still waiting to
start).
Does not own: HTTP and ``follow`` streaming (``subresources``). Pure: ``now`` is an argument.
"""

from __future__ import annotations

import calendar
import time
from dataclasses import dataclass

from kubesim.errors import bad_request
from kubesim.kinds import FAULT_LABEL, Obj

STARTUP_LINES = 20  # what a container prints while starting (kwok's test log has 20 lines too)
MAX_LINES = 1000  # the kubelet rotates logs; an instance keeps only its newest lines
# The kubelet's words for the commonest reasons a container has no log yet.
_WAITING = {
    "ErrImagePull": "image can't be pulled",
    "ImagePullBackOff": "trying and failing to pull image",
}


@dataclass(frozen=True, slots=True)
class Query:
    container: str = ""
    tail_lines: int | None = None
    since_seconds: float | None = None
    since_time: str = ""
    previous: bool = False
    timestamps: bool = False
    limit_bytes: int = 0


def _epoch(ts: str) -> float:
    return float(calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S")))


def _iso(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def container_name(pod: Obj, requested: str) -> str:
    """The container a request means, with the API server's own 400s."""
    name = pod["metadata"]["name"]
    containers = [c["name"] for c in pod["spec"].get("containers") or ()]
    if not requested:
        if len(containers) == 1:
            return str(containers[0])
        raise bad_request(
            f"a container name must be specified for pod {name}, "
            f"choose one of: [{' '.join(containers)}]"
        )
    if requested not in containers:
        raise bad_request(f"container {requested} is not valid for pod {name}")
    return requested


def _instance(pod: Obj, container: str, *, previous: bool, now: float) -> tuple[float, float, bool]:
    """(started, ended, crashed) of the instance asked for, or the kubelet's 400."""
    pod_name = pod["metadata"]["name"]
    status = next(
        (
            s
            for s in (pod.get("status") or {}).get("containerStatuses") or ()
            if s["name"] == container
        ),
        None,
    )
    last = ((status or {}).get("lastState") or {}).get("terminated")
    state = (status or {}).get("state") or {}
    if previous:
        if not last:
            raise bad_request(
                f'previous terminated container "{container}" in pod "{pod_name}" not found'
            )
        return _epoch(last["startedAt"]), _epoch(last["finishedAt"]), True
    if "running" in state:
        return _epoch(state["running"]["startedAt"]), now, False
    if "terminated" in state:
        done = state["terminated"]
        return _epoch(done["startedAt"]), _epoch(done["finishedAt"]), done.get("exitCode", 0) != 0
    if last:  # waiting to restart (CrashLoopBackOff): the log of the instance that died
        return _epoch(last["startedAt"]), _epoch(last["finishedAt"]), True
    reason = (state.get("waiting") or {}).get("reason") or "ContainerCreating"
    why = _WAITING.get(reason, reason)
    raise bad_request(f'container "{container}" in pod "{pod_name}" is waiting to start: {why}')


def _lines(
    pod: Obj, container: str, *, started: float, ended: float, crashed: bool
) -> list[tuple[float, str]]:
    name = pod["metadata"]["name"]
    out = [
        (started, f"INFO {name}/{container} starting: step {i + 1}/{STARTUP_LINES}")
        for i in range(STARTUP_LINES)
    ]
    first = max(1, int(ended - started) - MAX_LINES)
    for k in range(first, int(ended - started) + 1):
        out.append(
            (
                started + k,
                f"INFO {name}/{container} handled request id={k} status=200 in {k % 97}ms",
            )
        )
    fault = (pod["metadata"].get("labels") or {}).get(FAULT_LABEL)
    if crashed and fault in ("crashloop", "oomkilled"):
        out.append(
            (ended, f"FATAL {name}/{container} panic: runtime error: invalid memory address")
        )
    return out[-MAX_LINES:]


def read(pod: Obj, q: Query, *, now: float) -> str:
    container = container_name(pod, q.container)
    if not pod["spec"].get("nodeName"):
        raise bad_request(f"pod {pod['metadata']['name']} does not have a host assigned")
    started, ended, crashed = _instance(pod, container, previous=q.previous, now=now)
    lines = _lines(pod, container, started=started, ended=ended, crashed=crashed)
    since = None
    if q.since_seconds is not None:
        since = now - q.since_seconds
    elif q.since_time:
        since = _epoch(q.since_time)
    if since is not None:
        lines = [(t, text) for t, text in lines if t >= since]
    if q.tail_lines is not None:
        lines = lines[-q.tail_lines :] if q.tail_lines > 0 else []
    text = "".join(
        (f"{_iso(t).replace('Z', '.000000000Z')} " if q.timestamps else "") + f"{_iso(t)} {line}\n"
        for t, line in lines
    )
    if q.limit_bytes:
        text = text.encode()[: q.limit_bytes].decode("utf-8", "ignore")
    return text
