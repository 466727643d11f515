"""rollback: restore a Deployment's pod template from one of its ReplicaSets (the previous
revision, or a given one), as ``kubectl rollout undo`` does.

The revision's template replaces the current one only if it keeps the current template's
securityContext, volumes, host namespaces, host ports and service account: the write guard
(``guard.template_changes``) refuses any other, so an old privileged revision, or one planted
in the history, cannot be brought back by a command (``forbidden_by_policy``)."""

from __future__ import annotations

from typing import Any

from agent.executor.client import JSON_PATCH
from agent.executor.commands._common import controller_of, meta
from agent.executor.context import Ctx
from agent.executor.errors import CommandFailure
from agent.kubeapi.paths import collection_path
from shared.commands.params import RollbackParams
from shared.kinds import kind

REVISION = "deployment.kubernetes.io/revision"


def _revision(obj: dict[str, Any]) -> int:
    try:
        return int((meta(obj).get("annotations") or {}).get(REVISION, "0"))
    except ValueError:
        return 0


async def run(ctx: Ctx) -> dict[str, Any]:
    params = ctx.params
    assert isinstance(params, RollbackParams)
    t = ctx.target
    resource = ctx.kube.target_path
    dep = await ctx.kube.json("GET", resource)
    labels = ((dep.get("spec") or {}).get("selector") or {}).get("matchLabels") or {}
    selector = ",".join(f"{k}={v}" for k, v in sorted(labels.items()))
    listed = await ctx.kube.json(
        "GET", collection_path(kind("ReplicaSet"), t.namespace), query={"labelSelector": selector}
    )
    uid = meta(dep).get("uid")
    owned = {
        _revision(rs): rs
        for rs in listed.get("items") or ()
        if (controller_of(rs) or {}).get("uid") == uid
    }
    current = _revision(dep)
    if params.revision is not None:
        wanted = params.revision
    else:
        older = [r for r in owned if 0 < r < current]
        if not older:
            raise CommandFailure("not_found", f"{t} has no previous revision to roll back to")
        wanted = max(older)
    if wanted not in owned:
        known = ", ".join(str(r) for r in sorted(owned)) or "none"
        raise CommandFailure("not_found", f"{t} has no revision {wanted} (revisions: {known})")
    if wanted == current:
        return {"from_revision": current, "to_revision": wanted, "changed": False}
    template = dict((owned[wanted].get("spec") or {}).get("template") or {})
    tmeta = dict(template.get("metadata") or {})
    tlabels = {k: v for k, v in (tmeta.get("labels") or {}).items() if k != "pod-template-hash"}
    tmeta["labels"] = tlabels
    template["metadata"] = tmeta
    patch = [{"op": "replace", "path": "/spec/template", "value": template}]
    await ctx.kube.json("PATCH", resource, query=ctx.dry, body=patch, content_type=JSON_PATCH)
    return {
        "from_revision": current,
        "to_revision": wanted,
        "changed": True,
        "dry_run": ctx.dry_run,
    }
