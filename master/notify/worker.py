"""The delivery worker: takes due deliveries from an ``Outbox``, sends each through its
receiver's channel, and records the outcome — sent, retry at a time ``delivery.decide`` chose,
or dead — plus one ``AttemptLog`` per attempt for the notification log.

``run`` is a pipeline, not a loop of batches: it claims whenever it has room (at most ``batch``
deliveries in flight, counting the room ``reserve``d for deliveries the caller leased itself and
``offer``s, which skip the claim), so one slow or retried send never holds back the others,
and it sleeps only until it is woken — ``wakeup`` (set by whoever queued new rows), an attempt
finishing (its group's next notification may now be due), the earliest retry it scheduled
itself — or, for rows it cannot know about (another master's, an expired lease), the poll
interval. A worker that waited out a poll before picking up new work would add that wait to
every alert's latency.

Concurrency is bounded per receiver (one ``asyncio.Semaphore`` each), held for the send only:
recording the outcome in the store does not keep the next send to that receiver waiting. A
receiver has at most ``AHEAD`` times its concurrency claimed (in flight or waiting for a turn),
so a slow receiver's backlog waits in the outbox, not in the worker's slots: the other
receivers' notifications are still claimed and sent.
Before a row's first attempt the optional ``enrich`` port may attach enrichment (container log
lines, saved to the row by the port, so retries resend the same payload); it is bounded by its
own budget and a failure sends the notification without. Clock, sleep and random source are
injected: production passes wall time and
``asyncio.sleep``, tests pass virtual ones, and no test waits on a real timer. Every send has
the outbound policy's timeout; ``CancelledError`` is never swallowed (a cancelled send gives its
row back, due at once, before the cancellation goes on; if even that fails, the row's lease
ends and the store-backed outbox offers it again)."""

from __future__ import annotations

import asyncio
import heapq
import logging
import random
from collections import Counter
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
AHEAD = 2  # claimed per receiver at most: its concurrency times this


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
    # Before a row's first attempt: the delivery with its enrichment attached (and saved), or
    # as it was. Bounded by the port's own budget; a failure sends the notification as it is.
    enrich: Callable[[Delivery], Awaitable[Delivery]] | None = None
    batch: int = 64  # deliveries in flight at most (claimed, not yet recorded)
    poll_interval_s: float = 1.0
    wakeup: asyncio.Event = field(default_factory=asyncio.Event)  # set: new rows were queued
    _slots: dict[str, asyncio.Semaphore] = field(default_factory=dict)
    _in_flight: set[str] = field(default_factory=set)
    _per_receiver: Counter[str] = field(default_factory=Counter)  # in flight, by receiver
    _reserved: int = 0  # room promised to ``reserve`` callers, not yet offered
    _offered: list[Delivery] = field(default_factory=list)
    _running: bool = False
    _retries: list[int] = field(default_factory=list)  # heap of the retry times set here

    async def run(self) -> None:
        """Delivers until cancelled (see the module docstring for when it claims)."""
        self._running = True
        try:
            async with asyncio.TaskGroup() as tg:
                while True:
                    self.wakeup.clear()  # before claiming: a wake-up during the claim is kept
                    self._start(tg, self._offered)
                    self._offered = []
                    room = self.batch - len(self._in_flight) - self._reserved
                    if room > 0:
                        claimed = await self.outbox.claim(self.clock_ms(), room, room=self._room)
                        self._start(tg, claimed)
                    await self._idle()
        finally:
            self._running = False

    def reserve(self, count: int) -> int:
        """Room for up to ``count`` deliveries that the caller leases itself (writing them
        leased with the alert step that decided them) and then ``offer``s: how many it may."""
        if not self._running:
            return 0
        room = self.batch - len(self._in_flight) - self._reserved
        granted = max(0, min(count, room))
        self._reserved += granted
        return granted

    def offer(self, deliveries: list[Delivery], *, reserved: int) -> None:
        """Attempt ``deliveries`` (leased by the caller, at most ``reserved``) without a claim;
        gives back what of the reservation they do not use. A worker that stopped meanwhile
        drops them: leased, they come back when their lease ends, like any crashed send."""
        self._reserved = max(0, self._reserved - reserved)
        if deliveries:
            self._offered += deliveries[:reserved]
        self.wakeup.set()

    def _room(self, name: str) -> int:
        """How many more of ``name``'s deliveries a claim may take: its sends plus as many
        again waiting for a turn. An unknown receiver: all (its rows are dead-lettered)."""
        receiver = self.receivers(name)
        if receiver is None:
            return self.batch
        return max(0, AHEAD * receiver.max_concurrency - self._per_receiver[name])

    def _start(self, tg: asyncio.TaskGroup, deliveries: list[Delivery]) -> None:
        for d in deliveries:
            self._in_flight.add(d.id)
            self._per_receiver[d.receiver] += 1
            tg.create_task(self._run_attempt(d), name=f"notify-delivery-{d.id}")

    async def run_once(self) -> int:
        """Claims what is due now and attempts all of it; returns how many were attempted."""
        claimed = await self.outbox.claim(self.clock_ms(), self.batch)
        if claimed:
            async with asyncio.TaskGroup() as tg:
                for d in claimed:
                    tg.create_task(self._attempt(d), name=f"notify-delivery-{d.id}")
        return len(claimed)

    async def _run_attempt(self, d: Delivery) -> None:
        try:
            await self._attempt(d)
        finally:
            self._in_flight.discard(d.id)
            self._per_receiver[d.receiver] -= 1
            if self._per_receiver[d.receiver] <= 0:
                del self._per_receiver[d.receiver]
            # Room again, and the group's next notification may be due now. Refilled at half
            # empty rather than per finished send: every claim scans the unfinished rows and
            # commits, and during a burst one claim per send costs more than the sends.
            if len(self._in_flight) <= self.batch // 2:
                self.wakeup.set()

    async def _idle(self) -> None:
        """Until woken, the earliest retry this worker scheduled, or the poll interval."""
        now = self.clock_ms()
        while self._retries and self._retries[0] <= now:
            heapq.heappop(self._retries)
        wait_s = self.poll_interval_s
        if self._retries:
            wait_s = min(wait_s, (self._retries[0] - now) / 1000)
        if self.wakeup.is_set():
            return
        # The injected sleep raced against the event (not asyncio.wait_for on the event): so
        # that tests on virtual time control the timer, and no real one runs in them.
        # Not awaited after cancel(): waiting for them could swallow this task's own
        # cancellation; both hold nothing and end at the next turn of the loop.
        woken = asyncio.ensure_future(self.wakeup.wait())
        timer = asyncio.ensure_future(self.sleep(wait_s))
        try:
            await asyncio.wait((woken, timer), return_when=asyncio.FIRST_COMPLETED)
        finally:
            woken.cancel()
            timer.cancel()
        if timer.done() and not timer.cancelled():
            timer.result()  # a failing sleep is a bug to see, not a silent busy loop

    def _slot(self, receiver: Receiver) -> asyncio.Semaphore:
        slot = self._slots.get(receiver.name)
        if slot is None:
            slot = self._slots[receiver.name] = asyncio.Semaphore(receiver.max_concurrency)
        return slot

    async def _enriched(self, d: Delivery) -> Delivery:
        if self.enrich is None or d.attempt != 1 or d.notification.attachments:
            return d
        try:
            return await self.enrich(d)
        except asyncio.CancelledError:
            await self._give_back(d)
            raise
        except Exception:  # never costs the notification itself
            log.exception("notify: enriching delivery %s failed; sent without", d.id)
            return d

    async def _attempt(self, d: Delivery) -> None:
        receiver = self.receivers(d.receiver)
        if receiver is None:
            now = self.clock_ms()
            error = f"receiver {d.receiver!r} is no longer configured"
            await self.outbox.dead(d.id, now, error)
            self._log(d, "?", now, "dead", error=error)
            return
        d = await self._enriched(d)
        failure: Failure | None = None
        async with self._slot(receiver):  # the send only: recording it holds no slot
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
            except asyncio.CancelledError:
                await self._give_back(d)
                raise
        if failure is not None:
            await self._failed(d, receiver, failure)
            return
        await self.outbox.succeeded(d.id, self.clock_ms(), status)
        self._log(d, receiver.channel, started, "sent", status=status)

    async def _give_back(self, d: Delivery) -> None:
        """A send cut short (the master stopping): due again at once instead of after its
        lease, so a restart sends it within seconds. The receiver may have had it already;
        its idempotency key makes the resend harmless. Shielded, so the row is given back even
        as the cancellation goes on; a second cancellation still goes through."""
        try:
            await asyncio.shield(
                self.outbox.retry_at(d.id, self.clock_ms(), "interrupted: the master stopped")
            )
        except Exception as e:  # the store is going too: the lease still ends on its own
            log.warning("notify: could not give back delivery %s: %s", d.id, e)

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
            heapq.heappush(self._retries, decision.at_ms)
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
