"""The alert service's config handling on a real store: a changed file is picked up, a bad
one is refused with file:line:field logged and the running config kept, a reload request
(SIGHUP's handler) re-reads at once; state and silences survive a rebuilt service."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from master.alerting.service import AlertService
from master.alerting.settings import AlertSettings
from master.store import Store
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch, JournalRecord
from shared.domain.refs import ObjectRef
from tests.harness import eventually

CONFIG = """\
route:
  receiver: {name}
  group_wait: 1h
receivers:
  - name: {name}
    webhook_configs:
      - url: http://127.0.0.1:9/hook
"""


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[Store]:
    s = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}")
    yield s
    await s.close()


def _service(store: Store, path: Path) -> AlertService:
    return AlertService(
        store=store,
        settings=AlertSettings(config_poll_s=0.02, link_poll_s=0.02),
        config_path=path,
    )


async def _running(service: AlertService, stop: asyncio.Event) -> asyncio.Task[None]:
    await service.start()
    return asyncio.create_task(service.run(stop))


async def test_a_changed_file_is_adopted_and_a_bad_one_refused_with_its_line(
    tmp_path: Path, store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "alerting.yaml"
    path.write_text(CONFIG.format(name="one"))
    service, stop = _service(store, path), asyncio.Event()
    task = await _running(service, stop)
    try:
        assert list(service.loaded.receivers.by_name) == ["one"]
        path.write_text(CONFIG.format(name="two"))
        await eventually(lambda: list(service.loaded.receivers.by_name) == ["two"], what="reload")
        with caplog.at_level(logging.ERROR):
            path.write_text(CONFIG.format(name="two").replace("1h", "later"))
            service.request_reload()
            await eventually(lambda: "refused" in caplog.text, what="the refusal logged")
        assert f"{path}:3: route.group_wait" in caplog.text
        assert list(service.loaded.receivers.by_name) == ["two"]
    finally:
        stop.set()
        await task


async def test_a_new_service_on_the_same_store_has_the_alerts_and_silences(
    tmp_path: Path, store: Store
) -> None:
    path = tmp_path / "alerting.yaml"
    path.write_text(CONFIG.format(name="one"))
    service, stop = _service(store, path), asyncio.Event()
    task = await _running(service, stop)
    finding = Finding(
        fingerprint="fp-1",
        reason="CrashLoopBackOff",
        severity=Severity.CRITICAL,
        category="pod",
        subject=ObjectRef("Pod", "shop", "web-0"),
        message="back-off",
        first_seen_ms=1,
        last_seen_ms=1,
    )
    try:
        await service.observe_journal("edge", [JournalRecord(1, 1, FindingBatch((finding,)))])
        await eventually(lambda: bool(service.engine.alerts), what="the alert")
        [fp] = service.engine.alerts
        await service.acknowledge(fp, by="otto")
        silence = await service.add_silence(
            matchers=['namespace="shop"'],
            starts_at_ms=None,
            ends_at_ms=service.clock_ms() + 3_600_000,
            created_by="otto",
            comment="upgrade",
        )
    finally:
        stop.set()
        await task
    again = _service(store, path)
    await again.start()
    assert again.engine.alerts[fp].acked_by == "otto"
    assert again.engine.alerts[fp].status == "firing"
    assert list(again.engine.silences) == [silence.id]
