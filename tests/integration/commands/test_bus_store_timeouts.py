"""A command request the store could not take in time answers 503 with Retry-After, and the
command never runs: still queued, it is never written; already in its transaction, its late
commit is failed by the bus with a clear message, never sent. The writer is stalled for real
(a unit holding the SQLite writer's thread)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx

from master.commands.bus import LATE_INSERT_MESSAGE
from master.store import StoreSettings
from tests.harness import add_cluster, agent_settings, eventually, master_settings, running_master
from tests.integration.commands.conftest import Recorder, api, command_agent, describe_pod
from tests.integration.store.stalling import Stall, queued


async def _commands(http: httpx.AsyncClient) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (
        await http.get("/api/v1/commands", params={"cluster": "edge"})
    ).json()["items"]
    return items


async def test_a_request_that_timed_out_while_queued_leaves_no_command(tmp_path: Path) -> None:
    store_settings = StoreSettings(commit_timeout_s=0.3, maintenance_interval_s=3600)
    settings = master_settings(tmp_path / "m", store=store_settings)
    token = await add_cluster(settings, "edge")
    rec = Recorder()
    async with running_master(settings) as m, api(m) as http:
        async with command_agent(agent_settings("edge", token, m.address), rec) as agent:
            await eventually(agent.core.uplink.connected.is_set, what="agent connected")
            stall = Stall(m.master.store)
            await stall.hold()
            r = await http.post("/api/v1/clusters/edge/commands", json=describe_pod())
            assert r.status_code == 503, r.text
            assert r.headers["retry-after"] == "2"
            assert "it was not written" in r.json()["message"]
            stall.release.set()
            assert stall.task is not None
            await stall.task
            await m.master.commands.tick(0)
            assert await _commands(http) == []
            assert rec.ran == []


async def test_a_command_stored_after_its_request_timed_out_is_failed_and_never_sent(
    tmp_path: Path,
) -> None:
    # No maintenance pass during the test: its units would join the queue counted below.
    store_settings = StoreSettings(commit_timeout_s=2.0, maintenance_interval_s=3600)
    settings = master_settings(tmp_path / "m", store=store_settings)
    token = await add_cluster(settings, "edge")
    rec = Recorder()
    async with running_master(settings) as m, api(m) as http:
        async with command_agent(agent_settings("edge", token, m.address), rec) as agent:
            await eventually(agent.core.uplink.connected.is_set, what="agent connected")
            store = m.master.store
            first, second = Stall(store), Stall(store)
            await first.hold()
            second.queue()  # the next group: the second stall, then the command's insert
            post = asyncio.create_task(
                http.post("/api/v1/clusters/edge/commands", json=describe_pod())
            )
            await queued(store, 2)
            first.release.set()
            assert await asyncio.to_thread(second.started.wait, 30)
            r = await post  # its timeout passes while its insert's transaction is held
            assert r.status_code == 503, r.text
            assert "may still commit" in r.json()["message"]
            second.release.set()
            async with asyncio.timeout(30):
                while not (items := await _commands(http)) or not items[0]["terminal"]:  # noqa: ASYNC110 -- polls state it does not own
                    await asyncio.sleep(0.02)
            [late] = items
            assert (late["state"], late["error_code"]) == ("failed", "store_timeout")
            assert late["message"] == LATE_INSERT_MESSAGE
            assert m.master.commands.active_count == 0  # never adopted, so never dispatched
            assert rec.ran == []
            audit = await store.audit.list(cluster="edge")
            assert sorted((a.action, a.outcome) for a in audit) == [
                ("command.finish", "failed"),
                ("command.request", "accepted"),
            ]
