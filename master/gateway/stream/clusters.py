"""Cluster events: link status is a function of time (``master.datahub.status``), so no frame
announces that an agent went quiet; this loop compares every cluster's signature every
``cluster_check_s`` and publishes its view (``cluster_view``, as GET /clusters answers) when
it changed, and a ``resync`` of the cluster (reason ``removed``) when it is gone.

The signature is what a fleet card shows that is not a count: status, agent session and
version, synced, degraded, sources' states. Counts change with every pod and are carried by
the resource events; the card's counts catch up with the next cluster event or refetch. Costs
O(clusters) per check."""

from __future__ import annotations

import asyncio
from collections.abc import Hashable

from master.datahub.cluster import ClusterState
from master.datahub.hub import DataHub
from master.gateway.routes.clusters import cluster_view


def signature(hub: DataHub, state: ClusterState) -> Hashable:
    return (
        hub.status(state),
        state.agent.session_id,
        state.agent.version,
        state.synced,
        bool(state.limits),
        tuple(sorted((k, s.state) for k, s in state.sources.items())),
    )


def check(hub: DataHub, seen: dict[str, Hashable]) -> int:
    """Publish what changed since ``seen`` (updated in place); returns how many events."""
    feed, published = hub.changes, 0
    current = {}
    for state in hub.clusters():
        sig = current[state.name] = signature(hub, state)
        if seen.get(state.name) != sig:
            view = cluster_view(hub, state)
            feed.publish("cluster", cluster=state.name, namespace=None, op="", subject=view)
            published += 1
    for gone in seen.keys() - current.keys():
        feed.publish("resync", cluster=gone, namespace=None, op="removed", subject=None)
        published += 1
    seen.clear()
    seen.update(current)
    return published


async def watch_clusters(hub: DataHub, *, every_s: float, stop: asyncio.Event) -> None:
    """Run ``check`` until ``stop``; the first check only learns (nobody missed anything)."""
    seen = {state.name: signature(hub, state) for state in hub.clusters()}
    while not stop.is_set():
        try:
            async with asyncio.timeout(every_s):
                await stop.wait()
        except TimeoutError:
            pass
        check(hub, seen)
