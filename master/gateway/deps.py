"""Typed dependencies on the process-wide objects in ``GatewayState`` (``master.gateway.state``).

Every dependency here is ``async def`` on purpose: FastAPI runs a plain ``def`` dependency in
its worker-thread pool, and these only read attributes -- a thread hop each (three per command
request) cost more CPU than the whole lookup and queued behind each other under load.

Missing things raise the master's errors (``NotFound``, ``Unavailable``); the status codes are
``master.gateway.errors``' business."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from master.alerting.service import AlertService
from master.commands.bus import CommandBus
from master.datahub.cluster import ClusterState
from master.datahub.hub import DataHub
from master.errors import NotFound
from master.gateway.errors import Unavailable
from master.gateway.state import gateway_state
from master.remediation.service import RemediationService
from master.slo_service.service import SloService
from master.store import Store


async def get_hub(request: Request) -> DataHub:
    return gateway_state(request).hub


Hub = Annotated[DataHub, Depends(get_hub)]


async def get_cluster(name: str, hub: Hub) -> ClusterState:
    state = hub.cluster(name)
    if state is None:
        raise NotFound(f"unknown cluster {name!r}")
    return state


Cluster = Annotated[ClusterState, Depends(get_cluster)]


async def get_store(request: Request) -> Store:
    store = gateway_state(request).store
    if store is None:
        raise Unavailable("history store not running")
    return store


StoreDep = Annotated[Store, Depends(get_store)]


async def get_bus(request: Request) -> CommandBus:
    bus = gateway_state(request).commands
    if bus is None:
        raise Unavailable("command bus not running")
    return bus


Bus = Annotated[CommandBus, Depends(get_bus)]


async def get_alerts(request: Request) -> AlertService:
    alerts = gateway_state(request).alerts
    if alerts is None:
        raise Unavailable("alert service not running")
    return alerts


Alerts = Annotated[AlertService, Depends(get_alerts)]


async def get_slos(request: Request) -> SloService:
    slos = gateway_state(request).slos
    if slos is None:
        raise Unavailable("SLO service not running")
    return slos


Slos = Annotated[SloService, Depends(get_slos)]


async def get_remediations(request: Request) -> RemediationService:
    service = gateway_state(request).remediations
    if service is None:
        raise Unavailable("remediation service not running")
    return service


Remediations = Annotated[RemediationService, Depends(get_remediations)]


async def get_slos_if_running(request: Request) -> SloService | None:
    return gateway_state(request).slos


MaybeSlos = Annotated[SloService | None, Depends(get_slos_if_running)]
