"""pod_logs: a size-capped slice of one container's log (tail, since, previous), scrubbed as
free text (``agent.redaction.scrub``); ``bytes`` counts what the API server sent."""

from __future__ import annotations

from typing import Any

from agent.executor.context import Ctx
from agent.kubeapi.paths import object_path
from agent.redaction import scrub
from shared.commands.params import PodLogsParams
from shared.kinds import kind


async def run(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    assert isinstance(params, PodLogsParams)
    t = ctx.target
    # limitBytes makes the API server stop early: a 2 GiB log never crosses the link.
    query: dict[str, str | int] = {"limitBytes": params.limit_bytes}
    if params.container:
        query["container"] = params.container
    if params.tail_lines is not None:
        query["tailLines"] = params.tail_lines
    if params.since_s is not None:
        query["sinceSeconds"] = params.since_s
    if params.previous:
        query["previous"] = "true"
    resource = object_path(kind("Pod"), t.name, namespace=t.namespace, sub="log")
    raw = await ctx.kube.raw("GET", resource, query=query)
    data = raw[: params.limit_bytes]
    return {
        "container": params.container,
        "text": scrub(data.decode("utf-8", "replace")),
        "bytes": len(data),
        "truncated": len(raw) >= params.limit_bytes,
    }
