"""Typed access to the process-wide objects the composition root puts on ``app.state``.

Every dependency here is ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in
its worker-thread pool, and these only read attributes -- a thread hop each (three per command
request) cost more CPU than the whole lookup and queued behind each other under load."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from master.datahub.cluster import ClusterState
from master.datahub.hub import DataHub
from master.store import Store


async def get_hub(request: Request) -> DataHub:
    hub: DataHub = request.app.state.hub
    return hub


Hub = Annotated[DataHub, Depends(get_hub)]


async def get_cluster(name: str, hub: Hub) -> ClusterState:
    state = hub.cluster(name)
    if state is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown cluster {name!r}")
    return state


Cluster = Annotated[ClusterState, Depends(get_cluster)]


async def get_store(request: Request) -> Store:
    store = getattr(request.app.state, "store", None)
    if not isinstance(store, Store):
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "history store not running")
    return store


StoreDep = Annotated[Store, Depends(get_store)]
