"""Raw JSON calls to the Kubernetes API for the command executor, over the agent's own
asynchronous connection pool (``agent.kube.KubeAccess``).

Owns: object paths per kind (``KINDS``), one request helper that serialises bodies, returns
parsed JSON (or text for logs), and turns non-2xx answers into ``CommandFailure`` with the
server's own message. Concurrency is bounded by a semaphore shared by all commands.

Why not the ``kubernetes`` package's blocking client: each call cost a worker-thread hop and
the client's own request building (1-2 ms of CPU on the 2-core VM), and the default thread pool
(6 threads there) quietly capped the calls in flight below the executor's concurrency.
Deliberately does not retry: the commands decide (only drain retries, on 429)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import orjson

from agent.executor.errors import CommandFailure, api_failure
from agent.kube import KubeAccess, KubeConnectionError

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
        self, access: KubeAccess, *, max_inflight: int = 16, timeout_s: float = 30.0
    ) -> None:
        self._access = access
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
        data = None if body is None else orjson.dumps(body)
        params = {k: str(v) for k, v in (query or {}).items()}
        async with self._slots:
            status, payload = await self.send(method, resource, params, data, content_type)
        if not 200 <= status <= 299:
            raise api_failure(status, payload)
        return payload

    async def send(
        self,
        method: str,
        resource: str,
        params: dict[str, str],
        data: bytes | None,
        content_type: str,
    ) -> tuple[int, bytes]:
        """One API call: ``(status, body)``; a seam the command benchmark times."""
        try:
            return await self._access.exchange(
                method,
                resource,
                params=params,
                body=data,
                content_type=content_type,
                accept="application/json, */*",
                timeout_s=self._timeout,
            )
        except KubeConnectionError as e:
            raise CommandFailure("api_unreachable", f"kubernetes API unreachable: {e}") from e
