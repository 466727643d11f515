"""The delivery worker against a real local receiver, on virtual time: Retry-After honoured,
an outage outlasted in order per group, a 400 dead at once, concurrency bounded per receiver."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from email.utils import format_datetime

import pytest

from master.notify.channels import SendContext
from master.notify.delivery import RetryPolicy
from master.notify.message import Attachment
from master.notify.outbox import Delivery, MemoryOutbox
from master.notify.posting import HttpClient, new_client
from master.notify.receivers import Receiver as ReceiverConfig
from master.notify.receivers import parse_receiver
from master.notify.safety import OutboundPolicy
from master.notify.worker import AttemptLog, Worker
from tests.harness import eventually
from tests.integration.notify.peers import Answer, Received, Receiver, VirtualClock
from tests.unit.notify.samples import T0, crashloop, resolved


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


def _worker(
    box: MemoryOutbox,
    receivers: dict[str, ReceiverConfig],
    clock: VirtualClock,
    log: list[AttemptLog],
    http: HttpClient | None = None,
    *,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    **kw: object,
) -> Worker:
    return Worker(
        outbox=box,
        receivers=receivers.get,
        clock_ms=clock,
        sleep=sleep or clock.sleep,
        rng=random.Random(1),
        context=SendContext(policy=OutboundPolicy(timeout_s=5), http=http),
        on_attempt=log.append,
        **kw,  # type: ignore[arg-type]
    )


def _webhook(peer: Receiver, name: str = "team-shop", **kw: object) -> ReceiverConfig:
    return parse_receiver(
        {"name": name, "channel": "webhook", "config": {"url": peer.url(f"/{name}")}, **kw}
    )


async def _drive(worker: Worker, clock: VirtualClock, *, until, step_s: float = 1.0) -> None:
    """Runs the worker's loop by hand on virtual time until ``until()`` holds (bounded)."""
    for _ in range(100_000):
        if until():
            return
        if not await worker.run_once():
            await clock.sleep(step_s)
    raise AssertionError("the worker did not get there")


def _http_date(ms: int) -> str:
    return format_datetime(datetime.fromtimestamp(ms / 1000, tz=UTC), usegmt=True)


@pytest.mark.parametrize("form", ["seconds", "http-date"])
async def test_a_429_with_retry_after_is_waited_out_then_delivered(
    peer: Receiver, http: HttpClient, form: str
) -> None:
    clock = VirtualClock(T0)
    answers = iter([429, 200])

    def script(_r: Received) -> Answer:
        status = next(answers)
        if status != 429:
            return Answer()
        after = "120" if form == "seconds" else _http_date(clock() + 120_000)
        return Answer(429, {"Retry-After": after}, b"rate limited")

    peer.script = script
    box, log = MemoryOutbox(), []
    d = box.add(crashloop(2), created_ms=T0)
    worker = _worker(box, {"team-shop": _webhook(peer)}, clock, log, http)
    await _drive(worker, clock, until=lambda: box.state(d) == "sent")
    first, second = log
    assert (first.outcome, first.status, first.next_attempt_ms) == ("retry", 429, T0 + 120_000)
    assert second.outcome == "sent" and second.attempt == 2
    # Not a moment early; at most one poll interval late.
    assert T0 + 120_000 <= second.at_ms <= T0 + 121_000
    assert len(peer.received) == 2


async def test_a_receiver_down_for_ten_minutes_gets_everything_in_order_per_group(
    peer: Receiver,
    http: HttpClient,
) -> None:
    clock = VirtualClock(T0)
    box, log = MemoryOutbox(), []
    a = crashloop(1, key="a-firing")
    b = replace(crashloop(2, key="b-firing"), group_key="group-b")
    box.add(a, created_ms=T0)
    box.add(b, created_ms=T0)
    box.add(resolved(a, key="a-resolved", at_ms=T0 + 1), created_ms=T0 + 1)
    box.add(resolved(b, key="b-resolved", at_ms=T0 + 2), created_ms=T0 + 2)
    worker = _worker(box, {"team-shop": _webhook(peer)}, clock, log, http)
    await peer.stop()  # connections are refused from now on
    await _drive(worker, clock, until=lambda: clock() >= T0 + 600_000, step_s=5)
    assert peer.received == []
    assert log and all(e.outcome == "retry" and e.status is None for e in log)
    # Only the head of each group was ever tried while it was down.
    assert {e.idempotency_key for e in log} == {"a-firing", "b-firing"}
    await peer.start()  # same port
    await _drive(worker, clock, until=lambda: len(peer.received) == 4, step_s=5)
    keys = [r.headers["X-Lookout-Idempotency-Key"] for r in peer.received]
    assert keys.index("a-firing") < keys.index("a-resolved")
    assert keys.index("b-firing") < keys.index("b-resolved")
    assert sorted(keys) == ["a-firing", "a-resolved", "b-firing", "b-resolved"]
    assert all(state.state == "sent" for state in box.rows.values())


async def test_a_400_goes_to_the_dead_letters_without_a_retry(
    peer: Receiver, http: HttpClient
) -> None:
    peer.script = lambda _r: Answer(400, body=b"invalid_blocks")
    clock = VirtualClock(T0)
    box, log = MemoryOutbox(), []
    d = box.add(crashloop(1), created_ms=T0)
    worker = _worker(box, {"team-shop": _webhook(peer)}, clock, log, http)
    await _drive(worker, clock, until=lambda: box.state(d) == "dead")
    for _ in range(30):  # time passes; nothing is tried again
        await worker.run_once()
        await clock.sleep(60)
    assert len(peer.received) == 1
    [entry] = log
    assert (entry.outcome, entry.status) == ("dead", 400)
    assert "invalid_blocks" in (entry.error or "") and "permanent" in (entry.error or "")
    assert box.rows[d].last_error == entry.error


async def test_a_delivery_past_its_dead_letter_age_is_dead(
    peer: Receiver, http: HttpClient
) -> None:
    peer.script = lambda _r: Answer(503)
    clock = VirtualClock(T0)
    box, log = MemoryOutbox(), []
    d = box.add(crashloop(1), created_ms=T0)
    policy = RetryPolicy(base_ms=1_000, cap_ms=60_000, dead_after_ms=600_000)
    worker = _worker(box, {"team-shop": _webhook(peer)}, clock, log, http, policy=policy)
    await _drive(worker, clock, until=lambda: box.state(d) == "dead", step_s=5)
    assert log[-1].outcome == "dead" and "expired" in (log[-1].error or "")
    assert log[-1].at_ms >= T0 + 600_000
    assert all(e.outcome == "retry" for e in log[:-1]) and len(log) > 3


async def test_a_receiver_removed_from_config_dead_letters_its_deliveries(
    peer: Receiver, http: HttpClient
) -> None:
    clock = VirtualClock(T0)
    box, log = MemoryOutbox(), []
    d = box.add(crashloop(1, receiver="gone"), created_ms=T0)
    await _worker(box, {}, clock, log, http).run_once()
    assert box.state(d) == "dead" and "no longer configured" in (log[0].error or "")


async def test_concurrency_is_bounded_per_receiver(peer: Receiver, http: HttpClient) -> None:
    peer.gate = asyncio.Event()
    clock = VirtualClock(T0)
    box, log = MemoryOutbox(), []
    receivers = {
        "slow": _webhook(peer, "slow", max_concurrency=2),
        "other": _webhook(peer, "other", max_concurrency=1),
    }
    for i in range(6):
        box.add(
            replace(crashloop(1, key=f"s{i}", receiver="slow"), group_key=f"g{i}"), created_ms=T0
        )
    box.add(crashloop(1, key="o", receiver="other"), created_ms=T0)
    worker = _worker(box, receivers, clock, log, http)
    run = asyncio.create_task(worker.run_once())
    async with asyncio.timeout(10):
        await peer.wait_in_flight(3)  # two for "slow", one for "other"
    await asyncio.sleep(0.05)  # room for a (wrong) fourth request to arrive
    assert peer.in_flight == 3
    peer.gate.set()
    assert await run == 7
    assert peer.max_in_flight == 3
    assert all(e.outcome == "sent" for e in log) and len(log) == 7


async def test_a_slow_receiver_s_backlog_does_not_take_the_slots_of_the_others(
    http: HttpClient,
) -> None:
    slow, fast = Receiver(), Receiver()
    await slow.start()
    await fast.start()
    try:
        slow.gate = asyncio.Event()  # the slow receiver answers nothing until released
        clock = VirtualClock(T0)
        box, log = MemoryOutbox(), list[AttemptLog]()
        receivers = {
            "slow": _webhook(slow, "slow", max_concurrency=2),
            "fast": _webhook(fast, "fast"),
        }
        for i in range(40):  # older than fast's: a claim by age alone takes only these
            notification = crashloop(1, key=f"s{i}", receiver="slow")
            box.add(replace(notification, group_key=f"g{i}"), created_ms=T0)
        box.add(crashloop(1, key="f", receiver="fast"), created_ms=T0)
        worker = _worker(box, receivers, clock, log, http, batch=8)
        task = asyncio.create_task(worker.run())
        try:
            await eventually(lambda: len(fast.received) == 1, what="fast's notification")
            assert slow.in_flight == 2 and slow.received == []  # sent while slow held its two
            # slow holds twice its concurrency of the 8 slots, the rest stay in the outbox
            assert sum(r.state == "leased" for r in box.rows.values()) == 4
            slow.gate.set()
            await eventually(lambda: len(slow.received) == 40, what="slow's backlog")
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        assert slow.max_in_flight == 2
    finally:
        await slow.stop()
        await fast.stop()


async def test_run_delivers_until_cancelled_and_lets_the_cancellation_through(
    peer: Receiver,
    http: HttpClient,
) -> None:
    clock = VirtualClock(T0)
    box, log = MemoryOutbox(), []
    box.add(crashloop(1), created_ms=T0)
    delivered = asyncio.Event()
    worker = _worker(box, {"team-shop": _webhook(peer)}, clock, log, http)
    worker.on_attempt = lambda entry: (log.append(entry), delivered.set())
    task = asyncio.create_task(worker.run(), name="notify-worker")
    async with asyncio.timeout(10):
        await delivered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [e.outcome for e in log] == ["sent"]


async def test_enrichment_runs_once_before_the_first_send_and_retries_resend_it(
    peer: Receiver, http: HttpClient
) -> None:
    clock = VirtualClock(T0)
    answers = iter([503, 200])
    peer.script = lambda _r: Answer(next(answers))
    box, log = MemoryOutbox(), list[AttemptLog]()
    d = box.add(crashloop(2), created_ms=T0)
    calls: list[int] = []

    async def enrich(delivery: Delivery) -> Delivery:
        calls.append(delivery.attempt)
        n = replace(delivery.notification, attachments=(Attachment("Last log lines", "boom"),))
        box.rows[delivery.id].delivery = replace(box.rows[delivery.id].delivery, notification=n)
        return replace(delivery, notification=n)  # the port saves it to the row, as the store's

    worker = _worker(box, {"team-shop": _webhook(peer)}, clock, log, http, enrich=enrich)
    await _drive(worker, clock, until=lambda: box.state(d) == "sent")
    assert calls == [1]
    bodies = [r.json() for r in peer.received]
    assert len(bodies) == 2
    assert all(
        b["attachments"] == [{"title": "Last log lines", "kind": "logs", "text": "boom"}]
        for b in bodies
    )


async def test_a_failing_enrichment_sends_the_notification_without(
    peer: Receiver, http: HttpClient
) -> None:
    clock = VirtualClock(T0)
    box, log = MemoryOutbox(), list[AttemptLog]()
    d = box.add(crashloop(1), created_ms=T0)

    async def enrich(_d: Delivery) -> Delivery:
        raise RuntimeError("the command bus is gone")

    worker = _worker(box, {"team-shop": _webhook(peer)}, clock, log, http, enrich=enrich)
    await _drive(worker, clock, until=lambda: box.state(d) == "sent")
    assert "attachments" not in peer.received[0].json()
