"""rollout_restart: bump the pod template's restartedAt annotation, exactly as kubectl does,
so the controller rolls pods by its own strategy (surge, PDB-friendly)."""

from __future__ import annotations

from typing import Any

from agent.executor.client import STRATEGIC
from agent.executor.commands._common import meta, rfc3339_now
from agent.executor.context import Ctx
from agent.executor.guard import RESTARTED_AT
from agent.kubeapi.paths import object_path
from shared.kinds import kind

ANNOTATION = RESTARTED_AT  # the one template field the write guard lets this command set


async def run(ctx: Ctx) -> dict[str, Any]:
    t = ctx.target
    at = rfc3339_now()
    patch = {"spec": {"template": {"metadata": {"annotations": {ANNOTATION: at}}}}}
    obj = await ctx.kube.json(
        "PATCH",
        object_path(kind(t.kind), t.name, namespace=t.namespace),
        query=ctx.dry,
        body=patch,
        content_type=STRATEGIC,
    )
    return {"restarted_at": at, "generation": meta(obj).get("generation"), "dry_run": ctx.dry_run}
