"""/readyz reports the store: a master whose store writer is stuck answers 503 with
Retry-After, and ready again once the commit ends. Real master, real SQLite, real HTTP."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from master.store import StoreSettings
from tests.harness import master_settings, running_master
from tests.integration.store.stalling import Stall


async def test_readiness_follows_the_store(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m", store=StoreSettings(commit_timeout_s=0.2))
    async with running_master(settings) as m:
        base = f"http://127.0.0.1:{m.master.http_port}"
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            assert (await http.get("/readyz")).status_code == 200
            stall = Stall(m.master.store)
            await stall.hold()
            async with asyncio.timeout(30):
                while (r := await http.get("/readyz")).status_code == 200:  # noqa: ASYNC110 -- polls state it does not own
                    await asyncio.sleep(0.05)
            assert r.status_code == 503
            assert r.json() == {"status": "not ready", "store": "unavailable"}
            assert r.headers["retry-after"]
            assert (await http.get("/healthz")).status_code == 200  # alive, just not ready
            stall.release.set()
            assert stall.task is not None
            await stall.task
            async with asyncio.timeout(30):
                while (await http.get("/readyz")).status_code != 200:  # noqa: ASYNC110 -- polls state it does not own
                    await asyncio.sleep(0.05)
