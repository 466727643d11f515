"""The notification outbox as the worker sees it: a Protocol the master backs with a store
table (rows written in the same transaction as the alert transition that caused them), and an
in-memory implementation for tests and the demo.

Contract of ``claim(now_ms, limit)``: returns due deliveries (``due_ms <= now_ms``) and leases
them, so a second claim does not return them again until they are released by ``succeeded``,
``retry_at`` or ``dead``. Per (receiver, group key) only the *oldest unfinished* delivery is
eligible: a resolved notification never overtakes the firing one still being retried, so each
group arrives in order. A store-backed outbox would also expire leases left by a crash (the
idempotency key makes that resend harmless)."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Literal, Protocol

from master.notify.message import Notification

State = Literal["pending", "leased", "sent", "dead"]


@dataclass(frozen=True, slots=True)
class Delivery:
    """One notification for one receiver. ``attempt`` is the number of the attempt this claim
    is for (1 for the first); ``created_ms`` starts the dead-letter clock."""

    id: str
    receiver: str
    notification: Notification
    created_ms: int
    attempt: int = 1


class Outbox(Protocol):
    async def claim(
        self, now_ms: int, limit: int, *, room: Callable[[str], int] | None = None
    ) -> list[Delivery]:
        """Lease up to ``limit`` due deliveries, each the oldest unfinished of its group, and
        at most ``room(receiver)`` per receiver (None: no per-receiver bound)."""
        ...

    async def succeeded(self, id: str, at_ms: int, status: int) -> None: ...

    async def retry_at(self, id: str, at_ms: int, error: str) -> None: ...

    async def dead(self, id: str, at_ms: int, error: str) -> None: ...


@dataclass(slots=True)
class Row:
    delivery: Delivery
    seq: int
    due_ms: int
    state: State = "pending"
    attempts: int = 0
    last_error: str | None = None
    finished_ms: int | None = None
    status: int | None = None


@dataclass(slots=True)
class MemoryOutbox:
    """The Protocol over a dict. Not durable: for tests and ``lookout demo``."""

    rows: dict[str, Row] = field(default_factory=dict)
    _seq: itertools.count[int] = field(default_factory=itertools.count)

    def add(self, notification: Notification, *, created_ms: int, id: str | None = None) -> str:
        seq = next(self._seq)
        key = id or f"d{seq}"
        delivery = Delivery(key, notification.receiver, notification, created_ms)
        self.rows[key] = Row(delivery, seq, created_ms)
        return key

    async def claim(
        self, now_ms: int, limit: int, *, room: Callable[[str], int] | None = None
    ) -> list[Delivery]:
        blocked: set[tuple[str, str]] = set()
        taken: Counter[str] = Counter()
        out: list[Delivery] = []
        for row in sorted(self.rows.values(), key=lambda r: r.seq):
            if row.state in ("sent", "dead"):
                continue
            group = (row.delivery.receiver, row.delivery.notification.group_key)
            if group in blocked:
                continue
            blocked.add(group)  # the oldest unfinished one of its group, due or not
            receiver = row.delivery.receiver
            if room is not None and taken[receiver] >= room(receiver):
                continue
            if row.state == "pending" and row.due_ms <= now_ms and len(out) < limit:
                row.state = "leased"
                taken[receiver] += 1
                out.append(replace(row.delivery, attempt=row.attempts + 1))
        return out

    def _release(self, id: str) -> Row:
        row = self.rows[id]
        if row.state != "leased":
            raise ValueError(f"delivery {id} is {row.state}, not leased")
        row.attempts += 1
        return row

    async def succeeded(self, id: str, at_ms: int, status: int) -> None:
        row = self._release(id)
        row.state, row.finished_ms, row.status = "sent", at_ms, status

    async def retry_at(self, id: str, at_ms: int, error: str) -> None:
        row = self._release(id)
        row.state, row.due_ms, row.last_error = "pending", at_ms, error

    async def dead(self, id: str, at_ms: int, error: str) -> None:
        row = self._release(id)
        row.state, row.finished_ms, row.last_error = "dead", at_ms, error

    def state(self, id: str) -> State:
        return self.rows[id].state
