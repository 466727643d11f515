"""The per-session group committer on its own: batching while a commit is in flight, the
pending bound, order, marks, errors and flush. The commit is a leaf-seam fake whose
completion the test holds open with an event."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import pytest

from master.errors import SequenceError
from master.ingress.committer import GroupCommitter, PendingBudget
from shared.domain.journal import FindingBatch, JournalRecord


def _recs(first: int, n: int) -> list[JournalRecord]:
    return [
        JournalRecord(seq=s, created_ms=0, body=FindingBatch(())) for s in range(first, first + n)
    ]


class HeldCommit:
    """Records each batch; a batch completes only when the test releases it."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []
        self.marks: list[int] = []
        self.open = asyncio.Event()
        self.entered = asyncio.Event()
        self.error: Exception | None = None

    async def __call__(self, records: Sequence[JournalRecord]) -> int:
        self.batches.append([r.seq for r in records])
        self.entered.set()
        async with asyncio.timeout(10):
            await self.open.wait()
        if self.error is not None:
            raise self.error
        return records[-1].last_seq


async def _settle() -> None:
    """Let every ready task run to its next real wait."""
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.fixture
async def held() -> AsyncIterator[tuple[HeldCommit, GroupCommitter, asyncio.Task[None]]]:
    commit = HeldCommit()
    committer = GroupCommitter(commit=commit, on_mark=commit.marks.append, max_pending=8)
    task = asyncio.create_task(committer.run())
    yield commit, committer, task
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_frames_arriving_during_a_commit_share_the_next_commit(
    held: tuple[HeldCommit, GroupCommitter, asyncio.Task[None]],
) -> None:
    commit, committer, _ = held
    await committer.put(_recs(1, 2))
    await commit.entered.wait()
    for first in (3, 4, 6):  # three frames while the first commit is held
        await committer.put(_recs(first, 1 if first == 3 else 2))
    assert committer.pending == 5
    assert commit.batches == [[1, 2]]
    commit.open.set()
    await committer.flush()
    assert commit.batches == [[1, 2], [3, 4, 5, 6, 7]]
    assert commit.marks == [2, 7]
    assert committer.commits == 2


async def test_an_idle_session_commits_a_lone_frame_at_once(
    held: tuple[HeldCommit, GroupCommitter, asyncio.Task[None]],
) -> None:
    commit, committer, _ = held
    commit.open.set()
    await committer.put(_recs(1, 1))
    await committer.flush()  # no window or timer to wait out
    assert commit.batches == [[1]] and commit.marks == [1]
    await committer.put(_recs(2, 1))
    await committer.flush()
    assert commit.batches == [[1], [2]] and commit.marks == [1, 2]


async def test_put_waits_at_the_bound_and_resumes_once_the_commit_takes_the_pending(
    held: tuple[HeldCommit, GroupCommitter, asyncio.Task[None]],
) -> None:
    commit, committer, _ = held
    await committer.put(_recs(1, 3))
    await commit.entered.wait()  # 1-3 in flight, held
    await committer.put(_recs(4, 4))
    await committer.put(_recs(8, 4))  # exactly at the bound of 8: still accepted
    blocked = asyncio.create_task(committer.put(_recs(12, 1)))
    await _settle()
    assert not blocked.done()
    assert committer.pending == 8
    commit.entered.clear()
    commit.open.set()
    await asyncio.wait_for(blocked, 10)
    await committer.flush()
    assert commit.batches == [[1, 2, 3], list(range(4, 12)), [12]]
    assert max(len(b) for b in commit.batches[1:]) <= 8


async def test_a_frame_larger_than_the_bound_alone_still_goes_through() -> None:
    commit = HeldCommit()
    commit.open.set()
    committer = GroupCommitter(commit=commit, on_mark=commit.marks.append, max_pending=2)
    task = asyncio.create_task(committer.run())
    try:
        await asyncio.wait_for(committer.put(_recs(1, 5)), 10)
        await committer.flush()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert commit.batches == [[1, 2, 3, 4, 5]]


async def test_a_commit_error_ends_run_with_that_error(
    held: tuple[HeldCommit, GroupCommitter, asyncio.Task[None]],
) -> None:
    commit, committer, task = held
    commit.error = SequenceError(1, 5)
    commit.open.set()
    await committer.put(_recs(5, 1))
    with pytest.raises(SequenceError):
        await asyncio.wait_for(asyncio.shield(task), 10)
    assert commit.marks == []  # never acknowledged


def test_a_bound_below_one_is_refused() -> None:
    async def never(records: Sequence[JournalRecord]) -> int:
        raise AssertionError

    with pytest.raises(ValueError, match="at least 1"):
        GroupCommitter(commit=never, on_mark=lambda m: None, max_pending=0)


async def test_sessions_sharing_a_budget_read_ahead_only_while_the_total_fits() -> None:
    budget = PendingBudget(6)
    a, b = HeldCommit(), HeldCommit()
    first = GroupCommitter(commit=a, on_mark=a.marks.append, max_pending=8, budget=budget)
    second = GroupCommitter(commit=b, on_mark=b.marks.append, max_pending=8, budget=budget)
    tasks = [asyncio.create_task(first.run()), asyncio.create_task(second.run())]
    try:
        await first.put(_recs(1, 2))  # taken at once into a held commit
        await first.put(_recs(3, 4))  # pending: 6 of 6 used
        await second.put(_recs(1, 2))  # nothing pending there: admitted though over budget
        await _settle()
        assert budget.used == 8
        # Session 2's first frame went straight into its held commit, so with nothing pending
        # its next frame is admitted over budget; the one after must wait.
        await second.put(_recs(3, 1))
        third = asyncio.create_task(second.put(_recs(4, 1)))
        await _settle()
        assert not third.done()
        a.open.set()  # session 1 commits and frees its share ...
        await _settle()
        assert budget.used == 3 and not third.done()  # ... session 2 waits for its own commit
        b.open.set()
        await _settle()
        assert third.done()
        await _settle()
        assert budget.used == 0
        assert [r for batch in b.batches for r in batch] == [1, 2, 3, 4]
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def test_a_session_that_ends_gives_its_pending_share_back() -> None:
    budget = PendingBudget(100)
    commit = HeldCommit()
    committer = GroupCommitter(commit=commit, on_mark=commit.marks.append, max_pending=50,
                               budget=budget)  # fmt: skip
    task = asyncio.create_task(committer.run())
    await committer.put(_recs(1, 3))
    await _settle()
    await committer.put(_recs(4, 5))
    assert budget.used == 8
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert budget.used == 0
    await committer.put(_recs(9, 1))  # after the end: neither pending nor counted
    assert budget.used == 0 and committer.pending == 0
