"""The command journal's file: what a restart reads back, expiry, bound, torn lines, modes."""

from __future__ import annotations

import stat
from pathlib import Path

from agent.executor.ledger import EXPIRY_GRACE_MS, RESULT_KEEP_BYTES, Entry, Ledger, Outcome, expiry
from shared.domain.commands import CommandState

DONE = Outcome(CommandState.SUCCEEDED, "done", "", b'{"replicas":3}')


def test_a_restart_reads_back_started_and_finished_commands(tmp_path: Path) -> None:
    path = tmp_path / "dir" / "spool.bin.commands"
    ledger = Ledger(path, max_entries=10)
    assert ledger.load(now_ms=0) == []
    ledger.started(Entry("a", "ka", 1_000))
    ledger.started(Entry("b", "", 1_000))
    ledger.finished(Entry("b", "", 1_000, DONE))
    ledger.close()
    assert Ledger(path, max_entries=10).load(now_ms=500) == [
        Entry("a", "ka", 1_000),
        Entry("b", "", 1_000, DONE),
    ]
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_entries_expire_after_the_deadline_and_a_torn_line_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "journal"
    ledger = Ledger(path, max_entries=10)
    ledger.load(now_ms=0)
    ledger.started(Entry("old", "", expiry(1_000, now_ms=0)))
    ledger.started(Entry("new", "", expiry(5_000, now_ms=0)))
    ledger.close()
    with path.open("ab") as fh:
        fh.write(b'{"id": "torn", "ke')
    later = 1_000 + EXPIRY_GRACE_MS + 1
    assert [e.id for e in Ledger(path, max_entries=10).load(now_ms=later)] == ["new"]
    assert b"torn" not in path.read_bytes() and b"old" not in path.read_bytes()


def test_the_journal_keeps_at_most_max_entries_finished_and_every_unfinished(
    tmp_path: Path,
) -> None:
    path = tmp_path / "journal"
    ledger = Ledger(path, max_entries=3)
    ledger.load(now_ms=0)
    ledger.started(Entry("running", "", 10**12))
    for i in range(200):
        ledger.started(Entry(f"c{i}", "", 10**12))
        ledger.finished(Entry(f"c{i}", "", 10**12, DONE))
    ledger.close()
    assert len(path.read_bytes().splitlines()) < 100  # compacted as it went
    kept = Ledger(path, max_entries=3).load(now_ms=0)
    assert [e.id for e in kept] == ["running", "c197", "c198", "c199"]


def test_a_large_result_is_not_kept_but_the_outcome_is(tmp_path: Path) -> None:
    path = tmp_path / "journal"
    ledger = Ledger(path, max_entries=3)
    ledger.load(now_ms=0)
    big = Outcome(CommandState.SUCCEEDED, "done", "", b'"' + b"x" * RESULT_KEEP_BYTES + b'"')
    ledger.finished(Entry("big", "", 10**12, big))
    ledger.close()
    [entry] = Ledger(path, max_entries=3).load(now_ms=0)
    assert entry.outcome is not None
    assert entry.outcome.state is CommandState.SUCCEEDED
    assert entry.outcome.result_json == b""
    assert "too large to keep" in entry.outcome.message
