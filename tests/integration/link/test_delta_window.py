"""The uplink's delta window against the real master: a change after a quiet spell goes at once,
the next waits out the window (coalesced with whatever else changes meanwhile), and a journal
record never waits behind it.

Timing is asserted only as lower bounds, from a moment before the cause to a moment after the
effect was seen (the window was honoured, the journal record came first): slowness can only
make the measured gap longer, so a loaded machine cannot fail it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from pathlib import Path

from shared.domain.journal import FindingBatch, JournalRecord
from shared.domain.refs import ObjectRef
from shared.domain.resources import Resource
from tests.harness import (
    add_cluster,
    agent_settings,
    eventually,
    master_settings,
    running_agent,
    running_master,
)

WINDOW_S = 2.0


def _pod(name: str) -> Resource:
    return Resource(ObjectRef("Pod", "default", name, f"uid-{name}"), "1", {}, "ok", b"{}")


async def _seen(check: Callable[[], bool], what: str) -> float:
    """A loop time at or after the moment ``check`` first held."""
    await eventually(check, what=what)
    return asyncio.get_running_loop().time()


async def test_the_second_change_waits_for_the_window_and_a_journal_record_does_not(
    tmp_path: Path,
) -> None:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        loop = asyncio.get_running_loop()
        journal: list[float] = []  # when each journal batch was handled (exact, no polling)

        async def handled(_cluster: str, _records: Sequence[JournalRecord]) -> None:
            journal.append(loop.time())

        m.master.processor.subscribe(handled)
        cfg = agent_settings("edge", token, m.address, delta_window_s=WINDOW_S)
        async with running_agent(cfg) as a:
            await eventually(lambda: (s := m.master.hub.cluster("edge")) is not None and s.synced)
            state = m.master.hub.cluster("edge")
            assert state is not None
            await asyncio.sleep(WINDOW_S)  # a quiet spell: the next change goes at once
            t_before_first = loop.time()
            a.core.mirror.upsert(_pod("first"))
            await _seen(lambda: state.get("Pod", "default", "first") is not None, "first")
            a.core.mirror.upsert(_pod("second"))
            a.core.mirror.upsert(_pod("third"))
            a.core.outbox.put(FindingBatch(()), now_ms=1)
            t_second = await _seen(
                lambda: state.get("Pod", "default", "second") is not None, "second"
            )
            assert state.get("Pod", "default", "third") is not None  # the same send, coalesced
    # ``second`` went in a later send than ``first``, a window after it at the earliest.
    assert t_second - t_before_first >= WINDOW_S
    # The journal record, put after ``second`` changed, was handled before ``second`` was seen.
    assert any(t_before_first < t < t_second for t in journal), journal
