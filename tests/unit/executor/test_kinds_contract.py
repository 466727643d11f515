"""Every kind a command may target has a row in the kind table: the command client builds its
paths from that row (an unknown kind would fail the command with an internal error)."""

from __future__ import annotations

from agent.executor.registry import COMMANDS
from shared.kinds import BY_KIND


def test_every_target_kind_of_a_command_is_in_the_kind_table() -> None:
    for name, spec in COMMANDS.items():
        assert spec.kinds <= BY_KIND.keys(), name
