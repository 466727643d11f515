"""The writer applies units of work in queue order: a journal commit staged into its batch is
written before a later unit of another kind in the same group transaction runs. A caller that
gives up leaves no write behind it was not told about: still queued, the write is dropped; in
its transaction already, its late commit reaches the caller's hook."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest
from sqlalchemy import Connection, func, select

from master.store import Store, StoreBusy
from master.store.schema.tables import node_metrics_raw
from tests.integration.store.stalling import Stall, queued
from tests.integration.store.store_records import metrics_record


async def test_a_unit_sees_the_journal_rows_queued_before_it_in_its_group(tmp_path: Path) -> None:
    # SQLite only: holding the writer's thread while the loop queues more units needs a writer
    # that runs on a thread of its own (MySQL's runs on the event loop).
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}")
    try:
        started, release = threading.Event(), threading.Event()

        def hold(conn: Connection) -> None:
            started.set()
            release.wait(10)

        def count(conn: Connection) -> int:
            return int(
                conn.execute(select(func.count()).select_from(node_metrics_raw)).scalar_one()
            )

        held = asyncio.create_task(store.writer.run(hold))
        assert await asyncio.to_thread(started.wait, 10)
        before = store.writer.groups_committed
        commit = asyncio.create_task(
            store.journal.commit("c1", [metrics_record(1), metrics_record(2)], 2)
        )
        seen = asyncio.create_task(store.writer.run(count))
        for _ in range(10):  # let both queue: a put on a queue with room does not suspend
            await asyncio.sleep(0)
        release.set()
        await held
        await commit
        assert await seen == 2
        # The held unit's group, then ONE group holding the journal commit and the count.
        assert store.writer.groups_committed == before + 2
    finally:
        await store.close()


async def test_a_write_whose_caller_gave_up_while_it_was_queued_is_never_written(
    tmp_path: Path,
) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}", commit_timeout_s=0.2)
    try:
        stall = Stall(store)
        await stall.hold()
        applied: list[str] = []
        late: list[object] = []
        with pytest.raises(StoreBusy, match="it was not written"):
            await store.writer.run(lambda conn: applied.append("written"), on_late=late.append)
        assert store.writer.queued == 0  # taken out of the queue, not left to commit later
        stall.release.set()
        assert stall.task is not None
        await stall.task
        await store.writer.run(lambda conn: None, timeout_s=30)  # everything before it ran
        assert (applied, late) == ([], [])
    finally:
        await store.close()


async def test_a_write_that_commits_after_its_caller_gave_up_reaches_its_late_hook(
    tmp_path: Path,
) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}", commit_timeout_s=2)
    try:
        first, second = Stall(store), Stall(store)
        await first.hold()
        second.queue()  # the next group: the second stall, then the caller's write
        late: asyncio.Queue[str] = asyncio.Queue()
        write = asyncio.create_task(
            store.writer.run(lambda conn: "committed", on_late=late.put_nowait)
        )
        await queued(store, 2)
        first.release.set()  # the group [second stall, write] starts and holds in the stall
        assert await asyncio.to_thread(second.started.wait, 30)
        with pytest.raises(StoreBusy, match="may still commit"):
            await write  # its timeout passes while its transaction is held
        second.release.set()
        async with asyncio.timeout(30):
            assert await late.get() == "committed"
    finally:
        await store.close()


async def test_a_stuck_commit_is_reported_as_trouble_until_it_ends(tmp_path: Path) -> None:
    store = await Store.open(f"sqlite+aiosqlite:///{tmp_path / 'lookout.db'}", commit_timeout_s=0.1)
    try:
        assert store.writer.trouble() is None
        stall = Stall(store)
        await stall.hold()
        async with asyncio.timeout(30):
            while store.writer.trouble() is None:  # noqa: ASYNC110 -- polls state it does not own
                await asyncio.sleep(0.01)
        assert "running for more than" in (await store.unavailable() or "")
        stall.release.set()
        assert stall.task is not None
        await stall.task
        assert await store.unavailable() is None
    finally:
        await store.close()
    assert store.writer.trouble() == "the store writer is not running"
