"""``master.notify.outbox.Outbox`` over the store's notification outbox: what the notify
worker drains. Converts rows to notify's ``Delivery`` (payload JSON → Notification); a row
this version cannot read is a dead letter at once, with the reason, rather than a crash loop."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from master.alerting.payloads import from_payload
from master.notify.outbox import Delivery
from master.store.repositories.notifications import NotificationRepo, OutboxInsert

log = logging.getLogger(__name__)


@dataclass(slots=True)
class StoreOutbox:
    repo: NotificationRepo
    clock_ms: Callable[[], int]
    lease_ms: int

    async def claim(
        self, now_ms: int, limit: int, *, room: Callable[[str], int] | None = None
    ) -> list[Delivery]:
        out: list[Delivery] = []
        for row in await self.repo.claim(now_ms, limit, lease_ms=self.lease_ms, room=room):
            try:
                n = from_payload(row.payload)
            except (KeyError, TypeError, ValueError) as e:
                log.error("notification %d has an unreadable payload: %s", row.id, e)
                await self.repo.dead(row.id, now_ms, f"unreadable payload: {e}")
                continue
            out.append(Delivery(str(row.id), row.receiver, n, row.since_ms, row.attempts + 1))
        return out

    def leased(self, written: Sequence[tuple[int, OutboxInsert]], since_ms: int) -> list[Delivery]:
        """The rows a step wrote leased, as the worker's first attempts at them. One this
        version cannot read is left leased: when its lease ends, ``claim`` dead-letters it."""
        out: list[Delivery] = []
        for id, row in written:
            try:
                n = from_payload(row.payload)
            except (KeyError, TypeError, ValueError):
                continue
            out.append(Delivery(str(id), row.receiver, n, since_ms))
        return out

    async def succeeded(self, id: str, at_ms: int, status: int) -> None:
        await self.repo.succeeded(int(id), at_ms, status)

    async def retry_at(self, id: str, at_ms: int, error: str) -> None:
        await self.repo.retry_at(int(id), at_ms, error, now_ms=self.clock_ms())

    async def dead(self, id: str, at_ms: int, error: str) -> None:
        await self.repo.dead(int(id), at_ms, error)
