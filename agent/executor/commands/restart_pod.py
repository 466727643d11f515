"""restart_pod: delete a pod so its controller replaces it; a bare pod only with ``force``."""

from __future__ import annotations

from typing import Any

from agent.executor.commands._common import controller_of
from agent.executor.context import Ctx
from agent.executor.errors import CommandFailure
from agent.executor.kubeapi import path
from shared.commands.params import RestartPodParams


async def run(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    assert isinstance(params, RestartPodParams)
    t = ctx.target
    pod = await ctx.kube.json("GET", path("Pod", t.namespace, t.name))
    owner = controller_of(pod)
    if owner is None and not params.force:
        raise CommandFailure(
            "refused",
            f"pod {t.namespace}/{t.name} has no controller to replace it; "
            "deleting it would remove it for good (set force=true to do so anyway)",
        )
    await ctx.kube.json("DELETE", path("Pod", t.namespace, t.name), query=ctx.dry)
    return {
        "deleted": t.name,
        "owner": f"{owner['kind']}/{owner['name']}" if owner else None,
        "dry_run": ctx.dry_run,
    }
