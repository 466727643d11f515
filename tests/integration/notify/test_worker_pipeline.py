"""The worker's ``run`` as a pipeline, on virtual time whose timers the test fires: new work
and retries it scheduled are picked up without waiting out the poll interval, a slow send (or
the store recording an outcome) holds back nothing but itself, and deliveries leased by their
caller are sent without a claim, within the room reserved for them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from dataclasses import replace

import pytest

from master.notify.outbox import Delivery, MemoryOutbox
from master.notify.posting import HttpClient, new_client
from master.notify.worker import AttemptLog
from tests.integration.notify.peers import Answer, ParkedSleep, Receiver, VirtualClock
from tests.integration.notify.test_worker import _webhook, _worker
from tests.unit.notify.samples import T0, crashloop

POLL_S = 60.0


@pytest.fixture
async def peer() -> AsyncIterator[Receiver]:
    p = Receiver()
    await p.start()
    yield p
    await p.stop()


@pytest.fixture
async def http() -> AsyncIterator[HttpClient]:
    async with new_client() as client:
        yield client


async def _until(condition: Callable[[], bool], changed: asyncio.Event) -> None:
    """Until ``condition()`` holds, re-checked whenever an attempt is logged (a hang guard,
    not a time limit)."""
    async with asyncio.timeout(30):
        while not condition():
            changed.clear()
            await changed.wait()


def _logged(log: list[AttemptLog]) -> tuple[asyncio.Event, Callable[[AttemptLog], None]]:
    changed = asyncio.Event()

    def on_attempt(entry: AttemptLog) -> None:
        log.append(entry)
        changed.set()

    return changed, on_attempt


async def _stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_new_work_is_delivered_when_woken_without_waiting_for_the_poll(
    peer: Receiver, http: HttpClient
) -> None:
    clock = VirtualClock(T0)
    sleep = ParkedSleep(clock)
    box, log = MemoryOutbox(), list[AttemptLog]()
    worker = _worker(box, {"team-shop": _webhook(peer)}, clock, log, http, sleep=sleep)
    worker.poll_interval_s = POLL_S
    changed, worker.on_attempt = _logged(log)
    task = asyncio.create_task(worker.run())
    async with asyncio.timeout(30):
        await sleep.until_asked(1)  # nothing to do: idle for a poll interval
    box.add(crashloop(1), created_ms=T0)
    worker.wakeup.set()
    await _until(lambda: len(log) == 1, changed)
    await _stop(task)
    assert [e.outcome for e in log] == ["sent"] and len(peer.received) == 1
    # No timer ran out: the virtual clock never moved, so it was the wake-up.
    assert log[0].at_ms == T0 and clock() == T0
    assert sleep.asked and all(s == POLL_S for s in sleep.asked)


async def test_a_retry_it_scheduled_is_attempted_when_due_not_at_the_next_poll(
    peer: Receiver, http: HttpClient
) -> None:
    answers = iter([Answer(503, {"Retry-After": "2"}), Answer()])
    peer.script = lambda _r: next(answers)
    clock = VirtualClock(T0)
    sleep = ParkedSleep(clock)
    box, log = MemoryOutbox(), list[AttemptLog]()
    box.add(crashloop(1), created_ms=T0)
    worker = _worker(box, {"team-shop": _webhook(peer)}, clock, log, http, sleep=sleep)
    worker.poll_interval_s = POLL_S
    changed, worker.on_attempt = _logged(log)
    task = asyncio.create_task(worker.run())
    await _until(lambda: len(log) == 1, changed)
    assert (log[0].outcome, log[0].next_attempt_ms) == ("retry", T0 + 2_000)
    async with asyncio.timeout(30):
        while not sleep.asked or sleep.asked[-1] != 2.0:  # the retry's timer, not the poll's
            await sleep.until_asked(len(sleep.asked) + 1)
    sleep.fire()
    await _until(lambda: len(log) == 2, changed)
    await _stop(task)
    assert (log[1].outcome, log[1].attempt, log[1].at_ms) == ("sent", 2, T0 + 2_000)


async def test_a_slow_send_does_not_hold_back_new_work_for_another_receiver(
    http: HttpClient,
) -> None:
    slow, fast = Receiver(), Receiver()
    await slow.start()
    await fast.start()
    slow.gate = asyncio.Event()
    try:
        clock = VirtualClock(T0)
        box, log = MemoryOutbox(), list[AttemptLog]()
        receivers = {"slow": _webhook(slow, "slow"), "fast": _webhook(fast, "fast")}
        box.add(crashloop(1, key="s", receiver="slow"), created_ms=T0)
        box.add(replace(crashloop(1, key="f1", receiver="fast"), group_key="f"), created_ms=T0)
        worker = _worker(box, receivers, clock, log, http, sleep=ParkedSleep(clock))
        changed, worker.on_attempt = _logged(log)
        task = asyncio.create_task(worker.run())
        await _until(lambda: len(log) == 1, changed)
        # Claimed after the slow send started, delivered while it is still held.
        box.add(replace(crashloop(1, key="f2", receiver="fast"), group_key="f"), created_ms=T0)
        worker.wakeup.set()
        await _until(lambda: len(log) == 2, changed)
        assert [e.idempotency_key for e in log] == ["f1", "f2"] and slow.in_flight == 1
        slow.gate.set()
        await _until(lambda: len(log) == 3, changed)
        await _stop(task)
        assert log[2].idempotency_key == "s" and all(e.outcome == "sent" for e in log)
    finally:
        await slow.stop()
        await fast.stop()


class _SlowRecording(MemoryOutbox):
    """An outbox whose ``succeeded`` waits for ``gate``: a store that takes its time."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()
        self.recording = 0
        self.two_recording = asyncio.Event()

    async def succeeded(self, id: str, at_ms: int, status: int) -> None:
        self.recording += 1
        if self.recording == 2:
            self.two_recording.set()
        await self.gate.wait()
        await super().succeeded(id, at_ms, status)


async def test_a_receivers_slot_is_free_while_the_outcome_is_being_recorded(
    peer: Receiver, http: HttpClient
) -> None:
    clock = VirtualClock(T0)
    box, log = _SlowRecording(), list[AttemptLog]()
    one = {"team-shop": _webhook(peer, max_concurrency=1)}
    for i in range(2):
        box.add(replace(crashloop(1, key=f"k{i}"), group_key=f"g{i}"), created_ms=T0)
    run = asyncio.create_task(_worker(box, one, clock, log, http).run_once())
    async with asyncio.timeout(30):
        await box.two_recording.wait()  # both sends done, neither recorded yet
    assert len(peer.received) == 2 and peer.max_in_flight == 1
    box.gate.set()
    assert await run == 2
    assert all(s.state == "sent" for s in box.rows.values())


class _NoClaims(MemoryOutbox):
    """An outbox whose ``claim`` finds nothing: what is delivered came by ``offer``."""

    async def claim(
        self, now_ms: int, limit: int, *, room: Callable[[str], int] | None = None
    ) -> list[Delivery]:
        return []


async def test_offered_deliveries_are_sent_without_a_claim_within_the_reserved_room(
    peer: Receiver, http: HttpClient
) -> None:
    clock = VirtualClock(T0)
    sleep = ParkedSleep(clock)
    box, log = _NoClaims(), list[AttemptLog]()
    worker = _worker(box, {"team-shop": _webhook(peer)}, clock, log, http, sleep=sleep)
    worker.batch = 3
    assert worker.reserve(1) == 0  # not running: nothing may be promised to it
    changed, worker.on_attempt = _logged(log)
    task = asyncio.create_task(worker.run())
    async with asyncio.timeout(30):
        await sleep.until_asked(1)
    assert worker.reserve(5) == 3 and worker.reserve(1) == 0  # bounded by the batch
    ids = [box.add(replace(crashloop(1, key=f"k{i}"), group_key=f"g{i}"), created_ms=T0)
           for i in range(2)]  # fmt: skip
    for id in ids:
        box.rows[id].state = "leased"  # as the step that wrote them did
    worker.offer([box.rows[id].delivery for id in ids], reserved=3)
    await _until(lambda: len(log) == 2, changed)
    assert sorted(e.idempotency_key for e in log) == ["k0", "k1"]
    assert all(box.state(id) == "sent" for id in ids)
    assert worker.reserve(5) == 3  # the unused reservation was given back
    await _stop(task)


async def test_a_send_cut_short_by_a_stop_gives_its_row_back_due_at_once(
    peer: Receiver, http: HttpClient
) -> None:
    peer.gate = asyncio.Event()  # the receiver never answers before the stop
    clock = VirtualClock(T0)
    box, log = MemoryOutbox(), list[AttemptLog]()
    d = box.add(crashloop(1), created_ms=T0)
    worker = _worker(box, {"team-shop": _webhook(peer)}, clock, log, http, sleep=ParkedSleep(clock))
    task = asyncio.create_task(worker.run())
    async with asyncio.timeout(30):
        await peer.wait_in_flight(1)
    await _stop(task)
    row = box.rows[d]
    # Not left leased (a restart would wait out the lease): pending, due now.
    assert (row.state, row.due_ms, row.attempts) == ("pending", T0, 1)
    assert "interrupted" in (row.last_error or "")
    peer.gate.set()
