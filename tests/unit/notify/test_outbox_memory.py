"""The in-memory outbox keeps the Outbox contract: leases, due times, order per group."""

from __future__ import annotations

from dataclasses import replace

from master.notify.outbox import MemoryOutbox
from tests.unit.notify.samples import T0, crashloop, resolved


async def test_a_claimed_delivery_is_not_claimed_again_until_released() -> None:
    box = MemoryOutbox()
    d = box.add(crashloop(1), created_ms=T0)
    [claimed] = await box.claim(T0, 10)
    assert claimed.id == d and claimed.attempt == 1
    assert await box.claim(T0, 10) == []
    await box.retry_at(d, T0 + 5_000, "HTTP 503")
    assert await box.claim(T0 + 4_999, 10) == []
    [again] = await box.claim(T0 + 5_000, 10)
    assert again.attempt == 2


async def test_a_later_notification_of_a_group_waits_behind_the_one_being_retried() -> None:
    box = MemoryOutbox()
    firing = crashloop(1, key="f")
    first = box.add(firing, created_ms=T0)
    second = box.add(resolved(firing, key="r", at_ms=T0 + 1), created_ms=T0 + 1)
    other = box.add(replace(crashloop(1, key="o"), group_key="other"), created_ms=T0 + 2)
    assert [d.id for d in await box.claim(T0 + 10, 10)] == [first, other]
    await box.retry_at(first, T0 + 60_000, "down")
    assert await box.claim(T0 + 30_000, 10) == []  # the resolved one must not overtake
    [d] = await box.claim(T0 + 60_000, 10)
    await box.succeeded(d.id, T0 + 60_000, 200)
    assert [d.id for d in await box.claim(T0 + 60_000, 10)] == [second]


async def test_a_dead_delivery_unblocks_its_group() -> None:
    box = MemoryOutbox()
    firing = crashloop(1, key="f")
    first = box.add(firing, created_ms=T0)
    second = box.add(resolved(firing, key="r", at_ms=T0), created_ms=T0)
    await box.claim(T0, 10)
    await box.dead(first, T0, "HTTP 400")
    assert [d.id for d in await box.claim(T0, 10)] == [second]
    assert box.state(first) == "dead"


async def test_claim_respects_its_limit() -> None:
    box = MemoryOutbox()
    for i in range(5):
        box.add(replace(crashloop(1, key=f"k{i}"), group_key=f"g{i}"), created_ms=T0)
    assert len(await box.claim(T0, 3)) == 3
    assert len(await box.claim(T0, 3)) == 2
