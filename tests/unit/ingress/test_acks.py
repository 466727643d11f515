"""Acks coalesced per session: a trickle is acknowledged once per delay with the newest mark, an
ack a frame's worth ahead goes at once, and a closed session leaves no timer behind."""

from __future__ import annotations

import asyncio

from master.ingress.acks import AckCoalescer

DELAY_S = 0.05


async def _woken(wake: asyncio.Event) -> bool:
    try:
        async with asyncio.timeout(5):
            await wake.wait()
    except TimeoutError:
        return False
    return True


async def test_a_trickle_is_acknowledged_once_per_delay_with_the_newest_mark() -> None:
    wake = asyncio.Event()
    acks = AckCoalescer(wake, delay_s=DELAY_S, eager=512, sent=100)
    acks.set_ack(101)
    acks.set_ack(103)
    assert not wake.is_set()
    assert acks.take() is None  # not due yet
    assert await _woken(wake)
    assert acks.take() == 103
    assert acks.take() is None  # taken once


async def test_an_ack_a_frame_ahead_of_the_last_one_sent_is_due_at_once() -> None:
    wake = asyncio.Event()
    acks = AckCoalescer(wake, delay_s=30.0, eager=512, sent=1_000)
    acks.set_ack(1_100)
    assert acks.take() is None
    acks.set_ack(1_512)  # 512 past what the agent was told: its window must not stall
    assert wake.is_set()
    assert acks.take() == 1_512
    wake.clear()
    acks.set_ack(1_600)  # counted from the last one sent
    assert not wake.is_set()
    acks.close()


async def test_without_a_delay_every_mark_is_due_at_once() -> None:
    wake = asyncio.Event()
    acks = AckCoalescer(wake, delay_s=0, eager=512, sent=0)
    for seq in (1, 2, 3):
        acks.set_ack(seq)
        assert wake.is_set()
        assert acks.take() == seq
        wake.clear()


async def test_close_cancels_a_pending_ack() -> None:
    wake = asyncio.Event()
    acks = AckCoalescer(wake, delay_s=DELAY_S, eager=512, sent=0)
    acks.set_ack(5)
    acks.close()
    await asyncio.sleep(3 * DELAY_S)
    assert not wake.is_set()
    assert acks.take() is None
