"""The writer applies units of work in queue order: a journal commit staged into its batch is
written before a later unit of another kind in the same group transaction runs."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from sqlalchemy import Connection, func, select

from master.store import Store
from master.store.schema.tables import node_metrics_raw
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
