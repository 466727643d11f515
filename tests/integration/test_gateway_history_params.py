"""History query values over real HTTP: Unicode digits are a 400 with a message, never a 500."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.harness import API_TOKEN, add_cluster, master_settings, running_master


async def test_unicode_digits_in_history_queries_answer_400(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        base = f"http://127.0.0.1:{m.master.http_port}/api/v1/clusters/edge"
        auth = {"Authorization": f"Bearer {API_TOKEN}"}
        async with httpx.AsyncClient(base_url=base, headers=auth) as http:
            for path, params in [
                ("/findings/history", {"limit": "²"}),
                ("/findings/history", {"from": "²"}),
                ("/findings/history", {"to": "9" * 5000}),
                ("/nodes/n1/metrics", {"step": "²"}),
            ]:
                r = await http.get(path, params=params)
                assert r.status_code == 400, (path, params, r.status_code, r.text)
                assert r.json()["message"], r.text
            assert (await http.get("/findings/history", params={"limit": "5"})).status_code == 200
