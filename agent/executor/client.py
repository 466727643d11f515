"""The command client: raw JSON calls to the Kubernetes API for the commands, over the agent's
own asynchronous connection pool (``agent.kubeapi.transport.KubeAccess``).

Owns: one request helper that serialises bodies, returns parsed JSON (or bytes for logs) and
raises the ``agent.kubeapi.errors`` exception for a non-2xx answer (the runner turns whatever
escapes a command into a ``CommandFailure``), the patch content types, and a semaphore that
bounds the calls in flight across all commands. Paths come from ``agent.kubeapi.paths`` and the
kind table (``shared.kinds``).

Why not the ``kubernetes`` package's blocking client: each call would cost a worker-thread hop
and the client's own request building, and the default thread pool would quietly cap the calls
in flight below the executor's concurrency. Deliberately does not retry: the commands decide
(only drain retries, on 429)."""

from __future__ import annotations

import asyncio
from typing import Any

import orjson

from agent.kubeapi.errors import status_error
from agent.kubeapi.transport import KubeAccess

Json = dict[str, Any]

MERGE = "application/merge-patch+json"
STRATEGIC = "application/strategic-merge-patch+json"
JSON_PATCH = "application/json-patch+json"


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
            raise status_error(status, payload)
        return payload

    async def send(
        self,
        method: str,
        resource: str,
        params: dict[str, str],
        data: bytes | None,
        content_type: str,
    ) -> tuple[int, bytes]:
        """One API call: ``(status, body)``; a seam the command benchmark times. Raises
        KubeConnectionError when no answer came."""
        return await self._access.exchange(
            method,
            resource,
            params=params,
            body=data,
            content_type=content_type,
            accept="application/json, */*",
            timeout_s=self._timeout,
        )
