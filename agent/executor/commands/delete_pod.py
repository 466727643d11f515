"""delete_pod: delete a pod with an optional grace period."""

from __future__ import annotations

from typing import Any

from agent.executor.context import Ctx
from agent.kubeapi.paths import object_path
from shared.commands.params import DeletePodParams
from shared.kinds import kind


async def run(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    assert isinstance(params, DeletePodParams)
    t = ctx.target
    query = dict(ctx.dry)
    if params.grace_period_s is not None:
        query["gracePeriodSeconds"] = params.grace_period_s
    await ctx.kube.json(
        "DELETE", object_path(kind("Pod"), t.name, namespace=t.namespace), query=query
    )
    return {"deleted": t.name, "grace_period_s": params.grace_period_s, "dry_run": ctx.dry_run}
