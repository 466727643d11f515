"""Alert events on the live stream of a running master: an alert that opens, is acknowledged
and resolves arrives as ``alert`` events whose object is the item GET /alerts lists; a viewer
of one namespace gets only that namespace's alerts; Last-Event-ID resumes alert events like
any other; a step whose transaction failed publishes nothing until a step commits it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from master.alerting.service import AlertService
from master.alerting.settings import AlertSettings
from master.store import Store
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch, JournalRecord
from shared.domain.refs import ObjectRef
from tests.harness import eventually
from tests.integration.people.conftest import People
from tests.integration.test_stream import Event, edge_agent, events, lively

__all__ = ["lively"]  # the fixture, shared with test_stream


def _finding(namespace: str, *, resolved: bool = False) -> Finding:
    return Finding(
        fingerprint=f"fp-{namespace}",
        reason="CrashLoopBackOff",
        severity=Severity.CRITICAL,
        category="pod",
        subject=ObjectRef("Pod", namespace, "web-0"),
        message="back-off",
        first_seen_ms=1,
        last_seen_ms=2 if resolved else 1,
        resolved=resolved,
    )


def _batch(*findings: Finding) -> list[JournalRecord]:
    return [JournalRecord(1, 1, FindingBatch(findings))]


def _alert(namespace: str, op: str | None = None) -> Any:
    def check(e: Event) -> bool:
        return (
            e.event == "alert"
            and e.data["alert"]["labels"]["namespace"] == namespace
            and (op is None or e.data["op"] == op)
        )

    return check


async def _listed(p: People, role: str = "admin") -> dict[str, Any]:
    r = await p.http.get("/api/v1/alerts", headers=p.auth(role))
    assert r.status_code == 200, r.text
    return {i["fingerprint"]: i for i in r.json()["items"]}


def _alerts(seen: Sequence[Event]) -> list[tuple[str, str, str]]:
    return [
        (e.data["op"], e.data["alert"]["labels"]["namespace"], e.data["alert"]["state"])
        for e in seen
        if e.event == "alert"
    ]


async def test_alerts_open_ack_and_resolve_as_events_scoped_and_resumable(lively: People) -> None:
    p = lively
    service = p.master.master.alerts
    assert service is not None
    async with (
        events(p, "viewer", query="topics=alerts") as vera,
        events(p, "scoped", query="topics=alerts") as nina,
    ):
        hello = await vera.next()
        assert (hello.event, hello.data["reason"]) == ("resync", "hello")
        await nina.next()
        await service.observe_journal("edge", _batch(_finding("shop"), _finding("web")))

        # a finding opens: its alert arrives, the same JSON as the list's item
        shop = await vera.until(_alert("shop"))
        web = await vera.until(_alert("web"))
        listed = await _listed(p)
        for opened in (shop, web):
            assert opened.data["op"] == "changed"
            assert opened.data["alert"] == listed[opened.data["alert"]["fingerprint"]]
            assert opened.data["alert"]["state"] == "active"
        fp_shop, fp_web = shop.data["alert"]["fingerprint"], web.data["alert"]["fingerprint"]

        # acknowledging is a change (committed, so published, before the answer)
        r = await p.http.post(f"/api/v1/alerts/{fp_web}/ack", headers=p.auth("operator"))
        assert r.status_code == 200, r.text
        acked = await vera.until(_alert("web"))
        assert (acked.data["op"], acked.data["alert"]["acked_by"]) == ("changed", "otto")
        assert acked.data["alert"] == (await _listed(p))[fp_web]

        # a report of the same active finding changes nothing a person acts on: no event;
        # resolving is op resolved
        again = replace(_finding("shop"), count=4, last_seen_ms=3)
        await service.observe_journal("edge", _batch(again))
        await service.observe_journal("edge", _batch(_finding("shop", resolved=True)))
        resolved = await vera.until(_alert("shop"))
        assert resolved.data["op"] == "resolved"
        assert resolved.data["alert"]["status"] == "resolved"
        assert resolved.data["alert"] == (await _listed(p))[fp_shop]

        # the namespace viewer: her namespace's alerts only, in the same order, same JSON
        mine = await nina.until(_alert("shop", "resolved"))
        assert mine.data == resolved.data
        assert _alerts(nina.seen) == [
            ("changed", "shop", "active"),
            ("resolved", "shop", "resolved"),
        ]
        assert set(await _listed(p, "scoped")) == {fp_shop}
        assert _alerts(vera.seen) == [
            ("changed", "shop", "active"),
            ("changed", "web", "active"),
            ("changed", "web", "active"),  # acked
            ("resolved", "shop", "resolved"),
        ]

    # resume after the hello: every alert event since, with the same ids and data
    async with events(
        p, "viewer", query="topics=alerts", **{"Last-Event-ID": str(hello.id)}
    ) as again_:
        replayed = [await again_.next() for _ in range(4)]
        assert [(e.id, e.event, e.data) for e in replayed] == [
            (e.id, e.event, e.data) for e in vera.seen if e.event == "alert"
        ]
    # and from the middle: only what came after
    middle = next(e for e in vera.seen if e.event == "alert" and e.data["alert"]["acked_by"])
    async with events(
        p, "scoped", query="topics=alerts", **{"Last-Event-ID": str(middle.id)}
    ) as n2:
        assert (await n2.next()).data == resolved.data  # hers; the ack of web was never hers


async def test_a_finding_an_agent_opens_reaches_the_stream_as_its_alert(lively: People) -> None:
    p = lively
    async with events(p, "viewer", query="topics=findings,alerts") as vera:
        await vera.next()
        async with await edge_agent(p) as agent:
            agent.core.outbox.put(FindingBatch((_finding("shop"),)), now_ms=2)
            opened = await vera.until(_alert("shop"))
    assert opened.data["op"] == "changed" and opened.data["alert"]["status"] == "firing"
    assert opened.data["alert"] == (await _listed(p, "viewer"))[opened.data["alert"]["fingerprint"]]
    # the finding's own event came first: the alert follows the processor's commit
    kinds = [e.event for e in vera.seen if e.event in ("finding", "alert")]
    assert kinds[:2] == ["finding", "alert"]


# -- a failed step publishes nothing -----------------------------------------------------------

CONFIG = """\
route:
  receiver: team
  group_wait: 1h
receivers:
  - name: team
    webhook_configs:
      - url: http://127.0.0.1:9/hook
"""


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}")
    yield s
    await s.close()


async def test_a_step_whose_commit_failed_is_not_told_until_a_step_commits_it(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "alerting.yaml"
    path.write_text(CONFIG)
    told: list[tuple[int, set[str]]] = []
    service = AlertService(
        store=store,
        settings=AlertSettings(config_poll_s=0.02, link_poll_s=0.02),
        config_path=path,
        on_commit=lambda now, fps: told.append((now, set(fps))),
    )
    await service.start()
    save = store.alerts.save_leasing  # the step's one write (with its hand-off leases)
    failures = 0

    async def failing_once(*args: Any, **kwargs: Any) -> Any:
        nonlocal failures
        if failures == 0:
            failures += 1
            raise OSError("disk gone")
        return await save(*args, **kwargs)

    monkeypatch.setattr(store.alerts, "save_leasing", failing_once)
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    try:
        await service.observe_journal("edge", _batch(_finding("shop")))
        await eventually(lambda: service.steps_failed == 1, what="the failed step")
        assert told == []  # rolled back: nothing to tell
        await eventually(lambda: bool(told), what="the step that committed it")
        [(_, fps)] = [t for t in told if t[1]]
        assert fps == set(service.engine.alerts)
        assert (await store.alerts.load()).alerts  # told after it was in the store
    finally:
        stop.set()
        await task
