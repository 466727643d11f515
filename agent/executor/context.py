"""What a command module gets: the API as that command may use it, its validated params, the
target, the cluster owner's policy and a way to report progress. Commands are
``async def run(ctx) -> dict`` and raise ``CommandFailure``; an ``agent.kubeapi.errors``
exception they let through becomes one in the runner.

``CommandKube`` is the API a command sees: each write passes the write guard (``guard``) for
that command's type before it is sent, and the target's last read is kept so the guard can
compare a new pod template with the current one. Commands never hold the bare client."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from agent.executor.client import Json, Kube
from agent.executor.errors import CommandFailure
from agent.executor.guard import Write, write_refusal
from agent.executor.settings import PolicySettings
from shared.domain.refs import ObjectRef

Progress = Callable[[str, dict[str, Any]], None]


class CommandKube:
    """``Kube`` for one command: writes are guarded, the target's last read is remembered."""

    def __init__(self, kube: Kube, *, command: str, target_path: str) -> None:
        self._kube = kube
        self._command = command
        self._target_path = target_path
        self._current: Json | None = None

    @property
    def target_path(self) -> str:
        """The API path of the command's target object."""
        return self._target_path

    def _check(self, method: str, resource: str, *, body: object, content_type: str) -> None:
        write = Write(method, resource, content_type, body, self._target_path, self._current)
        if (why := write_refusal(self._command, write)) is not None:
            raise CommandFailure("forbidden_by_policy", f"forbidden by agent policy: {why}")

    async def json(
        self,
        method: str,
        resource: str,
        *,
        query: dict[str, str | int] | None = None,
        body: object = None,
        content_type: str = "application/json",
    ) -> Json:
        self._check(method, resource, body=body, content_type=content_type)
        doc = await self._kube.json(
            method, resource, query=query, body=body, content_type=content_type
        )
        if method.upper() == "GET" and resource == self._target_path:
            self._current = doc
        return doc

    async def raw(
        self,
        method: str,
        resource: str,
        *,
        query: dict[str, str | int] | None = None,
        body: object = None,
        content_type: str = "application/json",
    ) -> bytes:
        self._check(method, resource, body=body, content_type=content_type)
        return await self._kube.raw(
            method, resource, query=query, body=body, content_type=content_type
        )


@dataclass(frozen=True, slots=True)
class Ctx:
    kube: CommandKube
    target: ObjectRef
    params: BaseModel
    policy: PolicySettings
    dry_run: bool
    deadline_ms: int  # wall clock; the runner also enforces it with a timeout
    progress: Progress  # message + partial result -> a RUNNING CommandUpdate

    @property
    def dry(self) -> dict[str, str | int]:
        """Query parameters for a mutating call: server-side dry run when asked."""
        return {"dryRun": "All"} if self.dry_run else {}
