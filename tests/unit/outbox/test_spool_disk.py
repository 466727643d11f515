"""The outbox's file on a disk that fills up, and its size under churn: never a crash, a gap or
finding for what a full disk costs, and a file that stays a small multiple of what it holds.

The disk is the one seam bent here (``write``, the file's only write call): a tiny tmpfs is not
available, so a full disk is played by a write that raises ENOSPC, as the kernel would."""

from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.outbox import persisting
from agent.outbox.spool import Outbox
from shared.domain.findings import Finding, Severity
from shared.domain.journal import FindingBatch, Gap
from shared.domain.refs import ObjectRef


class Disk:
    """``os.write`` that refuses with ``error`` while ``full`` (after landing ``partial``
    bytes of the refused write, as a nearly full disk does)."""

    def __init__(self, error: int = errno.ENOSPC, partial: int = 3) -> None:
        self.full = False
        self.error = error
        self.partial = partial
        self.refused = 0

    def write(self, fd: int, data: bytes) -> int:
        if not self.full:
            return os.write(fd, data)
        self.refused += 1
        if self.partial and len(data) > self.partial:
            n = os.write(fd, data[: self.partial])
            self.partial = 0  # the next call for the rest fails outright
            return n
        raise OSError(self.error, os.strerror(self.error))


def _finding(i: int, size: int = 40) -> FindingBatch:
    return FindingBatch(
        (
            Finding(
                fingerprint=f"fp-{i}",
                reason="CrashLoopBackOff",
                severity=Severity.CRITICAL,
                category="crash",
                subject=ObjectRef("Pod", "shop", f"web-{i}"),
                message="x" * size,
                first_seen_ms=i,
                last_seen_ms=i,
            ),
        )
    )


def _agent_findings(box: Outbox) -> list[Finding]:
    return [
        f
        for r in box.after(0, 100_000)
        if isinstance(r.body, FindingBatch)
        for f in r.body.findings
        if f.subject == persisting.SUBJECT
    ]


def _ours(box: Outbox) -> list[int]:
    """Sequence numbers of the test's own records that are held."""
    return [
        r.seq
        for r in box.after(0, 100_000)
        if isinstance(r.body, FindingBatch) and r.body.findings[0].subject != persisting.SUBJECT
    ]


@pytest.mark.parametrize("error", [errno.ENOSPC, errno.EDQUOT, errno.EIO])
def test_a_disk_that_refuses_writes_keeps_the_outbox_running_and_recovers(
    tmp_path: Path, error: int
) -> None:
    disk = Disk(error)
    path = tmp_path / "spool.bin"
    box = Outbox(max_records=1000, path=path, write=disk.write, disk_retry_s=0.0)
    box.resume(0)
    for i in range(5):
        box.put(_finding(i), now_ms=i)
    disk.full = True
    for i in range(5, 20):
        box.put(_finding(i), now_ms=i)  # never raises
    assert disk.refused > 0
    assert not box.durable
    assert (tmp_path / "spool.bin.degraded").exists()
    [report] = _agent_findings(box)
    assert (report.reason, report.resolved) == ("SpoolNotDurable", False)
    assert errno.errorcode[error] in report.message
    assert len(_ours(box)) == 20  # every record still held: in memory
    box.ack(3)  # acks keep working too (in memory), and retry the disk
    disk.full = False
    box.put(_finding(20), now_ms=20)  # the retry rewrites everything held: whole again
    assert box.durable
    assert not (tmp_path / "spool.bin.degraded").exists()
    assert [f.resolved for f in _agent_findings(box)] == [False, True]
    held = [r.seq for r in box.after(0, 100_000)]
    box.close()
    again = Outbox(max_records=1000, path=path)
    assert [r.seq for r in again.after(0, 100_000)] == held
    assert again.acked == 3
    again.close()


def test_a_disk_full_at_start_is_not_durable_and_not_a_crash(tmp_path: Path) -> None:
    disk = Disk()
    disk.full = True
    box = Outbox(max_records=100, path=tmp_path / "spool.bin", write=disk.write)
    assert not box.durable
    assert box.put(_finding(1), now_ms=1) == 2  # seq 1 is the SpoolNotDurable finding
    assert [f.reason for f in _agent_findings(box)] == ["SpoolNotDurable"]
    box.close()


def test_a_restart_while_not_durable_reports_the_records_it_lost(tmp_path: Path) -> None:
    disk = Disk()
    path = tmp_path / "spool.bin"
    box = Outbox(max_records=100, path=path, write=disk.write, disk_retry_s=3600.0)
    box.resume(0)
    box.put(_finding(1), now_ms=1)
    disk.full = True
    box.put(_finding(2), now_ms=2)  # held in memory only ...
    box.close()  # ... when the process ends
    again = Outbox(max_records=100, path=path)
    assert again.durable
    assert [f.reason for f in _agent_findings(again)] == ["SpoolRecordsLost"]
    assert _ours(again) == [1]  # the durable one came back; the other is reported lost
    assert not (tmp_path / "spool.bin.degraded").exists()
    again.close()


def test_overflow_while_not_durable_is_still_a_counted_gap(tmp_path: Path) -> None:
    disk = Disk()
    box = Outbox(max_records=10, path=tmp_path / "spool.bin", write=disk.write)
    disk.full = True
    for i in range(30):
        box.put(_finding(i), now_ms=i)
    records = box.after(0, 100)
    assert len(records) <= 10
    assert isinstance(records[0].body, Gap)
    assert box.dropped_total > 0


def test_the_spool_directory_and_file_are_private(tmp_path: Path) -> None:
    path = tmp_path / "new-dir" / "spool.bin"
    box = Outbox(max_records=10, path=path)
    box.put(_finding(1), now_ms=1)
    box.close()
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_the_file_is_compacted_long_before_four_times_the_record_bound(tmp_path: Path) -> None:
    """Steady churn (every record acknowledged soon after): today's rule let the file reach
    4 x max_records entries, ~100 MB at the default bound, beyond a small volume."""
    path = tmp_path / "spool.bin"
    box = Outbox(max_records=50_000, path=path, max_bytes=2 << 20)
    box.resume(0)
    seq = 0
    for i in range(20_000):
        seq = box.put(_finding(i, size=200), now_ms=i)
        if i % 10 == 9:
            box.ack(seq)
    size = path.stat().st_size
    assert size == box.file_bytes
    assert size <= 1.5 * box.live_bytes + persisting.COMPACT_SLACK
    assert size < 2 * persisting.COMPACT_SLACK  # ~5 MB were written through it
    box.close()


def test_the_byte_budget_turns_the_oldest_records_into_a_gap(tmp_path: Path) -> None:
    box = Outbox(max_records=50_000, path=tmp_path / "spool.bin", max_bytes=1 << 20)
    for i in range(10_000):
        box.put(_finding(i, size=300), now_ms=i)
    assert box.live_bytes <= 1 << 20
    records = box.after(0, 100_000)
    assert isinstance(records[0].body, Gap)
    assert records[0].body.dropped == box.dropped_total > 0
    box.close()


@settings(max_examples=60, deadline=None)
@given(
    budget=st.integers(min_value=2_000, max_value=20_000),
    ops=st.lists(
        st.one_of(st.integers(min_value=0, max_value=400), st.just("ack"), st.just("full")),
        max_size=200,
    ),
)
def test_the_file_stays_bounded_by_the_live_bytes_under_churn(
    budget: int, ops: list[int | str]
) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as mp:
        mp.setattr(persisting, "COMPACT_SLACK", 512)
        disk = Disk()
        path = Path(tmp) / "spool.bin"
        box = Outbox(
            max_records=1_000, path=path, max_bytes=budget, write=disk.write, disk_retry_s=0.0
        )
        box.resume(0)
        for n, op in enumerate(ops):
            if op == "ack":
                box.ack(box.last_seq - 2)
            elif op == "full":
                disk.full = not disk.full
                disk.partial = 3
            else:
                box.put(_finding(n, size=int(op)), now_ms=n)
            assert box.live_bytes <= budget or box.depth <= 2
            if box.durable:
                assert path.stat().st_size == box.file_bytes
                # + one ack entry: a fresh compaction holds the live records and the mark
                assert box.file_bytes <= 1.5 * box.live_bytes + 512 + 13
        box.close()
