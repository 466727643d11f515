"""describe: the object plus its recent events, redacted by the agent's one policy
(``agent.redaction``: the object by its shape, event messages as free text)."""

from __future__ import annotations

from typing import Any

from agent.executor.commands._common import field_selector
from agent.executor.context import Ctx
from agent.kubeapi.paths import collection_path
from agent.redaction import redact_object, scrub
from shared.kinds import kind

MAX_EVENTS = 50


async def run(ctx: Ctx) -> dict[str, Any]:
    t = ctx.target
    obj = await ctx.kube.json("GET", ctx.kube.target_path)
    uid = (obj.get("metadata") or {}).get("uid", "")
    terms = {"involvedObject.kind": t.kind, "involvedObject.name": t.name}
    if uid:
        terms["involvedObject.uid"] = str(uid)
    events_path = collection_path(kind("Event"), t.namespace)
    listed = await ctx.kube.json("GET", events_path, query={"fieldSelector": field_selector(terms)})
    events = sorted(
        listed.get("items") or (),
        key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or "",
        reverse=True,
    )[:MAX_EVENTS]
    return {
        "object": redact_object(obj),
        "events": [
            {
                "type": e.get("type"),
                "reason": e.get("reason"),
                "message": scrub(e["message"]) if isinstance(e.get("message"), str) else None,
                "count": e.get("count"),
                "last_seen": e.get("lastTimestamp") or e.get("eventTime"),
            }
            for e in events
        ],
    }
