"""The ``scale``, ``eviction`` and ``log`` subresources.

Owns: Scale documents for Deployments/StatefulSets/ReplicaSets, the eviction decision against
PodDisruptionBudgets (429 when disallowed, the same wording as the real server), synthetic pod
logs.
Does not own: PDB status arithmetic (``controllers`` keeps ``disruptionsAllowed`` current).
"""

from __future__ import annotations

import asyncio
import copy
import time

from aiohttp import web

from kubesim import handlers
from kubesim.context import Api, Target
from kubesim.errors import ApiError, bad_request
from kubesim.kinds import FAULT_LABEL, PDBS, PODS, Obj
from kubesim.patching import apply_patch
from kubesim.pods import delete_pod
from kubesim.selectors import selector_from_match
from kubesim.timeutil import now_iso


async def handle(api: Api, request: web.Request, t: Target) -> web.StreamResponse:
    assert t.name is not None
    if t.sub == "scale":
        return await _scale(api, request, t)
    if t.sub == "eviction" and request.method == "POST":
        body = await request.json()
        dry = handlers.is_dry_run(request) or "All" in (
            (body.get("deleteOptions") or {}).get("dryRun") or []
        )
        return handlers.json_response(evict(api, t.namespace or "", t.name, dry=dry), 201)
    if t.sub == "log" and request.method == "GET":
        return await _log(api, request, t)
    raise ApiError(405, "MethodNotAllowed", f"{request.method} is not supported on {t.sub}")


def _scale_doc(t: Target, obj: Obj) -> Obj:
    meta = obj["metadata"]
    labels = (obj["spec"].get("selector") or {}).get("matchLabels") or {}
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            k: meta[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in meta
        },
        "spec": {"replicas": obj["spec"].get("replicas", 1)},
        "status": {
            "replicas": (obj.get("status") or {}).get("replicas", 0),
            "selector": ",".join(f"{k}={v}" for k, v in sorted(labels.items())),
        },
    }


async def _scale(api: Api, request: web.Request, t: Target) -> web.Response:
    assert t.name is not None
    obj = api.store.must_get(t.kind.resource, t.namespace or "", t.name)
    if request.method == "GET":
        return handlers.json_response(_scale_doc(t, obj))
    if request.method not in ("PATCH", "PUT"):
        raise ApiError(405, "MethodNotAllowed", f"{request.method} is not supported on scale")
    body = await request.json()
    if request.method == "PATCH":
        doc = apply_patch(_scale_doc(t, obj), body, request.headers.get("Content-Type", ""))
    else:
        doc = body
    replicas = (doc.get("spec") or {}).get("replicas")
    if not isinstance(replicas, int) or replicas < 0:
        raise ApiError(
            422, "Invalid", "spec.replicas: Invalid value: must be greater than or equal to 0"
        )
    new = copy.deepcopy(obj)
    new["spec"]["replicas"] = replicas
    dry = handlers.is_dry_run(request)
    target = Target(t.kind, t.namespace, t.name, None)
    updated = handlers._commit_change(api, target, obj, new, dry=dry)
    return handlers.json_response(_scale_doc(t, updated))


def evict(api: Api, namespace: str, name: str, *, dry: bool) -> Obj:
    store = api.store
    pod = store.must_get(PODS.resource, namespace, name)
    ok: Obj = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success",
        "code": 201,
    }
    if pod["metadata"].get("deletionTimestamp"):
        return ok
    labels = pod["metadata"].get("labels") or {}
    pdbs = [
        p
        for p in store.iter_objects(PDBS.resource, namespace)
        if selector_from_match(p["spec"].get("selector"))(labels)
    ]
    # Like the real server, pods that are not running can go regardless of any budget.
    ignore_budget = pod.get("status", {}).get("phase") in ("Pending", "Succeeded", "Failed")
    if len(pdbs) > 1 and not ignore_budget:
        raise ApiError(
            500,
            "InternalError",
            "This pod has more than one PodDisruptionBudget, which the eviction subresource does "
            "not support.",
        )
    if pdbs and not ignore_budget:
        pdb = pdbs[0]
        status = pdb.get("status") or {}
        if status.get("observedGeneration", 0) < pdb["metadata"].get("generation", 1):
            _too_many(
                f"The disruption budget {pdb['metadata']['name']} is still being processed by the "
                "server."
            )
        if status.get("disruptionsAllowed", 0) <= 0:
            _too_many(
                f"The disruption budget {pdb['metadata']['name']} needs "
                f"{status.get('desiredHealthy', 0)} healthy pods and has "
                f"{status.get('currentHealthy', 0)} currently"
            )
        if not dry:
            status["disruptionsAllowed"] -= 1
            status.setdefault("disruptedPods", {})[name] = now_iso()
            pdb["status"] = status
            store.update(PDBS.resource, pdb)
    if not dry:
        delete_pod(store, pod, None)
    return ok


def _too_many(cause: str) -> None:
    raise ApiError(
        429,
        "TooManyRequests",
        "Cannot evict pod as it would violate the pod's disruption budget.",
        details={"causes": [{"reason": "DisruptionBudget", "message": cause}]},
    )


def _log_line(pod: Obj, container: str, i: int) -> str:
    ts = now_iso()
    name = pod["metadata"]["name"]
    fault = (pod["metadata"].get("labels") or {}).get(FAULT_LABEL)
    if fault in ("crashloop", "oomkilled") and i % 5 == 4:
        return f"{ts} FATAL {name}/{container} panic: runtime error: invalid memory address"
    return f"{ts} INFO {name}/{container} handled request id={i} status=200 in {i % 97}ms"


async def _log(api: Api, request: web.Request, t: Target) -> web.StreamResponse:
    assert t.name is not None
    pod = api.store.must_get(PODS.resource, t.namespace or "", t.name)
    containers = [c["name"] for c in pod["spec"].get("containers", [])]
    container = request.query.get("container") or (containers[0] if len(containers) == 1 else "")
    if container not in containers:
        raise bad_request(
            f"a container name must be specified for pod {t.name}, choose one of: {containers}"
        )
    tail = min(int(request.query.get("tailLines") or 50), 1000)
    lines = "".join(_log_line(pod, container, i) + "\n" for i in range(tail))
    limit = int(request.query.get("limitBytes") or 0)
    if limit:
        lines = lines[:limit]
    if request.query.get("follow") not in ("1", "true", "True"):
        return web.Response(text=lines, content_type="text/plain")
    resp = web.StreamResponse(headers={"Content-Type": "text/plain"})
    await resp.prepare(request)
    await resp.write(lines.encode())
    # Follow at one line per second, bounded so a forgotten client cannot pin a task forever.
    deadline = time.monotonic() + 300
    i = tail
    while time.monotonic() < deadline:
        await asyncio.sleep(1)
        await resp.write((_log_line(pod, container, i) + "\n").encode())
        i += 1
    await resp.write_eof()
    return resp
