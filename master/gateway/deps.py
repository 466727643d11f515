"""Typed access to the process-wide objects the composition root puts on ``app.state``."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status

from master.datahub.cluster import ClusterState
from master.datahub.hub import DataHub


def get_hub(request: Request) -> DataHub:
    hub: DataHub = request.app.state.hub
    return hub


Hub = Annotated[DataHub, Depends(get_hub)]


def get_cluster(name: str, hub: Hub) -> ClusterState:
    state = hub.cluster(name)
    if state is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"unknown cluster {name!r}")
    return state


Cluster = Annotated[ClusterState, Depends(get_cluster)]
