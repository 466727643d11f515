"""The bounded buffer between collector and pusher."""

from __future__ import annotations

import pytest

from metrics_daemon.buffering import SampleBuffer
from shared.domain.metrics import NodeMetricsSample


def _s(i: int) -> NodeMetricsSample:
    return NodeMetricsSample(node="n", at_ms=i)


def test_a_full_buffer_drops_the_oldest_and_counts_it() -> None:
    buf = SampleBuffer(3)
    for i in range(5):
        buf.put(_s(i))
    assert [s.at_ms for s in buf.peek(10)] == [2, 3, 4]
    assert buf.dropped == 2


def test_samples_stay_until_delivery_is_confirmed() -> None:
    buf = SampleBuffer(10)
    for i in range(4):
        buf.put(_s(i))
    batch = buf.peek(3)
    assert len(buf) == 4
    buf.remove(batch)
    assert [s.at_ms for s in buf.peek(10)] == [3]


def test_removing_a_batch_partly_evicted_during_the_push_keeps_the_newer_samples() -> None:
    buf = SampleBuffer(3)
    for i in range(3):
        buf.put(_s(i))
    batch = buf.peek(3)
    buf.put(_s(3))  # evicts sample 0 while the batch is in flight
    buf.remove(batch)
    assert [s.at_ms for s in buf.peek(10)] == [3]


async def test_waiting_on_an_empty_buffer_times_out_and_wakes_on_put() -> None:
    buf = SampleBuffer(2)
    assert await buf.wait_nonempty(timeout_s=0.01) is False
    buf.put(_s(1))
    assert await buf.wait_nonempty(timeout_s=0.01) is True


def test_a_buffer_of_zero_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        SampleBuffer(0)
