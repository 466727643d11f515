"""The delivery worker: takes due deliveries from an ``Outbox``, sends each through its
receiver's channel, and records the outcome — sent, retry at a time ``delivery.decide`` chose,
or dead — plus one ``AttemptLog`` per attempt for the notification log.

Concurrency is bounded per receiver (one ``asyncio.Semaphore`` each), so a receiver that is
slow or rate-limiting holds at most its own slots. Clock, sleep and random source are injected:
production passes wall time and ``asyncio.sleep``, tests pass virtual ones, and no test waits on
a real timer. Every send has the outbound policy's timeout; ``CancelledError`` is never
swallowed (a cancelled attempt stays leased and a store-backed outbox re-offers it)."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal

from master.notify.channels import CHANNELS, SendContext
from master.notify.delivery import Dead, Failure, RetryPolicy, decide
from master.notify.errors import SendFailed
from master.notify.message import Notification
from master.notify.outbox import Delivery, Outbox
from master.notify.receivers import Receiver

log = logging.getLogger(__name__)

Outcome = Literal["sent", "retry", "dead"]


@dataclass(frozen=True, slots=True)
class AttemptLog:
    """One line of the notification log: what was sent where, when, with what result."""

    delivery_id: str
    receiver: str
    channel: str
    group_key: str
    idempotency_key: str
    attempt: int
    at_ms: int
    outcome: Outcome
    status: int | None = None
    error: str | None = None
    next_attempt_ms: int | None = None


async def send_notification(
    receiver: Receiver, notification: Notification, *, now_ms: int, context: SendContext
) -> int:
    """Renders and sends one notification; returns the peer's success status; raises
    SendFailed. Also the test-send path."""
    channel = CHANNELS[receiver.channel]
    request = channel.build(notification, receiver.config, now_ms=now_ms)
    return await channel.send(request, receiver.config, context)


@dataclass(slots=True)
class Worker:
    outbox: Outbox
    receivers: Callable[[str], Receiver | None]
    clock_ms: Callable[[], int]
    sleep: Callable[[float], Awaitable[None]]
    rng: random.Random
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    context: SendContext = field(default_factory=SendContext)
    on_attempt: Callable[[AttemptLog], None] = lambda _entry: None
    batch: int = 64
    poll_interval_s: float = 1.0
    _slots: dict[str, asyncio.Semaphore] = field(default_factory=dict)

    async def run(self) -> None:
        """Delivers until cancelled; polls the outbox when it had nothing due."""
        while True:
            if not await self.run_once():
                await self.sleep(self.poll_interval_s)

    async def run_once(self) -> int:
        """Claims what is due now and attempts all of it; returns how many were attempted."""
        claimed = await self.outbox.claim(self.clock_ms(), self.batch)
        if claimed:
            async with asyncio.TaskGroup() as tg:
                for d in claimed:
                    tg.create_task(self._attempt(d), name=f"notify-delivery-{d.id}")
        return len(claimed)

    def _slot(self, receiver: Receiver) -> asyncio.Semaphore:
        slot = self._slots.get(receiver.name)
        if slot is None:
            slot = self._slots[receiver.name] = asyncio.Semaphore(receiver.max_concurrency)
        return slot

    async def _attempt(self, d: Delivery) -> None:
        receiver = self.receivers(d.receiver)
        if receiver is None:
            now = self.clock_ms()
            error = f"receiver {d.receiver!r} is no longer configured"
            await self.outbox.dead(d.id, now, error)
            self._log(d, "?", now, "dead", error=error)
            return
        async with self._slot(receiver):
            started = self.clock_ms()
            protocol = CHANNELS[receiver.channel].protocol
            try:
                status = await send_notification(
                    receiver, d.notification, now_ms=started, context=self.context
                )
            except SendFailed as e:
                failure = Failure(e.detail, e.status, e.retry_after, e.permanent, protocol)
            except Exception as e:  # a bug in a renderer: keep the row, retry after an upgrade
                log.exception("notify: delivery %s to %s crashed", d.id, receiver.name)
                failure = Failure(f"internal error: {type(e).__name__}: {e}")
            else:
                await self.outbox.succeeded(d.id, self.clock_ms(), status)
                self._log(d, receiver.channel, started, "sent", status=status)
                return
        await self._failed(d, receiver, failure)

    async def _failed(self, d: Delivery, receiver: Receiver, failure: Failure) -> None:
        now = self.clock_ms()
        decision = decide(
            failure,
            attempt=d.attempt,
            created_ms=d.created_ms,
            now_ms=now,
            policy=self.policy,
            rng=self.rng,
        )
        if isinstance(decision, Dead):
            error = f"{failure.error} ({decision.reason})"
            await self.outbox.dead(d.id, now, error)
            log.warning("notify: %s to %s is dead: %s", d.id, receiver.name, error)
            self._log(d, receiver.channel, now, "dead", status=failure.status, error=error)
        else:
            await self.outbox.retry_at(d.id, decision.at_ms, failure.error)
            self._log(
                d,
                receiver.channel,
                now,
                "retry",
                status=failure.status,
                error=failure.error,
                next_attempt_ms=decision.at_ms,
            )

    def _log(
        self,
        d: Delivery,
        channel: str,
        at_ms: int,
        outcome: Outcome,
        *,
        status: int | None = None,
        error: str | None = None,
        next_attempt_ms: int | None = None,
    ) -> None:
        self.on_attempt(
            AttemptLog(
                delivery_id=d.id,
                receiver=d.receiver,
                channel=channel,
                group_key=d.notification.group_key,
                idempotency_key=d.notification.idempotency_key,
                attempt=d.attempt,
                at_ms=at_ms,
                outcome=outcome,
                status=status,
                error=error,
                next_attempt_ms=next_attempt_ms,
            )
        )
