"""Pod status shapes a kubelet would write, and graceful pod deletion.

Owns: what Running, crash-looping, OOMKilled, image-pull-back-off and not-ready pods look
like — the same shapes as the kwok stages in tests/k8s/stages, so detectors see one truth.
Does not own: when these transitions happen (``kubelet``).
"""

from __future__ import annotations

from kubesim.kinds import PODS, Obj
from kubesim.store import Store
from kubesim.timeutil import now_iso


def _conditions(*, ready: bool, scheduled: bool = True, started: bool = True) -> list[Obj]:
    now = now_iso()
    not_ready = {"reason": "ContainersNotReady", "message": "containers with unready status"}

    def cond(type_: str, ok: bool, extra: Obj | None = None) -> Obj:
        c: Obj = {
            "type": type_,
            "status": "True" if ok else "False",
            "lastProbeTime": None,
            "lastTransitionTime": now,
        }
        if not ok and extra:
            c.update(extra)
        return c

    return [
        cond("PodReadyToStartContainers", started),
        cond("Initialized", True),
        cond("Ready", ready, not_ready),
        cond("ContainersReady", ready, not_ready),
        cond("PodScheduled", scheduled),
    ]


def _base(pod: Obj, *, host_ip: str, pod_ip: str) -> Obj:
    status = dict(pod.get("status") or {})
    status.update(hostIP=host_ip, hostIPs=[{"ip": host_ip}], podIP=pod_ip, podIPs=[{"ip": pod_ip}])
    status.setdefault("startTime", now_iso())
    status.setdefault("qosClass", "BestEffort")
    return status


def _container(
    c: Obj, n: int, *, ready: bool, state: Obj, last: Obj | None = None, restarts: int = 0
) -> Obj:
    return {
        "name": c["name"],
        "image": c.get("image", ""),
        "imageID": "",
        "containerID": f"kubesim://{c['name']}-{n}",
        "ready": ready,
        "started": ready,
        "restartCount": restarts,
        "state": state,
        "lastState": last or {},
    }


def running(pod: Obj, *, host_ip: str, pod_ip: str, ready: bool = True) -> Obj:
    status = _base(pod, host_ip=host_ip, pod_ip=pod_ip)
    started = status.get("startTime") or now_iso()
    old = {s["name"]: s for s in status.get("containerStatuses") or ()}
    status["phase"] = "Running"
    status["conditions"] = _conditions(ready=ready)
    status["containerStatuses"] = [
        _container(
            c,
            0,
            ready=ready,
            state={"running": {"startedAt": started}},
            restarts=old.get(c["name"], {}).get("restartCount", 0),
            last=old.get(c["name"], {}).get("lastState"),
        )
        for c in pod["spec"].get("containers", [])
    ]
    return status


def crashing(pod: Obj, *, host_ip: str, pod_ip: str, oom: bool) -> Obj:
    """One more crash: restartCount + 1, lastState terminated, waiting CrashLoopBackOff."""
    status = _base(pod, host_ip=host_ip, pod_ip=pod_ip)
    now = now_iso()
    old = {s["name"]: s for s in status.get("containerStatuses") or ()}
    reason, code = ("OOMKilled", 137) if oom else ("Error", 1)
    status["phase"] = "Running"
    status["conditions"] = _conditions(ready=False)
    statuses = []
    for c in pod["spec"].get("containers", []):
        n = old.get(c["name"], {}).get("restartCount", -1) + 1
        last = {
            "terminated": {
                "exitCode": code,
                "reason": reason,
                "startedAt": now,
                "finishedAt": now,
                "containerID": f"kubesim://{c['name']}-{n}",
            }
        }
        wait = {
            "waiting": {
                "reason": "CrashLoopBackOff",
                "message": f"back-off 10s restarting failed container={c['name']} "
                f"pod={pod['metadata']['name']}",
            }
        }
        statuses.append(_container(c, n, ready=False, state=wait, last=last, restarts=n))
    status["containerStatuses"] = statuses
    return status


def pulling(pod: Obj, *, host_ip: str, pod_ip: str, backoff: bool) -> Obj:
    status = _base(pod, host_ip=host_ip, pod_ip=pod_ip)
    status.pop("podIP", None)
    status.pop("podIPs", None)
    status["phase"] = "Pending"
    status["conditions"] = _conditions(ready=False, started=False)
    statuses = []
    for c in pod["spec"].get("containers", []):
        image = c.get("image", "")
        if backoff:
            wait = {"reason": "ImagePullBackOff", "message": f'Back-off pulling image "{image}"'}
        else:
            wait = {
                "reason": "ErrImagePull",
                "message": "rpc error: code = NotFound desc = failed to pull and unpack "
                f'image "{image}": not found',
            }
        statuses.append(_container(c, 0, ready=False, state={"waiting": wait}))
    status["containerStatuses"] = statuses
    return status


def set_ready(status: Obj, ready: bool) -> Obj:
    """Flip readiness only (node lost, readiness blip), keeping container history."""
    value = "True" if ready else "False"
    for cond in status.get("conditions") or ():
        if cond["type"] in ("Ready", "ContainersReady") and cond["status"] != value:
            cond["status"], cond["lastTransitionTime"] = value, now_iso()
    for cs in status.get("containerStatuses") or ():
        cs["ready"] = ready
    return status


def is_ready(pod: Obj) -> bool:
    return any(
        c["type"] == "Ready" and c["status"] == "True"
        for c in (pod.get("status") or {}).get("conditions") or ()
    )


def delete_pod(store: Store, pod: Obj, grace: int | None) -> Obj:
    """Graceful deletion: flag it; the simulated kubelet removes it (unscheduled: at once)."""
    meta = pod["metadata"]
    if grace is None:
        grace = int(pod["spec"].get("terminationGracePeriodSeconds", 30))
    if grace == 0 or not pod["spec"].get("nodeName"):
        return store.delete(PODS.resource, meta["namespace"], meta["name"])
    meta["deletionTimestamp"] = now_iso()
    meta["deletionGracePeriodSeconds"] = grace
    return store.update(PODS.resource, pod)
