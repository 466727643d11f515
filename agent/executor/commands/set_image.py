"""set_image: change the image of one named container (never all of them).

A strategic merge patch keyed by container name touches only that entry of the list."""

from __future__ import annotations

from typing import Any

from agent.executor.client import STRATEGIC
from agent.executor.context import Ctx
from agent.executor.errors import CommandFailure
from agent.kubeapi.paths import object_path
from shared.commands.params import SetImageParams
from shared.kinds import kind


async def run(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    assert isinstance(params, SetImageParams)
    t = ctx.target
    resource = object_path(kind(t.kind), t.name, namespace=t.namespace)
    obj = await ctx.kube.json("GET", resource)
    containers = ((obj.get("spec") or {}).get("template") or {}).get("spec", {}).get("containers")
    current = {c.get("name"): c.get("image") for c in containers or ()}
    if params.container not in current:
        names = ", ".join(sorted(str(n) for n in current)) or "none"
        raise CommandFailure(
            "not_found", f"{t} has no container {params.container!r} (containers: {names})"
        )
    patch = {
        "spec": {
            "template": {
                "spec": {"containers": [{"name": params.container, "image": params.image}]}
            }
        }
    }
    await ctx.kube.json("PATCH", resource, query=ctx.dry, body=patch, content_type=STRATEGIC)
    return {
        "container": params.container,
        "image_before": current[params.container],
        "image": params.image,
        "dry_run": ctx.dry_run,
    }
