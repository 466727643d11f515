"""Mirrored Kubernetes objects from the DataHub: filtered, searchable, paginated lists and
single objects. Object bodies are spliced into the response as the agent sent them (already
trimmed and redacted), never decoded and re-encoded: that is safe because the master's reader
let only JSON objects in (``shared.wire.payloads``), so a body cannot break or extend the
document around it. The summary says whether the cluster is ``degraded`` (an agent bound
reached, ``master.datahub.limits``): its counts may then be short."""

from __future__ import annotations

import base64
from collections import Counter
from collections.abc import Iterator
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Response

from master.auth.roles import Permission
from master.datahub.cluster import ClusterState
from master.errors import NotFound
from master.gateway.authz import Caller, need
from master.gateway.bodies import error_responses
from master.gateway.deps import Cluster, Hub
from master.gateway.errors import InvalidQuery
from master.gateway.responses import FastJSON
from shared.domain.resources import Resource

router = APIRouter(tags=["resources"])

CLUSTER_SCOPED = "-"  # namespace placeholder in paths for cluster-scoped objects


def item_bytes(res: Resource) -> bytes:
    meta = orjson.dumps(
        {
            "kind": res.ref.kind,
            "namespace": res.ref.namespace,
            "name": res.ref.name,
            "uid": res.ref.uid,
            "resource_version": res.resource_version,
            "health": res.health,
            "labels": dict(res.labels),
        }
    )
    return meta[:-1] + b',"object":' + (res.body_json or b"{}") + b"}"


def _parse_labels(selector: str | None) -> list[tuple[str, str | None]]:
    """``a=b,c`` -> [(a, b), (c, None)]: equality and existence, as kubectl's simplest form."""
    out: list[tuple[str, str | None]] = []
    for raw in (selector or "").split(","):
        part = raw.strip()
        if not part:
            continue
        key, sep, value = part.partition("=")
        key = key.rstrip("=!").strip()
        if not key or "!" in part:
            raise InvalidQuery(f"unsupported label selector {part!r}: use k=v or k")
        out.append((key, value.lstrip("=").strip() if sep else None))
    return out


def _decode_cursor(cursor: str | None) -> tuple[str, str, str] | None:
    if not cursor:
        return None
    try:
        kind, ns, name = orjson.loads(base64.urlsafe_b64decode(cursor.encode()))
        return (str(kind), str(ns), str(name))
    except (ValueError, TypeError):
        raise InvalidQuery("invalid cursor") from None


def _encode_cursor(res: Resource) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(res.ref.key))).decode()


def _matching(
    state: ClusterState,
    *,
    kind: str | None,
    namespace: str | None,
    labels: list[tuple[str, str | None]],
    q: str | None,
) -> Iterator[Resource]:
    kinds = [kind] if kind else sorted(state.resources)
    needle = (q or "").lower()
    for k in kinds:
        objs = state.resources.get(k, {})
        for key in sorted(objs):
            res = objs[key]
            if namespace is not None and res.ref.namespace != namespace:
                continue
            if needle and needle not in res.ref.name.lower():
                continue
            if any(
                (want is None and lk not in res.labels)
                or (want is not None and res.labels.get(lk) != want)
                for lk, want in labels
            ):
                continue
            yield res


@router.get(
    "/clusters/{name}/resources",
    dependencies=[need(Permission.READ, "cluster")],
    responses=error_responses(400),
)
async def list_resources(
    state: Cluster,
    caller: Caller,
    kind: str | None = None,
    namespace: str | None = None,
    label: Annotated[str | None, Query(description="k=v[,k2] equality/existence")] = None,
    q: Annotated[str | None, Query(description="substring of the object name")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
    cursor: str | None = None,
) -> Response:
    after = _decode_cursor(cursor)
    selector = _parse_labels(label)
    items: list[bytes] = []
    last: Resource | None = None
    more = False
    allowed = caller.grants.namespaces(state.name)  # None: all, cluster-scoped objects too
    for res in _matching(state, kind=kind, namespace=namespace, labels=selector, q=q):
        if after is not None and res.ref.key <= after:
            continue
        if allowed is not None and res.ref.namespace not in allowed:
            continue
        if len(items) == limit:
            more = True
            break
        items.append(item_bytes(res))
        last = res
    next_cursor = orjson.dumps(_encode_cursor(last) if more and last is not None else None)
    body = b'{"items":[' + b",".join(items) + b'],"next_cursor":' + next_cursor + b"}"
    return Response(body, media_type="application/json")


@router.get(
    "/clusters/{name}/resources/{kind}/{namespace}/{obj}", dependencies=[need(Permission.READ)]
)
async def get_resource(state: Cluster, kind: str, namespace: str, obj: str) -> Response:
    ns = "" if namespace == CLUSTER_SCOPED else namespace
    res = state.get(kind, ns, obj)
    if res is None:
        where = f"{namespace}/" if ns else ""
        raise NotFound(f"no {kind} {where}{obj} in {state.name}")
    return Response(item_bytes(res), media_type="application/json")


@router.get("/clusters/{name}/summary", dependencies=[need(Permission.READ)])
async def summary(hub: Hub, state: Cluster) -> FastJSON:
    severities = Counter(f.severity.label for f in state.active_findings())
    return FastJSON(
        {
            "name": state.name,
            "status": hub.status(state),
            "synced": state.synced,
            "degraded": bool(state.limits),
            "counts": state.counts(),
            "health": state.health_counts(),
            "findings": {s: severities.get(s, 0) for s in ("critical", "warning", "info")},
        }
    )
