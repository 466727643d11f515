"""scale: set replicas through the scale subresource (works for any scalable kind, and RBAC can
grant ``*/scale`` without granting edits of the whole object)."""

from __future__ import annotations

from typing import Any

from agent.executor.client import MERGE
from agent.executor.context import Ctx
from agent.kubeapi.paths import object_path
from shared.commands.params import ScaleParams
from shared.kinds import kind


async def run(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    assert isinstance(params, ScaleParams)
    t = ctx.target
    resource = object_path(kind(t.kind), t.name, namespace=t.namespace, sub="scale")
    before = await ctx.kube.json("GET", resource)
    after = await ctx.kube.json(
        "PATCH",
        resource,
        query=ctx.dry,
        body={"spec": {"replicas": params.replicas}},
        content_type=MERGE,
    )
    return {
        "replicas_before": (before.get("spec") or {}).get("replicas", 0),
        "replicas": (after.get("spec") or {}).get("replicas", params.replicas),
        "dry_run": ctx.dry_run,
    }
