"""HTTP front of one simulated cluster: URL routing, discovery, error mapping.

Owns: turning a Kubernetes REST path into a ``Target`` and a verb, the discovery documents the
``kubernetes`` client and kubectl read, the one place an ``ApiError`` becomes a Status
response, and the single authorization rule (agent token cannot read Secrets).
Does not own: the verbs themselves (``handlers``, ``subresources``).
"""

from __future__ import annotations

import logging
import time
from typing import Any

import orjson
from aiohttp import web

from kubesim import handlers, subresources, usage
from kubesim.context import Api, Target
from kubesim.errors import ApiError, KubesimError, not_found
from kubesim.kinds import BY_PATH, KINDS
from shared.kinds import Kind

log = logging.getLogger(__name__)

API_KEY: web.AppKey[Api] = web.AppKey("api", Api)


def json_response(body: Any, status: int = 200) -> web.Response:
    return web.Response(body=orjson.dumps(body), status=status, content_type="application/json")


def make_app(api: Api) -> web.Application:
    # client_max_size: Deployment bodies are small; 8 MiB keeps a bad client from hurting us.
    app = web.Application(client_max_size=8 << 20)
    app[API_KEY] = api
    app.router.add_route("*", "/{tail:.*}", _dispatch)
    return app


async def _dispatch(request: web.Request) -> web.StreamResponse:
    api = request.app[API_KEY]
    try:
        return await _route(api, request)
    except ApiError as e:
        return json_response(e.status(), e.code)
    except KubesimError as e:
        return json_response(ApiError(500, "InternalError", str(e)).status(), 500)
    except (KeyError, TypeError, ValueError) as e:
        # Malformed bodies reach us as these; the real server answers 400/422, not 500.
        log.debug("bad request %s %s: %r", request.method, request.path, e)
        return json_response(ApiError(400, "BadRequest", f"bad request: {e!r}").status(), 400)


async def _route(api: Api, request: web.Request) -> web.StreamResponse:
    parts = [p for p in request.path.split("/") if p]
    if parts in (["healthz"], ["readyz"], ["livez"]):
        return web.Response(text="ok")
    if request.method == "GET":
        doc = _discovery(api, parts, request.host)
        if doc is not None:
            return json_response(doc)
        if parts[:3] == ["apis", "metrics.k8s.io", "v1beta1"] and len(parts) > 3:
            return json_response(_metrics(api, parts[3:]))
    target = _parse(parts)
    if target is None:
        raise ApiError(404, "NotFound", "the server could not find the requested resource")
    _authorize(api, request, target)
    if target.sub is not None and target.sub != "status":
        return await subresources.handle(api, request, target)
    return await handlers.handle(api, request, target)


def _parse(parts: list[str]) -> Target | None:
    if parts[:2] == ["api", "v1"]:
        group, version, rest = "", "v1", parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace: str | None = None
    if len(rest) >= 3 and rest[0] == "namespaces" and rest[2] not in ("status", "finalize"):
        namespace, rest = rest[1], rest[2:]
    if not rest or len(rest) > 3:
        return None
    kind = BY_PATH.get((group, version, rest[0]))
    if kind is None or (namespace is not None and not kind.namespaced):
        return None
    name = rest[1] if len(rest) > 1 else None
    sub = rest[2] if len(rest) > 2 else None
    if sub is not None and sub not in kind.subresources:
        return None
    if kind.namespaced and name is not None and namespace is None:
        return None  # a named namespaced object needs its namespace in the path
    return Target(kind, namespace, name, sub)


def _metrics(api: Api, rest: list[str]) -> dict[str, Any]:
    """metrics.k8s.io lists (all pods, one namespace's, nodes), as metrics-server serves."""
    now = time.time()
    if rest == ["pods"]:
        return usage.pod_metrics(api.store, now)
    if len(rest) == 3 and rest[0] == "namespaces" and rest[2] == "pods":
        return usage.pod_metrics(api.store, now, rest[1])
    if rest == ["nodes"]:
        return usage.node_metrics(api.store, now)
    raise ApiError(404, "NotFound", "the server could not find the requested resource")


def _authorize(api: Api, request: web.Request, target: Target) -> None:
    token = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token != api.agent_token or target.kind.resource != "secrets":
        return
    verb = {"GET": "get" if target.name else "list", "POST": "create"}.get(request.method, "")
    if request.query.get("watch") in ("1", "true", "True"):
        verb = "watch"
    where = (
        f' in the namespace "{target.namespace}"' if target.namespace else " at the cluster scope"
    )
    raise ApiError(
        403,
        "Forbidden",
        f'secrets is forbidden: User "{api.agent_user}" cannot {verb or request.method.lower()} '
        f'resource "secrets" in API group ""{where}',
        details={"kind": "secrets"},
    )


def _resource_list(group_version: str, kinds: list[Kind]) -> dict[str, Any]:
    resources: list[dict[str, Any]] = []
    for k in kinds:
        verbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]
        resources.append(
            {
                "name": k.plural,
                "singularName": k.singular,
                "namespaced": k.namespaced,
                "kind": k.kind,
                "verbs": verbs,
                "shortNames": list(k.short_names),
            }
        )
        for sub in k.subresources:
            sub_kind, sub_verbs = {
                "scale": ("Scale", ["get", "patch", "update"]),
                "eviction": ("Eviction", ["create"]),
                "log": ("Pod", ["get"]),
            }.get(sub, (k.kind, ["get", "patch", "update"]))
            resources.append(
                {
                    "name": f"{k.plural}/{sub}",
                    "singularName": "",
                    "namespaced": k.namespaced,
                    "kind": sub_kind,
                    "verbs": sub_verbs,
                }
            )
    return {
        "kind": "APIResourceList",
        "apiVersion": "v1",
        "groupVersion": group_version,
        "resources": resources,
    }


def _group(name: str) -> dict[str, Any]:
    versions = sorted({k.version for k in KINDS if k.group == name})
    gvs = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": gvs, "preferredVersion": gvs[0]}


def _discovery(api: Api, parts: list[str], host: str) -> dict[str, Any] | None:
    if parts == ["version"]:
        major, minor = api.version.lstrip("v").split(".")[:2]
        return {
            "major": major,
            "minor": minor,
            "gitVersion": api.version,
            "gitCommit": "0" * 40,
            "gitTreeState": "clean",
            "buildDate": "2026-01-01T00:00:00Z",
            "goVersion": "kubesim",
            "compiler": "gc",
            "platform": "linux/amd64",
        }
    if parts == ["api"]:
        return {
            "kind": "APIVersions",
            "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}],
        }
    if parts == ["api", "v1"]:
        return _resource_list("v1", [k for k in KINDS if not k.group])
    if parts == ["apis"]:
        names = sorted({k.group for k in KINDS if k.group})
        groups = [_group(n) for n in names] + [usage.group()]
        return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
    if parts == ["apis", "metrics.k8s.io"]:
        return {"kind": "APIGroup", "apiVersion": "v1", **usage.group()}
    if parts == ["apis", "metrics.k8s.io", "v1beta1"]:
        return usage.resource_list()
    if len(parts) == 2 and parts[0] == "apis":
        if not any(k.group == parts[1] for k in KINDS):
            raise not_found("groups", parts[1])
        return {"kind": "APIGroup", "apiVersion": "v1", **_group(parts[1])}
    if len(parts) == 3 and parts[0] == "apis":
        kinds = [k for k in KINDS if (k.group, k.version) == (parts[1], parts[2])]
        return _resource_list(f"{parts[1]}/{parts[2]}", kinds) if kinds else None
    return None
