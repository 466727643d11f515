"""The simulator serves the one kind table: its rows are the table's (coordinates, scope, short
names, subresources), its discovery documents say what the table says, and it routes the paths
the agent builds from the table."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from agent.kubeapi.errors import NotFound
from agent.kubeapi.paths import collection_path, prefix
from agent.kubeapi.transport import KubeAccess
from kubesim import kinds as sim_kinds
from kubesim.cluster import SimCluster
from kubesim.config import SimConfig
from shared import kinds


def test_every_served_kind_is_a_row_of_the_kind_table() -> None:
    for row in sim_kinds.KINDS:
        assert kinds.BY_RESOURCE.get(row.resource) is row, row.resource


def test_the_simulator_serves_the_whole_table_but_the_rows_it_names() -> None:
    assert kinds.BY_RESOURCE.keys() >= sim_kinds.NOT_SERVED
    served = {k.resource for k in sim_kinds.KINDS}
    assert served == kinds.BY_RESOURCE.keys() - sim_kinds.NOT_SERVED
    assert [k.resource for k in sim_kinds.KINDS] == [
        k.resource for k in kinds.KINDS if k.resource in served
    ]


@pytest.fixture
async def admin(tmp_path: Path) -> AsyncIterator[KubeAccess]:
    cluster = SimCluster(SimConfig(name="kinds", nodes=1, pods=0, start_delay=0.0))
    ready = asyncio.Event()
    task = asyncio.create_task(cluster.run(on_ready=lambda _c: ready.set()))
    await asyncio.wait_for(ready.wait(), timeout=30)
    access = KubeAccess.from_files(kubeconfig=cluster.write_kubeconfig(tmp_path), context="admin")
    async with access:
        yield access
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _get(access: KubeAccess, path: str) -> dict[str, Any]:
    doc: dict[str, Any] = orjson.loads(await access.get(path, {}, timeout_s=10))
    return doc


async def test_discovery_documents_agree_with_the_table(admin: KubeAccess) -> None:
    # What the table says about each served resource (not what the simulator's rows say).
    served = [k for k in kinds.KINDS if k.resource not in sim_kinds.NOT_SERVED]
    doc = await _get(admin, "/apis")
    # metrics.k8s.io is an aggregated API (metrics-server's), not a kind of the table.
    groups = [g for g in doc["groups"] if g["name"] != "metrics.k8s.io"]
    assert len(groups) == len(doc["groups"]) - 1
    assert {g["name"] for g in groups} == {k.group for k in served if k.group}
    for group in groups:
        versions = {v["version"] for v in group["versions"]}
        assert versions == {k.version for k in served if k.group == group["name"]}
    for gv in sorted({(k.group, k.version) for k in served}):
        rows = [k for k in served if (k.group, k.version) == gv]
        listed = (await _get(admin, prefix(rows[0])))["resources"]
        by_name = {r["name"]: r for r in listed}
        expected = {k.plural for k in rows} | {
            f"{k.plural}/{s}" for k in rows for s in k.subresources
        }
        assert by_name.keys() == expected, gv
        for k in rows:
            entry = by_name[k.plural]
            assert (entry["kind"], entry["singularName"], entry["namespaced"]) == (
                k.kind,
                k.singular,
                k.namespaced,
            ), k.resource
            assert tuple(entry["shortNames"]) == k.short_names, k.resource
            for sub in k.subresources:
                assert by_name[f"{k.plural}/{sub}"]["namespaced"] == k.namespaced


async def test_it_lists_every_served_kind_at_the_agents_paths(admin: KubeAccess) -> None:
    for row in sim_kinds.KINDS:
        for namespace in (None, "default") if row.namespaced else (None,):
            doc = await _get(admin, collection_path(row, namespace))
            assert isinstance(doc.get("items"), list), collection_path(row, namespace)


async def test_a_kind_it_does_not_serve_is_not_found(admin: KubeAccess) -> None:
    for resource in sim_kinds.NOT_SERVED:
        with pytest.raises(NotFound):
            await admin.get(collection_path(kinds.BY_RESOURCE[resource]), {}, timeout_s=10)
