"""Alerts end to end: a real agent's findings over real gRPC → the master's processor → the
alert service → the store outbox → a real local HTTP receiver as the webhook, with the
Alertmanager payload. Silences, acks, a restart before delivery and a refused config too.

Short group intervals keep the tests quick; nothing asserts on elapsed time, only on what the
receiver got and in what order."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import jsonschema_rs
import pytest

from agent.detect.registry import detect
from agent.detect.tracker import Tracker
from master.settings import MasterSettings
from shared.clock import now_ms
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch, NodeMetricsBatch
from shared.domain.metrics import Filesystem, Memory, NodeMetricsSample
from shared.domain.refs import ObjectRef
from tests.harness import (
    API_TOKEN,
    RunningAgent,
    RunningMaster,
    add_cluster,
    agent_settings,
    eventually,
    master_settings,
    running_agent,
    running_master,
)
from tests.integration.notify.peers import Receiver
from tests.unit.detect.fixtures import MINUTE_MS, NOW_MS, load, pick

SCHEMA = json.loads(
    (Path(__file__).parent.parent / "notify" / "alertmanager_webhook.schema.json").read_text()
)
ADMIN = {"Authorization": f"Bearer {API_TOKEN}"}

CONFIG = """\
route:
  receiver: hook
  group_by: [cluster, namespace, owner]
  group_wait: 0s
  group_interval: {interval}
  repeat_interval: {repeat}
receivers:
  - name: hook
    webhook_configs:
      - url: {url}
"""


def _finding(name: str, *, namespace: str = "shop", resolved: bool = False) -> Finding:
    return Finding(
        fingerprint=f"fp-{namespace}-{name}",
        reason="CrashLoopBackOff",
        severity=Severity.CRITICAL,
        category="pod",
        subject=ObjectRef("Pod", namespace, name),
        message="back-off restarting failed container",
        first_seen_ms=1,
        last_seen_ms=1,
        owner=ObjectRef("Deployment", namespace, "checkout"),
        node="node-1",
        resolved=resolved,
    )


@dataclass
class Rig:
    master: RunningMaster
    agent: RunningAgent
    http: httpx.AsyncClient
    peer: Receiver
    seq: list[int]

    def send(self, *findings: Finding) -> None:
        self.seq[0] += 1
        self.agent.core.outbox.put(FindingBatch(tuple(findings)), now_ms=self.seq[0])

    def bodies(self, pred: Callable[[Any], bool] = lambda _b: True) -> list[Any]:
        return [b for b in (r.json() for r in self.peer.received) if pred(b)]


def _settings(tmp: Path, url: str, *, interval: str = "1s", repeat: str = "1h") -> MasterSettings:
    path = tmp / "alerting.yaml"
    path.write_text(CONFIG.format(url=url, interval=interval, repeat=repeat))
    # Log enrichment is off: these pods' findings are crash loops, and with a repeat every
    # second each repeat would first fetch logs from the agent (its own tests are in
    # test_alert_enrichment), stretching the in-flight window the ack test allows one for.
    return master_settings(
        tmp / "m",
        alerts={
            "config_file": str(path),
            "retry_base_s": 0.05,
            "retry_cap_s": 0.2,
            "enrich_logs": False,
        },
    )


@asynccontextmanager
async def _rig(settings: MasterSettings, peer: Receiver, token: str) -> AsyncIterator[Rig]:
    async with running_master(settings) as m:
        async with running_agent(agent_settings("edge", token, m.address)) as a:
            base = f"http://127.0.0.1:{m.master.http_port}"
            async with httpx.AsyncClient(base_url=base, headers=ADMIN) as http:
                yield Rig(m, a, http, peer, [0])


@pytest.fixture
async def peer() -> AsyncIterator[Receiver]:
    p = Receiver()
    await p.start()
    yield p
    await p.stop()


async def test_crashing_pods_of_one_deployment_are_one_notification_then_one_resolved(
    tmp_path: Path, peer: Receiver
) -> None:
    settings = _settings(tmp_path, peer.url())
    token = await add_cluster(settings, "edge")
    async with _rig(settings, peer, token) as rig:
        rig.send(_finding("web-0"), _finding("web-1"))
        await eventually(lambda: len(peer.received) >= 1, what="the firing notification")
        [first] = peer.received
        body = first.json()
        jsonschema_rs.validator_for(SCHEMA).validate(body)
        assert body["status"] == "firing" and body["receiver"] == "hook"
        assert sorted(a["labels"]["name"] for a in body["alerts"]) == ["web-0", "web-1"]
        assert body["groupLabels"] == {
            "cluster": "edge",
            "namespace": "shop",
            "owner": "Deployment/checkout",
        }
        assert first.headers["X-Lookout-Idempotency-Key"] == body["idempotencyKey"]
        listed = (await rig.http.get("/api/v1/alerts", params={"view": "grouped"})).json()
        [group] = listed["groups"]
        assert group["count"] == 2

        rig.send(_finding("web-0", resolved=True), _finding("web-1", resolved=True))
        await eventually(lambda: len(peer.received) >= 2, what="the resolved notification")
        resolved = peer.received[1].json()
        assert resolved["status"] == "resolved"
        assert {a["status"] for a in resolved["alerts"]} == {"resolved"}
        assert resolved["idempotencyKey"] != body["idempotencyKey"]
        log = (await rig.http.get("/api/v1/notifications/log")).json()["items"]
        assert all(i["outcome"] == "sent" for i in log)


async def test_a_silence_keeps_its_alerts_out_and_an_ack_stops_repeats(
    tmp_path: Path, peer: Receiver
) -> None:
    settings = _settings(tmp_path, peer.url(), interval="1s", repeat="1s")
    token = await add_cluster(settings, "edge")
    async with _rig(settings, peer, token) as rig:
        r = await rig.http.post(
            "/api/v1/silences",
            json={"matchers": ['namespace="quiet"'], "duration_s": 3600, "comment": "upgrade"},
        )
        assert r.status_code == 201, r.text
        rig.send(
            _finding("q-0", namespace="quiet"),
            _finding("web-0"),
            _finding("ops-0", namespace="ops"),
        )

        def in_ns(ns: str) -> Callable[[Any], bool]:
            return lambda b: b["groupLabels"].get("namespace") == ns

        await eventually(lambda: bool(rig.bodies(in_ns("shop"))), what="shop notified")
        await eventually(lambda: bool(rig.bodies(in_ns("ops"))), what="ops notified")
        alerts = (await rig.http.get("/api/v1/alerts", params={"namespace": "quiet"})).json()
        [quiet] = alerts["items"]
        assert quiet["state"] == "suppressed" and quiet["silenced_by"] == [r.json()["id"]]

        r = await rig.http.post(f"/api/v1/alerts/{_fp(rig, 'shop')}/ack")
        assert r.status_code == 200, r.text
        acked_at = len(rig.bodies(in_ns("shop")))
        ops_at = len(rig.bodies(in_ns("ops")))
        # The unacknowledged group repeats twice more meanwhile; the acknowledged one does not.
        await eventually(lambda: len(rig.bodies(in_ns("ops"))) >= ops_at + 2, what="repeats")
        assert len(rig.bodies(in_ns("shop"))) <= acked_at + 1  # one may have been in flight
        assert not rig.bodies(in_ns("quiet"))


async def test_a_changed_finding_updates_its_alert_and_the_next_notification_quotes_it(
    tmp_path: Path, peer: Receiver
) -> None:
    # The records come from the agent's real detector and tracker, as a crash loop goes from
    # one restart to nine; the master must fold the change into the same alert, so the repeat
    # quotes the live count rather than the first sighting.
    settings = _settings(tmp_path, peer.url(), interval="1s", repeat="1s")
    token = await add_cluster(settings, "edge")
    tracker = Tracker()
    pod = pick(load("pods.json"), "Pod", "api-6b7f9c9d8-crash")
    status = pod["status"]["containerStatuses"][0]
    key = ("shop", pod["metadata"]["name"])

    def crash_records(restarts: int, at_ms: int) -> list[Finding]:
        status["restartCount"] = restarts
        out = tracker.observe("Pod", key, detect("Pod", pod, now=at_ms), at_ms)
        return [f for f in out if f.reason == "CrashLoopBackOff"]

    def quoting(count: str) -> Callable[[Any], bool]:
        return lambda b: b["alerts"][0]["annotations"]["count"] == count

    async with _rig(settings, peer, token) as rig:
        [opened] = crash_records(1, NOW_MS)
        rig.send(opened)
        await eventually(lambda: bool(rig.bodies(quoting("1"))), what="the firing notification")
        first = rig.bodies()[0]["alerts"][0]
        assert "crash-looping: 1 restart," in first["annotations"]["message"]
        [changed] = crash_records(9, NOW_MS + 2 * MINUTE_MS)
        assert changed.fingerprint == opened.fingerprint
        rig.send(changed)
        await eventually(lambda: bool(rig.bodies(quoting("9"))), what="a repeat quoting 9")
        repeat = rig.bodies(quoting("9"))[0]
        [alert] = repeat["alerts"]
        assert alert["fingerprint"] == first["fingerprint"]
        assert "crash-looping: 9 restarts," in alert["annotations"]["message"]
        assert alert["startsAt"] == first["startsAt"]  # the same alert, not a new one
        listed = (await rig.http.get("/api/v1/alerts")).json()["items"]
        assert [(a["fingerprint"], a["annotations"]["count"]) for a in listed] == [
            (first["fingerprint"], "9")
        ]
        # The store folded the change into the same occurrence, too.
        occurrences = await rig.http.get(
            "/api/v1/clusters/edge/findings/history", params={"from": "0"}
        )
        [row] = occurrences.json()["items"]
        assert (row["fingerprint"], row["count"]) == (opened.fingerprint, 9)
        assert row["last_seen_ms"] == changed.last_seen_ms


def _fp(rig: Rig, namespace: str) -> str:
    service = rig.master.master.alerts
    assert service is not None
    [fp] = [fp for fp, a in service.engine.alerts.items() if a.labels["namespace"] == namespace]
    return fp


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_a_notification_queued_before_a_restart_is_delivered_once_after_it(
    tmp_path: Path,
) -> None:
    port = _free_port()
    peer = Receiver()
    peer.port = port  # down: connections are refused until it starts
    settings = _settings(tmp_path, f"http://127.0.0.1:{port}/hook")
    token = await add_cluster(settings, "edge")
    async with _rig(settings, peer, token) as rig:
        rig.send(_finding("web-0"))
        store = rig.master.master.store
        rows: list[Any] = []

        async def queued() -> bool:
            rows[:] = await store.notifications.rows()
            return bool(rows) and rows[0].attempts >= 1

        async with asyncio.timeout(30):
            while not await queued():  # noqa: ASYNC110 -- polls the master's store
                await asyncio.sleep(0.05)
        assert rows[0].state == "pending"
    # The master is gone with the notification undelivered; the receiver comes back.
    await peer.start()
    try:
        async with running_master(settings) as m:
            service = m.master.alerts
            assert service is not None
            assert [a.status for a in service.engine.alerts.values()] == ["firing"]
            await eventually(lambda: len(peer.received) >= 1, what="delivery after restart")
            rows = await m.master.store.notifications.rows()
            assert len(rows) == 1  # the restored engine did not decide it again
            keys = [r.headers["X-Lookout-Idempotency-Key"] for r in peer.received]
            assert keys == [rows[0].idempotency_key]
    finally:
        await peer.stop()


async def test_a_bad_config_is_refused_with_line_and_field_and_the_old_one_kept(
    tmp_path: Path, peer: Receiver
) -> None:
    settings = _settings(tmp_path, peer.url())
    async with running_master(settings) as m:
        base = f"http://127.0.0.1:{m.master.http_port}"
        async with httpx.AsyncClient(base_url=base, headers=ADMIN) as http:
            bad = CONFIG.format(url=peer.url(), interval="soon", repeat="1h")
            r = await http.put("/api/v1/alert-config", json={"yaml": bad})
            assert r.status_code == 422, r.text
            [problem] = r.json()["problems"]
            assert (problem["line"], problem["field"]) == ("5", "route.group_interval")
            hook = CONFIG.format(url="http://127.0.0.1:1/x", interval="1s", repeat="1h")
            bad_receiver = hook.replace("url:", "ur1:")
            r = await http.put("/api/v1/alert-config", json={"yaml": bad_receiver})
            assert r.status_code == 422, r.text
            found = {(p["line"], p["field"]) for p in r.json()["problems"]}
            assert ("10", "receivers.0.webhook_configs.0.ur1") in found
            got = (await http.get("/api/v1/alert-config")).json()
            assert got["config"]["route"]["group_interval"] == 1000
            assert got["config"]["receivers"][0]["webhook_configs"][0]["url"] == "<secret>"
            assert peer.url() not in r.text
            receivers = (await http.get("/api/v1/receivers")).json()["items"]
            assert [x["name"] for x in receivers] == ["hook"]
            r = await http.post("/api/v1/receivers/hook/test")
            assert r.json()["sent"] is True
            assert peer.received[-1].json()["alerts"][0]["labels"]["alertname"] == (
                "LookoutTestNotification"
            )


# -- node-metric thresholds: node samples journaled by the agent, through the thresholds --

GiB = 2**30


def _sample(used_gib: int, at_ms: int) -> NodeMetricsSample:
    return NodeMetricsSample(
        node="node-1",
        at_ms=at_ms,
        cpu_percent=10.0,
        per_core_percent=(10.0,),
        memory=Memory(total_bytes=8 * GiB, available_bytes=6 * GiB),
        filesystems=(
            Filesystem("/var", fstype="ext4", total_bytes=100 * GiB, used_bytes=used_gib * GiB),
        ),
    )


async def test_a_full_node_filesystem_is_notified_and_resolved_when_space_is_freed(
    tmp_path: Path, peer: Receiver
) -> None:
    settings = _settings(tmp_path, peer.url())
    token = await add_cluster(settings, "edge")
    async with _rig(settings, peer, token) as rig:
        t = now_ms()
        rig.agent.core.outbox.put(NodeMetricsBatch((_sample(40, t),)), now_ms=t)
        rig.agent.core.outbox.put(NodeMetricsBatch((_sample(97, t + 10_000),)), now_ms=t + 1)

        def about_the_disk(status: str) -> list[dict[str, object]]:
            return [
                a
                for b in rig.bodies(lambda b: b["status"] == status)
                for a in b["alerts"]
                if a["labels"]["reason"] == "NodeFilesystemFull"
            ]

        await eventually(lambda: bool(about_the_disk("firing")), what="the disk notification")
        [alert] = about_the_disk("firing")
        labels = alert["labels"]
        assert isinstance(labels, dict)
        assert labels["node"] == "node-1" and labels["mountpoint"] == "/var"
        assert labels["severity"] == "critical"
        annotations = alert["annotations"]
        assert isinstance(annotations, dict)
        assert annotations["summary"] == "node node-1 filesystem /var 97 % full (97 GiB of 100 GiB)"

        rig.agent.core.outbox.put(NodeMetricsBatch((_sample(50, t + 20_000),)), now_ms=t + 2)
        await eventually(lambda: bool(about_the_disk("resolved")), what="the resolved one")
