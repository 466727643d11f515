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
            assert r.json() == {"error": "unauthorized", "message": "missing bearer token"}
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
            assert "unknown cluster" in r.json()["message"]


async def test_resources_findings_and_summary_reflect_what_the_agent_sent(tmp_path: Path) -> None:
    from shared.domain.findings import Finding, Severity
    from shared.domain.journal import FindingBatch
    from shared.domain.refs import ObjectRef
    from shared.domain.resources import Resource
    from tests.harness import agent_settings, eventually, running_agent

    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        async with running_agent(agent_settings("edge", token, m.address)) as a:
            pods = [
                Resource(
                    ObjectRef("Pod", "shop", f"web-{i}", f"u{i}"),
                    "7",
                    {"app": "web" if i < 3 else "db"},
                    "critical" if i == 0 else "ok",
                    b'{"spec":{"nodeName":"n1"}}',
                )
                for i in range(5)
            ]
            a.core.mirror.replace_kind("Pod", pods)
            a.core.mirror.replace_kind(
                "Node", [Resource(ObjectRef("Node", "", "n1"), "3", {}, "ok", b"{}")]
            )
            crash = Finding(
                fingerprint="fp",
                reason="CrashLoopBackOff",
                severity=Severity.CRITICAL,
                category="pod",
                subject=ObjectRef("Pod", "shop", "web-0"),
                message="crash looping",
                first_seen_ms=1,
                last_seen_ms=2,
            )
            a.core.outbox.put(FindingBatch((crash,)), now_ms=2)
            await eventually(lambda: a.core.outbox.acked == 1)
            state = m.master.hub.cluster("edge")
            assert state is not None
            await eventually(lambda: state.counts().get("Pod") == 5 and "Node" in state.counts())

            auth = {"Authorization": f"Bearer {API_TOKEN}"}
            base = f"http://127.0.0.1:{m.master.http_port}/api/v1/clusters/edge"
            async with httpx.AsyncClient(base_url=base, headers=auth) as http:
                page = (await http.get("/resources", params={"kind": "Pod", "limit": 2})).json()
                assert [i["name"] for i in page["items"]] == ["web-0", "web-1"]
                assert page["items"][0]["object"] == {"spec": {"nodeName": "n1"}}
                rest = (
                    await http.get(
                        "/resources", params={"kind": "Pod", "cursor": page["next_cursor"]}
                    )
                ).json()
                assert [i["name"] for i in rest["items"]] == ["web-2", "web-3", "web-4"]
                assert rest["next_cursor"] is None

                db = (await http.get("/resources", params={"label": "app=db"})).json()
                assert [i["name"] for i in db["items"]] == ["web-3", "web-4"]
                assert (await http.get("/resources", params={"q": "WEB-4"})).json()["items"][0][
                    "name"
                ] == "web-4"
                assert (await http.get("/resources", params={"cursor": "%%"})).status_code == 400

                node = await http.get("/resources/Node/-/n1")
                assert node.status_code == 200 and node.json()["name"] == "n1"
                missing = await http.get("/resources/Pod/shop/nope")
                assert missing.status_code == 404

                summary = (await http.get("/summary")).json()
                assert summary["counts"] == {"Pod": 5, "Node": 1}
                assert summary["health"]["Pod"] == {"critical": 1, "ok": 4}
                assert summary["findings"]["critical"] == 1

                found = (await http.get("/findings", params={"severity": "warning"})).json()
                assert [f["reason"] for f in found["items"]] == ["CrashLoopBackOff"]
                assert (await http.get("/findings", params={"severity": "loud"})).status_code == 400
                assert (await http.get("/findings", params={"namespace": "other"})).json()[
                    "items"
                ] == []
