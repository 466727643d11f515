"""The in-memory outbox keeps the Outbox contract: leases, due times, order per group."""

from __future__ import annotations

import itertools
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

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


@settings(max_examples=200, deadline=None)
@given(
    groups=st.lists(st.integers(min_value=0, max_value=3), min_size=1, max_size=25),
    outcomes=st.lists(st.sampled_from(["sent", "retry", "dead"]), min_size=1, max_size=50),
)
async def test_each_group_finishes_in_the_order_it_was_written_and_nothing_is_leased_twice(
    groups: list[int], outcomes: list[str]
) -> None:
    if set(outcomes) == {"retry"}:
        outcomes = [*outcomes, "sent"]  # the receiver recovers eventually
    box = MemoryOutbox()
    written: dict[str, list[str]] = {}
    for i, g in enumerate(groups):
        d = box.add(replace(crashloop(1, key=f"k{i}"), group_key=f"g{g}"), created_ms=T0)
        written.setdefault(f"g{g}", []).append(d)
    finished: dict[str, list[str]] = {}
    now = T0
    for outcome in itertools.cycle(outcomes):
        if all(r.state in ("sent", "dead") for r in box.rows.values()):
            break
        claimed = await box.claim(now, 3)
        assert len({d.id for d in claimed}) == len(claimed)
        assert len({d.notification.group_key for d in claimed}) == len(claimed)
        for d in claimed:
            if outcome == "retry":
                await box.retry_at(d.id, now + 1, "later")
            elif outcome == "sent":
                await box.succeeded(d.id, now, 200)
            else:
                await box.dead(d.id, now, "HTTP 400")
            if outcome != "retry":
                finished.setdefault(d.notification.group_key, []).append(d.id)
        now += 1
    assert finished == written
