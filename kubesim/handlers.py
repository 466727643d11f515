"""The verbs on a resource (and its ``status`` subresource): list, watch, get, create, update,
patch, delete — with pagination, resourceVersion semantics, bookmarks and ``dryRun=All``.

Owns: request-level API server behaviour that is the same for every kind.
Does not own: kind-specific lifecycles (graceful pod deletion is flagged here and finished by
``controllers``; namespace deletion likewise) or the scale/eviction/log subresources.
"""

from __future__ import annotations

import asyncio
import base64
import copy
import time

import orjson
from aiohttp import web

from kubesim.context import Api, Target
from kubesim.errors import ApiError, already_exists, bad_request, not_found
from kubesim.kinds import NAMESPACES, PODS, Obj
from kubesim.objects import apply_defaults, random_suffix
from kubesim.patching import apply_patch
from kubesim.pods import delete_pod
from kubesim.selectors import request_matcher
from kubesim.store import Event, Watcher
from kubesim.timeutil import now_iso

_TRUE = ("1", "true", "True")
_BATCH = 500  # events per socket write: one syscall for a burst instead of one per event


def json_response(body: Obj, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


def is_dry_run(request: web.Request) -> bool:
    return "All" in request.query.getall("dryRun", [])


async def handle(api: Api, request: web.Request, t: Target) -> web.StreamResponse:
    method = request.method
    if t.name is None:
        if method == "GET":
            if request.query.get("watch") in _TRUE:
                return await watch(api, request, t)
            return list_(api, request, t)
        if method == "POST":
            return json_response(create(api, t, await request.json(), dry=is_dry_run(request)), 201)
    elif method == "GET":
        return json_response(api.store.must_get(t.kind.resource, t.namespace or "", t.name))
    elif method == "PUT":
        return json_response(replace(api, t, await request.json(), dry=is_dry_run(request)))
    elif method == "PATCH":
        body = await request.json()
        ctype = request.headers.get("Content-Type", "")
        return json_response(patch(api, t, body, ctype, dry=is_dry_run(request)))
    elif method == "DELETE":
        opts: Obj = await request.json() if request.can_read_body else {}
        if "gracePeriodSeconds" in request.query:
            opts["gracePeriodSeconds"] = int(request.query["gracePeriodSeconds"])
        dry = is_dry_run(request) or "All" in (opts.get("dryRun") or [])
        return json_response(delete(api, t, opts, dry=dry))
    raise ApiError(405, "MethodNotAllowed", f"{method} is not supported on this path")


# -- list and watch ---------------------------------------------------------------------
def _continue_token(rv: int, key: tuple[str, str]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps({"rv": rv, "start": list(key)})).decode()


def list_(api: Api, request: web.Request, t: Target) -> web.Response:
    store, q = api.store, request.query
    items = store.items(t.kind.resource, t.namespace)
    rv = store.rv
    token = q.get("continue")
    if token:
        try:
            state = orjson.loads(base64.urlsafe_b64decode(token))
            start = (state["start"][0], state["start"][1])
        except (ValueError, KeyError, IndexError) as e:
            raise bad_request("continue key is not valid") from e
        # Not a snapshot read like etcd's: later pages show the current state. Good enough for
        # an informer (the following watch replays what changed) and far cheaper.
        rv = int(state["rv"])
        items = [(k, raw) for k, raw in items if k > start]
    match = request_matcher(q.get("labelSelector", ""), q.get("fieldSelector", ""))
    if match is not None:
        items = [(k, raw) for k, raw in items if match(orjson.loads(raw))]
    limit = int(q.get("limit") or 0)
    meta: Obj = {"resourceVersion": str(rv)}
    if 0 < limit < len(items):
        meta["continue"] = _continue_token(rv, items[limit - 1][0])
        meta["remainingItemCount"] = len(items) - limit
        items = items[:limit]
    head = {"kind": f"{t.kind.kind}List", "apiVersion": t.kind.api_version, "metadata": meta}
    body = orjson.dumps(head)[:-1] + b',"items":[' + b",".join(r for _, r in items) + b"]}"
    return web.Response(body=body, content_type="application/json")


def _event_line(etype: str, raw: bytes) -> bytes:
    return b'{"type":"' + etype.encode() + b'","object":' + raw + b"}\n"


async def watch(api: Api, request: web.Request, t: Target) -> web.StreamResponse:
    q = request.query
    rv_param = q.get("resourceVersion", "")
    since = None if rv_param in ("", "0") else int(rv_param)
    match = request_matcher(q.get("labelSelector", ""), q.get("fieldSelector", ""))
    bookmarks = q.get("allowWatchBookmarks") in _TRUE
    # An unbounded watch is capped like the server's --min-request-timeout (30 min).
    timeout = float(q.get("timeoutSeconds") or 1800)
    resp = web.StreamResponse(headers={"Content-Type": "application/json"})
    resp.enable_chunked_encoding()
    await resp.prepare(request)
    try:
        initial, watcher = api.store.watch(
            t.kind.resource, namespace=t.namespace, since=since, accepts=match
        )
    except ApiError as e:
        # Like the watch cache: HTTP 200, then a single ERROR event carrying the 410 Status.
        await resp.write(_event_line("ERROR", orjson.dumps(e.status())))
        await resp.write_eof()
        return resp
    try:
        for i in range(0, len(initial), _BATCH):
            await resp.write(b"".join(_event_line(e.type, e.raw) for e in initial[i : i + _BATCH]))
        if bookmarks and q.get("sendInitialEvents") in _TRUE:
            await resp.write(_bookmark(api, t, initial_end=True))
        await _pump(api, resp, t, watcher, deadline=time.monotonic() + timeout, bookmarks=bookmarks)
    except (ConnectionResetError, asyncio.CancelledError):
        api.store.unwatch(watcher)
        raise
    api.store.unwatch(watcher)
    await resp.write_eof()
    return resp


def _bookmark(api: Api, t: Target, *, initial_end: bool = False) -> bytes:
    meta: Obj = {"resourceVersion": str(api.store.rv)}
    if initial_end:
        meta["annotations"] = {"k8s.io/initial-events-end": "true"}
    obj = {"kind": t.kind.kind, "apiVersion": t.kind.api_version, "metadata": meta}
    return _event_line("BOOKMARK", orjson.dumps(obj))


async def _pump(
    api: Api,
    resp: web.StreamResponse,
    t: Target,
    watcher: Watcher,
    *,
    deadline: float,
    bookmarks: bool,
) -> None:
    # Bookmarks go out 2 s before the deadline and then every bookmark_interval, as the
    # watch cache does; only when the queue is empty, so the bookmark's rv covers every event.
    next_bookmark = min(deadline - 2, time.monotonic() + api.bookmark_interval)
    queue = watcher.queue
    while True:
        now = time.monotonic()
        if now >= deadline:
            return
        wake = min(deadline, next_bookmark) if bookmarks else deadline
        try:
            async with asyncio.timeout(max(0.0, wake - now)):  # not wait_for: see reconciler
                first = await queue.get()
        except TimeoutError:
            if bookmarks and time.monotonic() >= next_bookmark and queue.empty():
                await resp.write(_bookmark(api, t))
                next_bookmark = time.monotonic() + api.bookmark_interval
            continue
        batch: list[Event | None] = [first]
        while not queue.empty() and len(batch) < _BATCH:
            batch.append(queue.get_nowait())
        events = [e for e in batch if e is not None]
        if events:
            await resp.write(b"".join(_event_line(e.type, e.raw) for e in events))
        if None in batch or (watcher.overflowed and queue.empty()):
            return


# -- mutations --------------------------------------------------------------------------
def _check_namespace(api: Api, namespace: str) -> None:
    ns = api.store.get(NAMESPACES.resource, "", namespace)
    if ns is None:
        raise not_found("namespaces", namespace)
    if ns["metadata"].get("deletionTimestamp"):
        raise ApiError(
            403,
            "Forbidden",
            f"unable to create new content in namespace {namespace} because it is being terminated",
        )


def create(api: Api, t: Target, body: Obj, *, dry: bool) -> Obj:
    meta = body.setdefault("metadata", {})
    if not meta.get("name"):
        if not meta.get("generateName"):
            raise ApiError(
                422, "Invalid", "metadata.name: Required value: name or generateName is required"
            )
        meta["name"] = meta["generateName"] + random_suffix()
    if t.kind.namespaced:
        meta["namespace"] = t.namespace or meta.get("namespace") or "default"
        _check_namespace(api, meta["namespace"])
    for field in ("resourceVersion", "uid", "deletionTimestamp", "creationTimestamp"):
        meta.pop(field, None)
    apply_defaults(t.kind, body)
    if not dry:
        return api.store.create(t.kind.resource, body)
    if api.store.get(t.kind.resource, meta.get("namespace", ""), meta["name"]) is not None:
        raise already_exists(t.kind.resource, meta["name"])
    meta.update(uid="00000000-0000-0000-0000-000000000000", creationTimestamp=now_iso())
    return body


def _commit_change(
    api: Api, t: Target, old: Obj, new: Obj, *, dry: bool, expect_rv: str = ""
) -> Obj:
    """Shared tail of PUT and PATCH: protect identity, split status from spec, bump generation."""
    for field in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp"):
        if field in old["metadata"]:
            new["metadata"][field] = old["metadata"][field]
    if t.sub == "status":
        new = {**old, "status": new.get("status", {})}
    elif "status" in t.kind.subresources and "status" in old:
        new["status"] = old["status"]  # the main resource ignores status, as on a real server
    if t.sub is None and "generation" in old["metadata"] and new.get("spec") != old.get("spec"):
        new["metadata"]["generation"] = old["metadata"]["generation"] + 1
    new["apiVersion"], new["kind"] = t.kind.api_version, t.kind.kind
    if dry:
        return new
    return api.store.update(t.kind.resource, new, expect_rv=expect_rv or None)


def replace(api: Api, t: Target, body: Obj, *, dry: bool) -> Obj:
    assert t.name is not None
    old = api.store.must_get(t.kind.resource, t.namespace or "", t.name)
    rv = str((body.get("metadata") or {}).get("resourceVersion") or "")
    body.setdefault("metadata", {})
    return _commit_change(api, t, old, body, dry=dry, expect_rv=rv)


def patch(api: Api, t: Target, body: object, ctype: str, *, dry: bool) -> Obj:
    assert t.name is not None
    old = api.store.must_get(t.kind.resource, t.namespace or "", t.name)
    new = apply_patch(copy.deepcopy(old), body, ctype)
    rv = str((new.get("metadata") or {}).get("resourceVersion") or "")
    expect = (
        rv if isinstance(body, dict) and "resourceVersion" in (body.get("metadata") or {}) else ""
    )
    return _commit_change(api, t, old, new, dry=dry, expect_rv=expect)


def delete(api: Api, t: Target, opts: Obj, *, dry: bool) -> Obj:
    assert t.name is not None
    resource, ns = t.kind.resource, t.namespace or ""
    obj = api.store.must_get(resource, ns, t.name)
    if dry or obj["metadata"].get("deletionTimestamp"):
        return obj
    if resource == PODS.resource:
        return delete_pod(api.store, obj, opts.get("gracePeriodSeconds"))
    if resource == NAMESPACES.resource:
        # The namespace controller (in ``controllers``) empties it, then removes it.
        obj["metadata"]["deletionTimestamp"] = now_iso()
        obj["status"] = {"phase": "Terminating"}
        return api.store.update(resource, obj)
    # Dependants are garbage-collected in the background by ``controllers``.
    return api.store.delete(resource, ns, t.name)
