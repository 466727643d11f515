"""uncordon: clear ``spec.unschedulable`` so the node takes new pods again."""

from __future__ import annotations

from typing import Any

from agent.executor.commands.cordon import set_unschedulable
from agent.executor.context import Ctx


async def run(ctx: Ctx) -> dict[str, Any]:
    return await set_unschedulable(ctx, False)
