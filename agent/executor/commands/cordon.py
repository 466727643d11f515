"""cordon: set ``spec.unschedulable`` on a node so the scheduler places no new pod there.
``uncordon`` reuses ``set_unschedulable`` with the opposite value."""

from __future__ import annotations

from typing import Any

from agent.executor.client import MERGE
from agent.executor.context import Ctx
from agent.kubeapi.paths import object_path
from shared.kinds import kind


async def set_unschedulable(ctx: Ctx, value: bool) -> dict[str, Any]:
    resource = object_path(kind("Node"), ctx.target.name)
    node = await ctx.kube.json("GET", resource)
    before = bool((node.get("spec") or {}).get("unschedulable"))
    if before != value:
        # null removes the field, as kubectl uncordon leaves it
        body = {"spec": {"unschedulable": True if value else None}}
        await ctx.kube.json("PATCH", resource, query=ctx.dry, body=body, content_type=MERGE)
    return {"unschedulable": value, "changed": before != value, "dry_run": ctx.dry_run}


async def run(ctx: Ctx) -> dict[str, Any]:
    return await set_unschedulable(ctx, True)
