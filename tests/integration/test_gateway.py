"""The HTTP gateway over real HTTP: open health, authenticated data, clear errors."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.harness import API_TOKEN, add_cluster, master_settings, running_master


async def test_health_is_open_and_data_needs_the_token(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        base = f"http://127.0.0.1:{m.master.http_port}"
        async with httpx.AsyncClient(base_url=base) as http:
            assert (await http.get("/healthz")).json() == {"status": "ok"}
            assert (await http.get("/readyz")).status_code == 200

            r = await http.get("/api/v1/clusters")
            assert r.status_code == 401
            assert r.json() == {"error": "missing bearer token"}
            r = await http.get("/api/v1/clusters", headers={"Authorization": "Bearer nope"})
            assert r.status_code == 401

            auth = {"Authorization": f"Bearer {API_TOKEN}"}
            r = await http.get("/api/v1/clusters", headers=auth)
            assert r.status_code == 200
            [edge] = r.json()["items"]
            assert edge["name"] == "edge"
            assert edge["status"] == "offline"

            r = await http.get("/api/v1/clusters/edge", headers=auth)
            assert r.json()["name"] == "edge"
            r = await http.get("/api/v1/clusters/nowhere", headers=auth)
            assert r.status_code == 404
            assert "unknown cluster" in r.json()["error"]
