"""The command bus at its edges: an idempotency key reused for another request, and open
long-polls when the master stops."""

from __future__ import annotations

import asyncio
from pathlib import Path

from tests.harness import add_cluster, eventually, master_settings, running_master
from tests.integration.commands.conftest import api, describe_pod


async def test_an_idempotency_key_reused_for_another_request_is_refused_with_409(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m")
    await add_cluster(settings, "edge")
    async with running_master(settings) as m, api(m) as http:
        url = "/api/v1/clusters/edge/commands"
        first = await http.post(url, json=describe_pod("web-1", idempotency_key="op-7"))
        assert first.status_code == 202
        for other in (
            describe_pod("web-2", idempotency_key="op-7"),  # another target
            describe_pod("web-1", idempotency_key="op-7", dry_run=True),
            {
                "type": "scale",
                "target": {"kind": "Deployment", "namespace": "shop", "name": "web-1"},
                "params": {"replicas": 2},
                "idempotency_key": "op-7",
            },
        ):
            r = await http.post(url, json=other)
            assert r.status_code == 409, (other, r.text)
            assert "op-7" in r.json()["message"] and first.json()["id"] in r.json()["message"]
        # The true retry still answers the first command, and nothing else was stored.
        again = await http.post(url, json=describe_pod("web-1", idempotency_key="op-7"))
        assert (again.status_code, again.json()["id"]) == (200, first.json()["id"])
        assert len((await http.get("/api/v1/commands")).json()["items"]) == 1


async def test_stopping_the_master_ends_an_open_long_poll_promptly_and_cleanly(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m")
    await add_cluster(settings, "edge")
    async with running_master(settings) as m, api(m) as http:
        # The cluster has no agent: the command stays pending, the waits would last 60 s.
        r = await http.post("/api/v1/clusters/edge/commands", json=describe_pod(timeout_s=600))
        cid = r.json()["id"]
        polls = [
            asyncio.create_task(http.get(f"/api/v1/commands/{cid}/wait", params={"timeout_s": 60})),
            asyncio.create_task(
                http.post(
                    "/api/v1/clusters/edge/commands",
                    json=describe_pod("web-9", timeout_s=600),
                    headers={"Prefer": "wait=60"},
                )
            ),
        ]
        server = m.master.http.server_state
        await eventually(lambda: len(server.tasks) == 2, what="both long-polls in flight")
        # Raises (TimeoutError out of the phased shutdown) if a wait holds the HTTP server.
        await m.shutdown()
        for poll in polls:
            answer = await asyncio.wait_for(poll, 5)
            assert answer.status_code in {200, 202}
            assert answer.json()["terminal"] is False
