"""The notification log's writer: every delivery attempt the worker makes, written to the
store in batches off the delivery path.

The worker's ``on_attempt`` callback must not block a send on the database, so attempts go
into a bounded queue; a full queue drops the entry and counts it (logged at 1, 10, 100 and
every 1,000th), because the outbox row itself — not this log — is what delivery relies on."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict

from master.notify.worker import AttemptLog
from master.store import Store

log = logging.getLogger(__name__)

QUEUE_MAX = 10_000
BATCH_MAX = 1_000


class AttemptLogWriter:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.dropped = 0
        self._queue: asyncio.Queue[AttemptLog] = asyncio.Queue(QUEUE_MAX)

    def record(self, entry: AttemptLog) -> None:
        """The worker's ``on_attempt``: never waits."""
        try:
            self._queue.put_nowait(entry)
        except asyncio.QueueFull:
            self.dropped += 1
            if self.dropped in (1, 10, 100) or self.dropped % 1000 == 0:
                log.warning("alerts: notification log full, %d entries lost", self.dropped)

    async def run(self) -> None:
        """Write as attempts come, each batch what has queued meanwhile (until cancelled)."""
        while True:
            first = await self._queue.get()
            await self.flush([first])

    async def flush(self, entries: list[AttemptLog] | None = None) -> None:
        batch = list(entries or [])
        while not self._queue.empty() and len(batch) < BATCH_MAX:
            batch.append(self._queue.get_nowait())
        if not batch:
            return
        rows = []
        for e in batch:
            row = asdict(e)
            row["outbox_id"] = int(row.pop("delivery_id"))
            rows.append(row)
        try:
            await self.store.notifications.log_attempts(rows)
        except Exception as e:  # the log is a record of delivery, never a reason to stop it
            log.warning("alerts: %d notification log entries not written: %s", len(rows), e)
