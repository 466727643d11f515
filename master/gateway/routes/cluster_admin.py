"""⑧ Registering clusters and managing their agent tokens over the API (admin only), the same
operations as ``lookout-master cluster add|rotate|revoke``: the dashboard can register a
cluster and show its agent token once. Only the token's digest is stored."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from master.auth.roles import Permission
from master.clusters import tokens
from master.errors import Conflict, NotFound
from master.gateway.authz import Caller, need
from master.gateway.bodies import error_responses
from master.gateway.deps import Hub, StoreDep
from master.gateway.limits import KiB, body_limit
from master.gateway.responses import FastJSON
from master.store import Store
from master.store.errors import ClusterExists, UnknownCluster
from shared.clock import now_ms

router = APIRouter(tags=["clusters"])


class NewCluster(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


async def _audit(store: Store, actor: str, action: str, cluster: str) -> None:
    await store.audit.append(
        at_ms=now_ms(), actor=actor, action=action, cluster=cluster, target=cluster
    )


def _issued(name: str, issued: tokens.IssuedToken) -> FastJSON:
    return FastJSON(
        {"name": name, "token_id": issued.token_id, "token": issued.token},  # shown once
        status_code=201,
    )


@router.post(
    "/clusters",
    status_code=201,
    dependencies=[need(Permission.ADMIN)],
    responses=error_responses(409),
)
@body_limit(1 * KiB)
async def add_cluster(body: NewCluster, store: StoreDep, hub: Hub, caller: Caller) -> FastJSON:
    issued = tokens.issue()
    try:
        await store.clusters.add(
            body.name, token_id=issued.token_id, token_hash=issued.token_hash, now_ms=now_ms()
        )
    except ClusterExists as e:
        raise Conflict(f"cluster {body.name!r} exists; rotate its token instead") from e
    hub.ensure(body.name)
    await _audit(store, caller.name, "cluster.add", body.name)
    return _issued(body.name, issued)


@router.post("/clusters/{name}/token", status_code=201, dependencies=[need(Permission.ADMIN)])
@body_limit(1 * KiB)
async def rotate_token(name: str, store: StoreDep, caller: Caller) -> FastJSON:
    """A new agent token; the old one stops working (its live session ends within a second)."""
    if await store.clusters.get(name) is None:
        raise NotFound(f"unknown cluster {name!r}")
    issued = tokens.issue()
    await store.clusters.set_token(
        name, token_id=issued.token_id, token_hash=issued.token_hash, now_ms=now_ms()
    )
    await _audit(store, caller.name, "cluster.token.rotate", name)
    return _issued(name, issued)


@router.delete("/clusters/{name}/token", status_code=204, dependencies=[need(Permission.ADMIN)])
async def revoke_token(name: str, store: StoreDep, caller: Caller) -> Response:
    """Refuse the cluster's agent until a new token is made."""
    try:
        await store.clusters.revoke(name, now_ms())
    except UnknownCluster as e:
        raise NotFound(f"unknown cluster {name!r}") from e
    await _audit(store, caller.name, "cluster.token.revoke", name)
    return Response(status_code=204)
