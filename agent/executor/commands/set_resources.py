"""set_resources: change the cpu/memory limits and requests of one named container of a
workload's pod template (what remediation of an OOM-killed container asks for).

Reads the workload, merges the params into the container's current values (``resources``)
and refuses, before anything is written, a request that would end above its limit
(``invalid``) or an unknown container (``not_found``, naming the containers there are). The
write is a strategic merge patch of that one container's resources (the guard allows no
other); with dry run the server evaluates it (``dryRun=All``) and keeps nothing. Either way
the result is the diff the remediation preview shows: ``container``, ``before`` and
``after`` (each ``{"limits", "requests"}``), ``changed`` and ``dry_run``. ``after`` is what
the API server answered, so it is in the server's own spelling of the quantities; when
nothing would change nothing is sent."""

from __future__ import annotations

from typing import Any

from agent.executor import resources
from agent.executor.client import STRATEGIC
from agent.executor.commands._common import container_index, template_spec
from agent.executor.context import Ctx
from agent.executor.errors import CommandFailure
from shared.commands.params import SetResourcesParams


async def run(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    assert isinstance(params, SetResourcesParams)
    spec = template_spec(await ctx.kube.json("GET", ctx.kube.target_path))
    index = container_index(spec, params.container, ctx.target)
    before = resources.current(spec["containers"][index])
    after = resources.merged(before, params)
    if refusals := resources.above_limit(after):
        raise CommandFailure(
            "invalid", f"{ctx.target} container {params.container!r}: " + "; ".join(refusals)
        )
    changed = resources.changed(before, after)
    if changed:
        written = await ctx.kube.json(
            "PATCH",
            ctx.kube.target_path,
            query=ctx.dry,
            body=resources.patch(params),
            content_type=STRATEGIC,
        )
        new_spec = template_spec(written)
        after = resources.current(
            new_spec["containers"][container_index(new_spec, params.container, ctx.target)]
        )
    else:
        after = before
    return {
        "container": params.container,
        "before": before,
        "after": after,
        "changed": changed,
        "dry_run": ctx.dry_run,
    }
