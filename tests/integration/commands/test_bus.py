"""The command bus over real HTTP, a real store and the real link to an agent's executor."""

from __future__ import annotations

import asyncio
from pathlib import Path

import orjson
import pytest

from agent.executor.settings import PolicySettings
from tests.harness import add_cluster, agent_settings, eventually, master_settings, running_master
from tests.integration.commands.conftest import (
    Recorder,
    api,
    command_agent,
    command_bus,
    describe_pod,
)

INVALID = [
    ({"type": "reboot", "target": {"kind": "Pod", "namespace": "a", "name": "b"}},
     "unknown command type 'reboot'"),
    ({"type": "scale", "target": {"kind": "Deployment", "namespace": "a", "name": "b"}},
     "invalid params for scale: replicas: Field required"),
    ({"type": "scale", "target": {"kind": "Deployment", "namespace": "a", "name": "b"},
      "params": {"replicas": "many"}}, "replicas: Input should be a valid integer"),
    ({"type": "scale", "target": {"kind": "Pod", "namespace": "a", "name": "b"},
      "params": {"replicas": 2}}, "scale cannot target a Pod (allowed: Deployment, StatefulSet)"),
    ({"type": "scale", "target": {"kind": "Deployment", "namespace": "a", "name": "b"},
      "params": {"replicas": 0}}, "scaling to 0 replicas requires allow_zero=true"),
    ({"type": "scale", "target": {"kind": "Deployment", "namespace": "a", "name": "b"},
      "params": {"replicas": 2, "replicaz": 3}}, "replicaz: Extra inputs are not permitted"),
    ({"type": "set_image", "target": {"kind": "Deployment", "namespace": "a", "name": "b"},
      "params": {"container": "app", "image": "Bad Image!"}}, "invalid image reference"),
    ({"type": "set_resources", "target": {"kind": "Deployment", "namespace": "a", "name": "b"},
      "params": {"container": "app", "limits": {"nvidia.com/gpu": "1"}}},
     "'nvidia.com/gpu' cannot be set (only cpu, memory)"),
    ({"type": "set_resources", "target": {"kind": "Deployment", "namespace": "a", "name": "b"},
      "params": {"container": "app", "limits": {"memory": "lots"}}},
     "'lots' is not a Kubernetes quantity"),
    ({"type": "set_resources", "target": {"kind": "StatefulSet", "namespace": "a", "name": "b"},
      "params": {"container": "app", "limits": {"memory": "64Mi"},
                 "requests": {"memory": "1Gi"}}},
     "the memory request 1Gi is above its limit 64Mi"),
    ({"type": "set_resources", "target": {"kind": "Pod", "namespace": "a", "name": "b"},
      "params": {"container": "app", "limits": {"memory": "64Mi"}}},
     "set_resources cannot target a Pod"),
    ({"type": "cordon", "target": {"kind": "Node", "namespace": "a", "name": "n1"}},
     "a Node is cluster-scoped"),
    ({"type": "delete_pod", "target": {"kind": "Pod", "name": "b"}},
     "a Pod target needs target.namespace"),
]  # fmt: skip


async def test_invalid_requests_are_refused_with_a_precise_reason_and_never_stored(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m")
    await add_cluster(settings, "edge")
    async with running_master(settings) as m, command_bus(m), api(m) as http:
        for body, reason in INVALID:
            r = await http.post("/api/v1/clusters/edge/commands", json=body)
            assert r.status_code == 422, (body, r.text)
            assert reason in r.json()["message"], (body, r.json())
        r = await http.post("/api/v1/clusters/nowhere/commands", json=describe_pod())
        assert r.status_code == 404
        assert "unknown cluster 'nowhere'" in r.json()["message"]
        r = await http.post("/api/v1/clusters/edge/commands", json={"type": "describe"})
        assert r.status_code == 422  # the body schema itself: target missing
        assert (await http.get("/api/v1/commands")).json()["items"] == []
        assert (await http.get("/api/v1/commands/nope")).status_code == 404


async def test_a_command_runs_on_the_agent_and_its_whole_life_is_persisted_and_audited(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    rec = Recorder()
    async with running_master(settings) as m, command_bus(m), api(m) as http:
        async with command_agent(agent_settings("edge", token, m.address), rec) as agent:
            await eventually(agent.core.uplink.connected.is_set, what="agent connected")
            r = await http.post("/api/v1/clusters/edge/commands", json=describe_pod())
            assert r.status_code == 202
            cid = r.json()["id"]
            assert r.json()["requested_by"] == "api-token"
            done = (await http.get(f"/api/v1/commands/{cid}/wait", params={"timeout_s": 20})).json()
            assert done["state"] == "succeeded", done
            assert done["result"] == {"described": "Pod/shop/web-1"}
            states = [
                t["state"]
                for t in (await http.get(f"/api/v1/commands/{cid}")).json()["transitions"]
            ]
            assert states == ["pending", "sent", "running", "succeeded"]
            assert rec.ran == ["Pod/shop/web-1"]

            listed = await http.get(
                "/api/v1/commands",
                params={"cluster": "edge", "type": "describe", "state": "succeeded"},
            )
            assert [c["id"] for c in listed.json()["items"]] == [cid]
            other = await http.get("/api/v1/commands", params={"type": "scale"})
            assert other.json()["items"] == []

        audit = await m.master.store.audit.list(cluster="edge")
        entries = sorted((a.action, a.outcome, a.actor, a.target) for a in audit)
        assert entries == [
            ("command.finish", "succeeded", "api-token", "Pod/shop/web-1"),
            ("command.request", "accepted", "api-token", "Pod/shop/web-1"),
        ]
        assert orjson.loads(audit[0].detail_json)["type"] == "describe"


async def test_the_same_idempotency_key_never_runs_twice(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    rec = Recorder()
    async with running_master(settings) as m, command_bus(m), api(m) as http:
        async with command_agent(agent_settings("edge", token, m.address), rec) as agent:
            await eventually(agent.core.uplink.connected.is_set, what="agent connected")
            body = describe_pod(idempotency_key="op-42")
            first = await http.post("/api/v1/clusters/edge/commands", json=body)
            again = await http.post("/api/v1/clusters/edge/commands", json=body)
            assert (first.status_code, again.status_code) == (202, 200)
            assert again.json()["id"] == first.json()["id"]
            cid = first.json()["id"]
            done = (await http.get(f"/api/v1/commands/{cid}/wait", params={"timeout_s": 20})).json()
            assert done["state"] == "succeeded"
            late = await http.post("/api/v1/clusters/edge/commands", json=body)
            assert late.status_code == 200
            assert late.json()["state"] == "succeeded"
            assert rec.ran == ["Pod/shop/web-1"]


async def test_a_command_for_an_offline_cluster_times_out_and_never_runs_when_the_agent_returns(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    rec = Recorder()
    async with running_master(settings) as m, command_bus(m), api(m) as http:
        r = await http.post(
            "/api/v1/clusters/edge/commands", json=describe_pod("stale", timeout_s=0.3)
        )
        cid = r.json()["id"]
        done = (await http.get(f"/api/v1/commands/{cid}/wait", params={"timeout_s": 20})).json()
        assert done["state"] == "timed_out"
        assert [t["state"] for t in done["transitions"]] == ["pending", "timed_out"]

        async with command_agent(agent_settings("edge", token, m.address), rec) as agent:
            await eventually(agent.core.uplink.connected.is_set, what="agent connected")
            # A later command round-trips, so anything queued before it had its chance to run.
            r = await http.post("/api/v1/clusters/edge/commands", json=describe_pod("fresh"))
            fresh = r.json()["id"]
            w = await http.get(f"/api/v1/commands/{fresh}/wait", params={"timeout_s": 20})
            assert w.json()["state"] == "succeeded"
        assert rec.ran == ["Pod/shop/fresh"]
        assert (await http.get(f"/api/v1/commands/{cid}")).json()["state"] == "timed_out"
        audit = await m.master.store.audit.list(cluster="edge")
        assert ("command.finish", "timed_out") in {(a.action, a.outcome) for a in audit}


async def test_a_pending_command_is_sent_once_the_agent_connects(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    rec = Recorder()
    async with running_master(settings) as m, command_bus(m), api(m) as http:
        r = await http.post("/api/v1/clusters/edge/commands", json=describe_pod(timeout_s=60))
        cid = r.json()["id"]
        assert r.json()["state"] == "pending"
        async with command_agent(agent_settings("edge", token, m.address), rec):
            w = await http.get(f"/api/v1/commands/{cid}/wait", params={"timeout_s": 20})
            assert w.json()["state"] == "succeeded"
        assert rec.ran == ["Pod/shop/web-1"]


async def test_cancel_stops_a_pending_command_and_a_running_one(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    rec = Recorder(gate=asyncio.Event())
    async with running_master(settings) as m, command_bus(m), api(m) as http:
        r = await http.post("/api/v1/clusters/edge/commands", json=describe_pod("queued"))
        queued = r.json()["id"]
        c = await http.post(f"/api/v1/commands/{queued}/cancel")
        assert c.status_code == 202
        assert c.json()["state"] == "cancelled"
        again = await http.post(f"/api/v1/commands/{queued}/cancel")
        assert again.status_code == 409
        assert "already cancelled" in again.json()["message"]

        async with command_agent(agent_settings("edge", token, m.address), rec):
            r = await http.post("/api/v1/clusters/edge/commands", json=describe_pod("slow"))
            slow = r.json()["id"]
            await eventually(lambda: rec.ran == ["Pod/shop/slow"], what="slow command started")
            c = await http.post(f"/api/v1/commands/{slow}/cancel")
            assert c.status_code == 202
            w = await http.get(f"/api/v1/commands/{slow}/wait", params={"timeout_s": 20})
            assert w.json()["state"] == "cancelled"
            assert "cancelled" in w.json()["message"]
        assert "Pod/shop/queued" not in rec.ran


async def test_long_poll_returns_the_current_state_when_its_timeout_passes(tmp_path: Path) -> None:
    settings = master_settings(tmp_path / "m")
    await add_cluster(settings, "edge")
    async with running_master(settings) as m, command_bus(m), api(m) as http:
        r = await http.post("/api/v1/clusters/edge/commands", json=describe_pod(timeout_s=60))
        cid = r.json()["id"]
        w = await http.get(f"/api/v1/commands/{cid}/wait", params={"timeout_s": 0.2})
        assert w.status_code == 200
        assert (w.json()["state"], w.json()["terminal"]) == ("pending", False)
        bad = await http.get(f"/api/v1/commands/{cid}/wait", params={"timeout_s": 600})
        assert bad.status_code == 422


async def test_prefer_wait_answers_the_post_with_the_outcome_in_one_request(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    rec = Recorder()
    async with running_master(settings) as m, command_bus(m), api(m) as http:
        url = "/api/v1/clusters/edge/commands"
        bad = await http.post(url, json=describe_pod(), headers={"Prefer": "wait=soon"})
        assert bad.status_code == 400
        assert bad.json()["message"] == (
            "Prefer: wait must be a non-negative number of seconds, got 'soon'"
        )
        assert (await http.get("/api/v1/commands")).json()["items"] == []

        # No agent yet: the wait runs out and the answer is the state the command is in.
        r = await http.post(
            url, json=describe_pod("later", timeout_s=60), headers={"Prefer": "wait=0.2"}
        )
        assert r.status_code == 202
        assert (r.json()["state"], r.json()["terminal"]) == ("pending", False)
        assert r.headers["preference-applied"] == "wait=0.2"
        later = r.json()["id"]
        assert r.headers["location"] == f"/api/v1/commands/{later}"

        async with command_agent(agent_settings("edge", token, m.address), rec):
            w = await http.get(f"/api/v1/commands/{later}/wait", params={"timeout_s": 20})
            assert w.json()["state"] == "succeeded"
            body = describe_pod(idempotency_key="op-7")
            r = await http.post(url, json=body, headers={"Prefer": "respond-async, wait=20"})
            assert r.status_code == 202
            done = r.json()
            assert (done["state"], done["terminal"]) == ("succeeded", True)
            assert done["result"] == {"described": "Pod/shop/web-1"}
            assert [t["state"] for t in done["transitions"]] == [
                "pending", "sent", "running", "succeeded"
            ]  # fmt: skip
            # The same key again: the first command's outcome, at once, nothing re-run.
            again = await http.post(url, json=body, headers={"Prefer": "wait=20"})
            assert again.status_code == 200
            assert (again.json()["id"], again.json()["state"]) == (done["id"], "succeeded")
            # Capped like the long-poll.
            capped = await http.post(url, json=describe_pod("x"), headers={"Prefer": "wait=900"})
            assert capped.headers["preference-applied"] == "wait=60"
        assert sorted(rec.ran) == ["Pod/shop/later", "Pod/shop/web-1", "Pod/shop/x"]


@pytest.mark.parametrize(
    ("policy", "reason"),
    [
        (PolicySettings(allowed_commands=["scale"]), "command 'describe' is not allowed"),
        (PolicySettings(allowed_namespaces=["other"]), "namespace 'shop' is not allowed"),
    ],
)
async def test_the_agent_refuses_what_its_policy_does_not_allow(
    tmp_path: Path, policy: PolicySettings, reason: str
) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    rec = Recorder()
    async with running_master(settings) as m, command_bus(m), api(m) as http:
        async with command_agent(agent_settings("edge", token, m.address), rec, policy):
            r = await http.post("/api/v1/clusters/edge/commands", json=describe_pod())
            cid = r.json()["id"]
            w = (await http.get(f"/api/v1/commands/{cid}/wait", params={"timeout_s": 20})).json()
        assert w["state"] == "failed"
        assert w["error_code"] == "forbidden_by_policy"
        assert w["message"] == f"forbidden by agent policy: {reason}"
        assert rec.ran == []


async def test_a_command_running_across_a_master_restart_finishes_and_is_recorded_once(
    tmp_path: Path,
) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = master_settings(tmp_path / "m", grpc_listen=f"127.0.0.1:{port}")
    token = await add_cluster(settings, "edge")
    rec = Recorder(gate=asyncio.Event())
    agent_cfg = agent_settings("edge", token, f"127.0.0.1:{port}")
    async with command_agent(agent_cfg, rec) as agent:
        async with running_master(settings) as m, command_bus(m), api(m) as http:
            r = await http.post("/api/v1/clusters/edge/commands", json=describe_pod(timeout_s=60))
            cid = r.json()["id"]
            await eventually(lambda: rec.ran == ["Pod/shop/web-1"], what="command started")
            w = await http.get(f"/api/v1/commands/{cid}/wait", params={"timeout_s": 0.2})
            assert w.json()["state"] in ("sent", "running")
        sessions = agent.core.uplink.sessions
        async with running_master(settings) as m, command_bus(m) as bus, api(m) as http:
            assert bus.active_count == 1  # adopted from the store
            await eventually(lambda: agent.core.uplink.sessions > sessions, what="reconnect")
            assert rec.gate is not None
            rec.gate.set()
            done = (await http.get(f"/api/v1/commands/{cid}/wait", params={"timeout_s": 20})).json()
            assert done["state"] == "succeeded"
            states = [t["state"] for t in done["transitions"]]
            assert states.count("succeeded") == 1
            assert rec.ran == ["Pod/shop/web-1"]  # not re-run after the restart
            finishes = [
                a
                for a in await m.master.store.audit.list(cluster="edge")
                if a.action == "command.finish"
            ]
            assert [a.outcome for a in finishes] == ["succeeded"]
