"""COMMANDS: what the agent runs for each command of the shared catalogue.

The one thing this table adds is the implementation (``RUN``: name -> ``commands/<name>.run``);
parameters, target kinds and whether a command mutates come from ``shared.commands.catalogue``,
so the master and the agent cannot disagree on them. Adding a command = its catalogue row, one
module in ``commands/`` and one row in ``RUN``; the import fails while the two tables differ.

Deliberately does not own policy (``policy``) or running (``running``)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from agent.errors import AgentError
from agent.executor.commands import (
    cordon,
    delete_pod,
    describe,
    drain,
    pod_logs,
    restart_pod,
    rollback,
    rollout_restart,
    scale,
    set_image,
    set_resources,
    uncordon,
)
from agent.executor.context import Ctx
from shared.commands.catalogue import CATALOGUE, CommandType
from shared.commands.params import Params

Run = Callable[[Ctx], Awaitable[dict[str, Any]]]

RUN: dict[str, Run] = {
    "restart_pod": restart_pod.run,
    "rollout_restart": rollout_restart.run,
    "scale": scale.run,
    "set_image": set_image.run,
    "set_resources": set_resources.run,
    "rollback": rollback.run,
    "cordon": cordon.run,
    "uncordon": uncordon.run,
    "drain": drain.run,
    "delete_pod": delete_pod.run,
    "pod_logs": pod_logs.run,
    "describe": describe.run,
}


class RegistryMismatch(AgentError):
    """The implementations and the shared catalogue name different commands (an edit of one
    table without the other); raised at import so no agent starts half-wired."""


@dataclass(frozen=True, slots=True)
class Spec:
    run: Run
    params: type[Params]
    kinds: frozenset[str]
    mutating: bool = True

    @classmethod
    def of(cls, ctype: CommandType, run: Run) -> Spec:
        return cls(run, ctype.params, ctype.target_kinds, ctype.mutating)


def build(catalogue: Mapping[str, CommandType], run: Mapping[str, Run]) -> dict[str, Spec]:
    """One ``Spec`` per catalogue row; ``RegistryMismatch`` unless both name the same commands."""
    if set(catalogue) != set(run):
        missing = ", ".join(sorted(set(catalogue) - set(run))) or "none"
        extra = ", ".join(sorted(set(run) - set(catalogue))) or "none"
        raise RegistryMismatch(
            f"agent.executor.registry.RUN and shared.commands.catalogue.CATALOGUE differ: "
            f"without implementation: {missing}; not in the catalogue: {extra}"
        )
    return {name: Spec.of(ctype, run[name]) for name, ctype in catalogue.items()}


COMMANDS: dict[str, Spec] = build(CATALOGUE, RUN)
