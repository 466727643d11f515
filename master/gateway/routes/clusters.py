"""Clusters: link status, agent facts, resource counts and reached bounds from the DataHub.

``limits.degraded`` is true while the cluster's agent has reached one of the master's bounds
(``master.datahub.limits``); ``limits.exceeded`` names each, with what it refused so far."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from master.auth.roles import Permission
from master.datahub.cluster import ClusterState
from master.datahub.hub import DataHub
from master.gateway.authz import Caller, need
from master.gateway.deps import Cluster, Hub
from master.gateway.responses import FastJSON

router = APIRouter(tags=["clusters"])


def cluster_view(hub: DataHub, state: ClusterState) -> dict[str, Any]:
    return {
        "name": state.name,
        "status": hub.status(state),
        "last_heartbeat_ms": state.last_heard_ms or None,
        "agent_version": state.agent.version or None,
        "agent_instance": state.agent.instance_id or None,
        "connected_since_ms": state.agent.connected_since_ms or None,
        "synced": state.synced,
        "resource_counts": state.counts(),
        "active_findings": len(state.findings) + len(state.master_findings),
        "journal": {
            "high_water_mark": state.hwm,
            "gaps_dropped": state.gaps_dropped,
            "agent_spool_depth": state.spool_depth,
        },
        "sources": {
            k: {"state": s.state, "message": s.message} for k, s in sorted(state.sources.items())
        },
        "limits": limits_view(state),
    }


def limits_view(state: ClusterState) -> dict[str, Any]:
    return {
        "degraded": bool(state.limits),
        "exceeded": [
            {
                "limit": hit.limit,
                "kind": hit.scope or None,
                "bound": hit.bound,
                "refused": hit.refused,
                "first_ms": hit.first_ms,
                "last_ms": hit.last_ms,
                "message": hit.message,
            }
            for _, hit in sorted(state.limits.items())
        ],
        "resource_bytes": state.resource_bytes,
    }


@router.get("/clusters", dependencies=[need(Permission.READ, "anywhere")])
async def list_clusters(hub: Hub, caller: Caller) -> FastJSON:
    """The clusters the caller may see anything of."""
    visible = (s for s in hub.clusters() if caller.grants.sees_cluster(s.name))
    items = [cluster_view(hub, s) for s in sorted(visible, key=lambda s: s.name)]
    return FastJSON({"items": items})


@router.get("/clusters/{name}", dependencies=[need(Permission.READ, "cluster")])
async def get_cluster(hub: Hub, state: Cluster) -> FastJSON:
    return FastJSON(cluster_view(hub, state))
