"""The ``scale``, ``eviction`` and ``log`` subresources.

Owns: Scale documents for Deployments/StatefulSets/ReplicaSets, the eviction decision against
PodDisruptionBudgets (429 when disallowed, the same wording as the real server; unready pods
per ``unhealthyPodEvictionPolicy``), synthetic pod logs (served from ``podlogs``).
Does not own: PDB status arithmetic (``budgets`` keeps ``disruptionsAllowed`` current).
"""

from __future__ import annotations

import asyncio
import copy
import time
from dataclasses import replace

from aiohttp import web

from kubesim import handlers, podlogs
from kubesim.context import Api, Target
from kubesim.errors import ApiError, bad_request
from kubesim.kinds import PDBS, PODS, Obj
from kubesim.patching import apply_patch
from kubesim.pods import delete_pod, is_ready
from kubesim.selectors import selector_from_match
from kubesim.timeutil import now_iso

_TRUE = ("1", "true", "True")


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
        if not is_ready(pod) and _unhealthy_evictable(pdb["spec"], status):
            if not dry:  # an unready pod counts for nothing in the budget: no accounting
                delete_pod(store, pod, None)
            return ok
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


def _unhealthy_evictable(spec: Obj, status: Obj) -> bool:
    """unhealthyPodEvictionPolicy: ``AlwaysAllow``, or (the default ``IfHealthyBudget``) while
    the budget's healthy pods suffice without this one — so a drain is not held up by
    crash-looping pods whose budget is already met by the healthy ones."""
    if spec.get("unhealthyPodEvictionPolicy") == "AlwaysAllow":
        return True
    desired = int(status.get("desiredHealthy", 0))
    return desired > 0 and int(status.get("currentHealthy", 0)) >= desired


def _too_many(cause: str) -> None:
    raise ApiError(
        429,
        "TooManyRequests",
        "Cannot evict pod as it would violate the pod's disruption budget.",
        details={"causes": [{"reason": "DisruptionBudget", "message": cause}]},
    )


def _int(request: web.Request, name: str) -> int | None:
    raw = request.query.get(name)
    if raw in (None, ""):
        return None
    try:
        return int(raw)
    except ValueError as e:
        raise bad_request(f"{name}: Invalid value: {raw!r}: must be an integer") from e


async def _log(api: Api, request: web.Request, t: Target) -> web.StreamResponse:
    assert t.name is not None
    pod = api.store.must_get(PODS.resource, t.namespace or "", t.name)
    q = request.query
    query = podlogs.Query(
        container=q.get("container", ""),
        tail_lines=_int(request, "tailLines"),
        since_seconds=_int(request, "sinceSeconds"),
        since_time=q.get("sinceTime", ""),
        previous=q.get("previous") in _TRUE,
        timestamps=q.get("timestamps") in _TRUE,
        limit_bytes=_int(request, "limitBytes") or 0,
    )
    sent_until = time.time()
    text = podlogs.read(pod, query, now=sent_until)
    if q.get("follow") not in _TRUE or query.previous:
        return web.Response(text=text, content_type="text/plain")
    resp = web.StreamResponse(headers={"Content-Type": "text/plain"})
    await resp.prepare(request)
    await resp.write(text.encode())
    # Follow: the lines written since, once a second; bounded so a forgotten client cannot pin
    # a task forever.
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        await asyncio.sleep(1)
        fresh = api.store.get(PODS.resource, t.namespace or "", t.name)
        if fresh is None:
            break
        now = time.time()
        window = replace(query, since_seconds=now - sent_until, tail_lines=None, limit_bytes=0)
        try:
            more = podlogs.read(fresh, window, now=now)
        except ApiError:
            break  # the container stopped having a log to follow (e.g. it is restarting)
        sent_until = now
        await resp.write(more.encode())
    await resp.write_eof()
    return resp
