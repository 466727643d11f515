"""Commands and their life cycle: pending -> sent -> running -> a terminal state."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from shared.domain.refs import ObjectRef


class CommandState(enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    TIMED_OUT = "timed_out"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset(
    {CommandState.SUCCEEDED, CommandState.FAILED, CommandState.TIMED_OUT, CommandState.CANCELLED}
)


@dataclass(frozen=True, slots=True)
class Command:
    id: str
    type: str
    target: ObjectRef
    params_json: bytes = b"{}"
    dry_run: bool = False
    deadline_ms: int = 0  # wall clock ms; on the agent, its own clock (see ``budget_ms``)
    idempotency_key: str = ""
    # ms left before the deadline when the master sent it (0: not given, an older master). The
    # agent turns it into its own ``deadline_ms`` on receipt, so clock skew does not matter.
    budget_ms: int = 0


@dataclass(frozen=True, slots=True)
class CommandCancel:
    id: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class CommandUpdate:
    command_id: str
    state: CommandState
    at_ms: int
    message: str = ""
    result_json: bytes = b""
    error_code: str = ""
