"""⑧ The error-budget policy at the command door: before a command is created, the SLO
service says which exhausted SLOs (policy on) its risky change would touch
(``master.slo_service.policy``). Then only an admin with a reason may go ahead; a refusal and
an override are both audited, with the SLOs and their budgets."""

from __future__ import annotations

from typing import Any

import orjson

from master.auth.roles import Permission
from master.commands.requests import CommandIn
from master.datahub.cluster import ClusterState
from master.errors import Conflict, Forbidden
from master.gateway.authz import Principal
from master.slo_service.service import SloService
from shared.clock import now_ms


def _lookup(cluster: ClusterState) -> Any:
    def lookup(kind: str, namespace: str, name: str) -> dict[str, Any] | None:
        res = cluster.get(kind, namespace, name)
        if res is None:
            return None
        body: dict[str, Any] = orjson.loads(res.body_json)
        return body

    return lookup


async def check(
    body: CommandIn, cluster: ClusterState, slos: SloService, caller: Principal
) -> None:
    """Raise ``Conflict`` (no reason given) or ``Forbidden`` (not an admin) while a policy
    holds the command back; audit the override when an admin gives one."""
    if body.dry_run:
        return  # a preview changes nothing: it shows the admin what an override would do
    t = body.target
    held = slos.policy_holds(
        cluster=cluster.name,
        kind=t.kind,
        namespace=t.namespace,
        name=t.name,
        cmd_type=body.type,
        params=body.params,
        lookup=_lookup(cluster),
    )
    if not held:
        return
    names = ", ".join(f"{h.slo} ({h.remaining:.0%} budget left)" for h in held)
    admin = caller.grants.allows(Permission.ADMIN, cluster.name, t.namespace)
    going_ahead = admin and bool(body.override_reason)
    await slos.store.audit.append(
        at_ms=now_ms(),
        actor=caller.name,
        action="slo_policy.override" if going_ahead else "slo_policy.hold",
        cluster=cluster.name,
        target=f"{t.kind}/{t.namespace}/{t.name}",
        detail={"type": body.type, "slos": [h.slo for h in held], "reason": body.override_reason},
        outcome="ok" if going_ahead else "refused",
    )
    held_by = f"the error budget of {names} is spent"
    if not admin:
        raise Forbidden(f"{held_by}: only an admin may override it, with a reason")
    if not going_ahead:
        raise Conflict(f"{held_by}: to go ahead anyway, send override_reason (audited)")
