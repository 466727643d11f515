"""What a command module gets: the API, its validated params, the target, and a way to report
progress. Commands are ``async def run(ctx) -> dict`` and raise ``CommandFailure``; an
``agent.kubeapi.errors`` exception they let through becomes one in the runner."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from agent.executor.client import Kube
from shared.domain.refs import ObjectRef

Progress = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True, slots=True)
class Ctx:
    kube: Kube
    target: ObjectRef
    params: BaseModel
    dry_run: bool
    deadline_ms: int  # wall clock; the runner also enforces it with a timeout
    progress: Progress  # message + partial result -> a RUNNING CommandUpdate

    @property
    def dry(self) -> dict[str, str | int]:
        """Query parameters for a mutating call: server-side dry run when asked."""
        return {"dryRun": "All"} if self.dry_run else {}
