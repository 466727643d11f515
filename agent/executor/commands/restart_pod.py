"""restart_pod: delete a pod so its controller replaces it; a bare pod only with ``force``."""

from __future__ import annotations

from typing import Any

from agent.executor.commands._common import controller_of
from agent.executor.context import Ctx
from agent.executor.errors import CommandFailure
from agent.kubeapi.paths import object_path
from shared.commands.params import RestartPodParams
from shared.kinds import kind


async def run(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    assert isinstance(params, RestartPodParams)
    t = ctx.target
    resource = object_path(kind("Pod"), t.name, namespace=t.namespace)
    pod = await ctx.kube.json("GET", resource)
    owner = controller_of(pod)
    if owner is None and not params.force:
        raise CommandFailure(
            "refused",
            f"pod {t.namespace}/{t.name} has no controller to replace it; "
            "deleting it would remove it for good (set force=true to do so anyway)",
        )
    await ctx.kube.json("DELETE", resource, query=ctx.dry)
    return {
        "deleted": t.name,
        "owner": f"{owner['kind']}/{owner['name']}" if owner else None,
        "dry_run": ctx.dry_run,
    }
