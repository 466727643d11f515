"""Deltas → ``IngressSample`` records: the gap and reset marks and the target travel, an idle
window is sent only when it carries a mark, and the record survives the wire unchanged."""

from __future__ import annotations

from agent.ingress_metrics.deltas import step
from agent.ingress_metrics.readings import INF, Reading, SeriesKey
from agent.ingress_metrics.records import to_samples
from shared.domain.journal import IngressBatch, JournalRecord
from shared.wire.journal import record_from_bytes, record_to_bytes

K = SeriesKey("ingress-nginx", namespace="shop", service="web", route="web-ing", host="a.test")
IV = 15_000


def _r(total: int, bad: int = 0) -> Reading:
    return Reading(total, bad, {0.25: total, INF: total})


def test_a_missed_scrape_is_marked_as_a_gap_on_the_record() -> None:
    base, _ = step(None, {K: _r(10)}, at_ms=0, expected_interval_ms=IV, target="ing/pod-0")
    _, deltas = step(
        base, {K: _r(40, 3)}, at_ms=3 * IV, expected_interval_ms=IV, target="ing/pod-0"
    )
    [s] = to_samples(deltas)
    assert (s.requests, s.errors, s.gap, s.reset, s.target) == (30, 3, True, False, "ing/pod-0")
    assert (s.window_start_ms, s.window_end_ms, s.ingress, s.host) == (
        0,
        3 * IV,
        "web-ing",
        "a.test",
    )


def test_a_counter_reset_is_marked_and_never_negative() -> None:
    base, _ = step(None, {K: _r(500, 20)}, at_ms=0, expected_interval_ms=IV)
    _, deltas = step(base, {K: _r(7, 1)}, at_ms=IV, expected_interval_ms=IV)
    [s] = to_samples(deltas)
    assert (s.requests, s.errors, s.reset, s.gap) == (7, 1, True, False)
    assert s.latency_counts == (7, 7)


def test_an_idle_window_is_sent_only_when_it_spans_a_missed_scrape() -> None:
    base, _ = step(None, {K: _r(10)}, at_ms=0, expected_interval_ms=IV)
    _, idle = step(base, {K: _r(10)}, at_ms=IV, expected_interval_ms=IV)
    assert to_samples(idle) == []
    _, idle_gap = step(base, {K: _r(10)}, at_ms=4 * IV, expected_interval_ms=IV)
    [s] = to_samples(idle_gap)
    assert (s.requests, s.gap) == (0, True)


def test_marks_survive_the_wire() -> None:
    base, _ = step(None, {K: _r(1)}, at_ms=0, expected_interval_ms=IV, target="t")
    _, deltas = step(base, {K: _r(0)}, at_ms=2 * IV, expected_interval_ms=IV, target="t")
    record = JournalRecord(seq=1, created_ms=5, body=IngressBatch(tuple(to_samples(deltas))))
    back = record_from_bytes(record_to_bytes(record))
    assert back == record
    [s] = back.body.samples  # type: ignore[union-attr]
    assert (s.gap, s.reset, s.target) == (True, True, "t")
