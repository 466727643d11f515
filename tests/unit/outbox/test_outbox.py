"""The journal outbox: sequence numbers, bound, gaps, acks, replay, spool file."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.outbox.spool import Outbox
from agent.outbox.spoolfile import SpoolFile
from shared.domain.journal import FindingBatch, Gap, JournalRecord

EMPTY = FindingBatch(())


def _accounted(box: Outbox, puts: int) -> int:
    """Records acknowledged + held + counted as dropped in gaps."""
    held = sum(1 for r in box._records if not isinstance(r.body, Gap))
    return box.acked + held + box.dropped_total


def _contiguous(records: list[JournalRecord]) -> bool:
    return all(b.seq == a.last_seq + 1 for a, b in itertools.pairwise(records))


@settings(max_examples=150, deadline=None)
@given(
    cap=st.integers(min_value=2, max_value=20),
    ops=st.lists(st.one_of(st.just("put"), st.integers(min_value=0, max_value=60)), max_size=120),
)
def test_outbox_stays_bounded_contiguous_and_accounts_for_every_record(
    cap: int, ops: list[str | int]
) -> None:
    box = Outbox(max_records=cap)
    puts = 0
    for op in ops:
        if op == "put":
            assert box.put(EMPTY, now_ms=puts) == puts + 1
            puts += 1
        else:
            box.ack(min(int(op), puts))
        records = box.after(box.acked, limit=10_000)
        assert len(records) <= cap
        assert _contiguous(records)
        if records:
            assert records[0].seq <= box.acked + 1 <= records[0].last_seq
            assert records[-1].last_seq == puts
        assert not any(isinstance(r.body, Gap) for r in records[1:])
    # Every record ever put is acknowledged, held, or counted in a gap (acks past a gap's
    # range may cover dropped records, so accounted can exceed puts only by those).
    assert _accounted(box, puts) >= puts


def test_overflow_becomes_one_gap_that_keeps_counting() -> None:
    box = Outbox(max_records=4)
    for i in range(10):
        box.put(EMPTY, now_ms=i)
    records = box.after(0, 100)
    assert isinstance(records[0].body, Gap)
    gap = records[0].body
    assert (gap.first_seq, gap.last_seq, gap.dropped) == (1, 7, 7)
    assert [r.seq for r in records[1:]] == [8, 9, 10]
    assert box.dropped_total == 7


def test_after_resumes_from_the_middle_and_skips_acked() -> None:
    box = Outbox(max_records=100)
    for i in range(10):
        box.put(EMPTY, now_ms=i)
    assert [r.seq for r in box.after(6, 100)] == [7, 8, 9, 10]
    assert [r.seq for r in box.after(6, 2)] == [7, 8]
    box.ack(8)
    assert [r.seq for r in box.after(0, 100)] == [9, 10]


def test_ack_beyond_last_moves_held_records_above_the_masters_mark() -> None:
    box = Outbox(max_records=10)
    box.put(EMPTY, now_ms=0)
    box.resume(0)
    box.ack(500)
    assert [r.seq for r in box.after(500, 10)] == [501]
    assert box.put(EMPTY, now_ms=1) == 502


def test_first_welcome_continues_the_masters_numbering_without_losing_records() -> None:
    """A restarted agent (memory spool) numbers from 1 again; the master's mark of 300 from
    the previous process must not swallow the new process's first records."""
    box = Outbox(max_records=10)
    for i in range(5):
        box.put(EMPTY, now_ms=i)
    box.resume(300)
    assert [r.seq for r in box.after(300, 10)] == [301, 302, 303, 304, 305]
    assert box.put(EMPTY, now_ms=9) == 306
    # A later welcome (reconnect) is a plain acknowledgement of our own numbers.
    box.resume(303)
    assert [r.seq for r in box.after(0, 10)] == [304, 305, 306]


def test_a_gap_is_renumbered_with_its_range() -> None:
    box = Outbox(max_records=3)
    for i in range(6):
        box.put(EMPTY, now_ms=i)
    box.resume(100)
    records = box.after(100, 10)
    assert isinstance(records[0].body, Gap)
    assert (records[0].seq, records[0].body.first_seq) == (101, 101)
    assert records[0].body.last_seq == records[1].seq - 1


def test_a_welcomed_disk_spool_is_not_renumbered_after_restart(tmp_path: Path) -> None:
    path = tmp_path / "spool.bin"
    box = Outbox(max_records=100, path=path)
    box.resume(40)
    for i in range(3):
        box.put(EMPTY, now_ms=i)  # 41, 42, 43
    box.close()
    again = Outbox(max_records=100, path=path)
    again.resume(41)  # the master had handled 41 before the restart
    assert [r.seq for r in again.after(41, 10)] == [42, 43]
    again.close()


def test_a_never_welcomed_disk_spool_continues_the_masters_numbering(tmp_path: Path) -> None:
    path = tmp_path / "spool.bin"
    box = Outbox(max_records=100, path=path)
    for i in range(3):
        box.put(EMPTY, now_ms=i)
    box.close()
    again = Outbox(max_records=100, path=path)
    again.resume(70)
    assert [r.seq for r in again.after(70, 10)] == [71, 72, 73]
    again.close()


def test_spool_file_survives_a_restart_and_forgets_acked(tmp_path: Path) -> None:
    path = tmp_path / "spool.bin"
    box = Outbox(max_records=100, path=path)
    for i in range(20):
        box.put(EMPTY, now_ms=i)
    box.ack(5)
    box.close()
    again = Outbox(max_records=100, path=path)
    assert again.acked == 5
    assert [r.seq for r in again.after(5, 100)] == list(range(6, 21))
    assert again.put(EMPTY, now_ms=99) == 21
    again.close()


def test_spool_file_ignores_a_torn_tail(tmp_path: Path) -> None:
    path = tmp_path / "spool.bin"
    box = Outbox(max_records=100, path=path)
    for i in range(3):
        box.put(EMPTY, now_ms=i)
    box.close()
    with path.open("ab") as fh:
        fh.write(b"R\x00\x00\x10\x00partial")
    again = Outbox(max_records=100, path=path)
    assert [r.seq for r in again.after(0, 100)] == [1, 2, 3]
    again.close()


@pytest.mark.parametrize("tail", [b"R\x00", b"R\x00\x00\x10\x00partial"])
def test_a_torn_tail_is_dropped_with_its_size_and_never_appended_behind(
    tmp_path: Path, tail: bytes
) -> None:
    path = tmp_path / "spool.bin"
    box = Outbox(max_records=100, path=path)
    for i in range(3):
        box.put(EMPTY, now_ms=i)
    box.close()
    with path.open("ab") as fh:
        fh.write(tail)
    torn = SpoolFile(path)
    torn.load()
    assert torn.torn_bytes == len(tail)
    again = Outbox(max_records=100, path=path)  # its load rewrites the file without the tail
    again.put(EMPTY, now_ms=9)
    again.close()
    whole = SpoolFile(path)
    assert [r.seq for r in whole.load()[1]] == [1, 2, 3, 4] and whole.torn_bytes == 0


def test_a_malformed_ack_entry_is_skipped_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "spool.bin"
    box = Outbox(max_records=100, path=path)
    box.put(EMPTY, now_ms=1)
    box.close()
    with path.open("ab") as fh:  # an ack entry whose length is not 8 (a bit flip)
        fh.write(b"A\x00\x00\x00\x03abc" + b"Z\x00\x00\x00\x01x")
    spool = SpoolFile(path)
    assert [r.seq for r in spool.load()[1]] == [1]
    assert spool.unreadable == 2
