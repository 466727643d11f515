"""set_image: change the image of one named container (never all of them, never anything else).

The agent builds the patch from validated params: a JSON patch that tests the container's name
at its index (so a concurrent edit that reordered the list fails instead of hitting another
container) and replaces that one ``image``. The new image must pass the cluster's image policy
(``images``: by default only registries the workload already pulls from). An unknown
container is refused (``not_found``), a refused image is ``image_not_allowed``."""

from __future__ import annotations

from typing import Any

from agent.executor.client import JSON_PATCH
from agent.executor.commands._common import container_index, template_spec
from agent.executor.context import Ctx
from agent.executor.errors import CommandFailure
from agent.executor.images import image_refusal
from shared.commands.params import SetImageParams


async def run(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    assert isinstance(params, SetImageParams)
    spec = template_spec(await ctx.kube.json("GET", ctx.kube.target_path))
    containers = list(spec.get("containers") or ())
    index = container_index(spec, params.container, ctx.target)
    in_use = [str(c.get("image")) for c in containers + list(spec.get("initContainers") or ())]
    images = ctx.policy.images
    why = image_refusal(
        params.image, current=in_use, allowed=images.allowed, require_digest=images.require_digest
    )
    if why is not None:
        raise CommandFailure("image_not_allowed", f"forbidden by agent policy: {why}")
    base = f"/spec/template/spec/containers/{index}"
    patch = [
        {"op": "test", "path": f"{base}/name", "value": params.container},
        {"op": "replace", "path": f"{base}/image", "value": params.image},
    ]
    await ctx.kube.json(
        "PATCH", ctx.kube.target_path, query=ctx.dry, body=patch, content_type=JSON_PATCH
    )
    return {
        "container": params.container,
        "image_before": containers[index].get("image"),
        "image": params.image,
        "dry_run": ctx.dry_run,
    }
