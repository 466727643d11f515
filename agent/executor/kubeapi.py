"""Raw JSON calls to the Kubernetes API through the blocking client, run in threads.

Owns: object paths per kind (``KINDS``), one request helper that serialises auth the client's
way, returns parsed JSON (or text for logs), and turns non-2xx answers into ``CommandFailure``
with the server's own message. Concurrency is bounded by a semaphore shared by all commands.

Deliberately does not use the client's model classes (slow, and they drop unknown fields) and
does not retry: the commands decide (only drain retries, on 429)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import orjson

from agent.executor.errors import CommandFailure, api_failure

if TYPE_CHECKING:
    # At run time ``kubernetes`` and ``urllib3`` are imported in ``Kube._call`` (the first
    # command): the ``kubernetes`` package's ``__init__`` pulls in its config loaders and
    # clients, ~40 % of the agent's import time, and importing this module (for ``KINDS`` and
    # ``path``) must not cost that.
    from kubernetes import client as k8s_client

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class KindPath:
    prefix: str  # "/api/v1" or "/apis/<group>/<version>"
    plural: str
    namespaced: bool


KINDS: dict[str, KindPath] = {
    "Pod": KindPath("/api/v1", "pods", True),
    "Service": KindPath("/api/v1", "services", True),
    "ConfigMap": KindPath("/api/v1", "configmaps", True),
    "Secret": KindPath("/api/v1", "secrets", True),
    "PersistentVolumeClaim": KindPath("/api/v1", "persistentvolumeclaims", True),
    "PersistentVolume": KindPath("/api/v1", "persistentvolumes", False),
    "Node": KindPath("/api/v1", "nodes", False),
    "Namespace": KindPath("/api/v1", "namespaces", False),
    "Deployment": KindPath("/apis/apps/v1", "deployments", True),
    "StatefulSet": KindPath("/apis/apps/v1", "statefulsets", True),
    "DaemonSet": KindPath("/apis/apps/v1", "daemonsets", True),
    "ReplicaSet": KindPath("/apis/apps/v1", "replicasets", True),
    "Job": KindPath("/apis/batch/v1", "jobs", True),
    "CronJob": KindPath("/apis/batch/v1", "cronjobs", True),
    "Ingress": KindPath("/apis/networking.k8s.io/v1", "ingresses", True),
    "HorizontalPodAutoscaler": KindPath("/apis/autoscaling/v2", "horizontalpodautoscalers", True),
    "PodDisruptionBudget": KindPath("/apis/policy/v1", "poddisruptionbudgets", True),
}

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"


def path(kind: str, namespace: str = "", name: str = "", sub: str = "") -> str:
    kp = KINDS[kind]
    out = kp.prefix
    if kp.namespaced and namespace:
        out += f"/namespaces/{quote(namespace, safe='')}"
    out += f"/{kp.plural}"
    if name:
        out += f"/{quote(name, safe='')}"
    if sub:
        out += f"/{sub}"
    return out


class Kube:
    def __init__(
        self, api: k8s_client.ApiClient, *, max_inflight: int = 16, timeout_s: float = 30.0
    ) -> None:
        self._api = api
        self._slots = asyncio.Semaphore(max_inflight)
        self._timeout = timeout_s

    async def json(
        self,
        method: str,
        resource: str,
        *,
        query: dict[str, str | int] | None = None,
        body: object = None,
        content_type: str = "application/json",
    ) -> Json:
        raw = await self.raw(method, resource, query=query, body=body, content_type=content_type)
        doc = orjson.loads(raw) if raw else {}
        return doc if isinstance(doc, dict) else {"items": doc}

    async def raw(
        self,
        method: str,
        resource: str,
        *,
        query: dict[str, str | int] | None = None,
        body: object = None,
        content_type: str = "application/json",
    ) -> bytes:
        async with self._slots:
            return await asyncio.to_thread(
                self._call, method, resource, query or {}, body, content_type
            )

    def _call(
        self,
        method: str,
        resource: str,
        query: dict[str, str | int],
        body: object,
        content_type: str,
    ) -> bytes:
        from kubernetes.client.exceptions import ApiException  # lazily: see the imports
        from urllib3.exceptions import HTTPError

        headers = {"Accept": "application/json, */*"}
        if body is not None:
            headers["Content-Type"] = content_type
        try:
            m, url, hdrs, data, post = self._api.param_serialize(
                method=method,
                resource_path=resource,
                query_params=list(query.items()),
                header_params=headers,
                body=body,
                auth_settings=["BearerToken"],
            )
            resp = self._api.call_api(
                m,
                url,
                header_params=hdrs,
                body=data,
                post_params=post,
                _request_timeout=self._timeout,
            )
            resp.read()  # type: ignore[no-untyped-call]
        except ApiException as e:  # the REST layer raises some statuses itself (e.g. 429)
            payload = e.body if isinstance(e.body, bytes) else str(e.body or "").encode()
            raise api_failure(int(e.status or 0), payload, str(e.reason or "")) from None
        except (HTTPError, OSError) as e:
            raise CommandFailure("api_unreachable", f"kubernetes API unreachable: {e}") from e
        payload = resp.data or b""
        if not 200 <= resp.status <= 299:
            raise api_failure(resp.status, payload, str(resp.reason or ""))
        return payload
