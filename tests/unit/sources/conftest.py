"""A simulated cluster (kubesim, in-process on 127.0.0.1:0) as the API server peer, and a
transport wrapper that can count requests and cut or hold watches (the only seam we bend)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agent.kubeapi.transport import KubeAccess
from kubesim.cluster import SimCluster
from kubesim.config import SimConfig
from tests.unit.sources.helpers import Wire


@pytest.fixture
async def sim() -> AsyncIterator[SimCluster]:
    cluster = SimCluster(SimConfig(name="t", nodes=2, pods=0, start_delay=0.0))
    ready = asyncio.Event()
    task = asyncio.create_task(cluster.run(on_ready=lambda _c: ready.set()))
    await asyncio.wait_for(ready.wait(), timeout=30)
    yield cluster
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


@pytest.fixture
async def kube(sim: SimCluster, tmp_path: Path) -> AsyncIterator[KubeAccess]:
    path = sim.write_kubeconfig(tmp_path)
    access = KubeAccess.from_files(kubeconfig=path, context="agent")
    async with access:
        yield access


@pytest.fixture
def wire(kube: KubeAccess) -> Wire:
    return Wire(kube)
