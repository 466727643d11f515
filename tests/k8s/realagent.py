"""The real agent for tests on the control plane: ``agent.app.stream``, every part composed as
in production, with the agent's own (chart-rendered) identity."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from agent.app import stream
from agent.kubeapi.transport import KubeAccess
from agent.settings import AgentSettings
from tests.k8s.controlplane import ControlPlane


@asynccontextmanager
async def real_agent(cp: ControlPlane, settings: AgentSettings) -> AsyncIterator[None]:
    access = await asyncio.to_thread(KubeAccess.from_files, kubeconfig=cp.agent_kubeconfig)
    stop = asyncio.Event()
    async with access:
        task = asyncio.create_task(stream(settings, access, stop))
        try:
            yield
        finally:
            stop.set()
            await asyncio.wait_for(task, 30)
