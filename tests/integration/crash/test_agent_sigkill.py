"""SIGKILL of the real agent process, with its disk spool open, at seeded random moments while
the master stays up — under the same mixed load as the master's crash test — and one kill
followed by a torn write at the spool's tail (what a kill in the middle of ``write`` leaves).

Invariants (as in ``test_master_sigkill``, over the drained system):

- **J2 exactly once**: the restarted agent replays its spool from the master's mark: the store
  holds seq 1..N with no gap recorded (a gap that was not real — records the spool still had —
  would show as ``gaps_dropped``), no finding occurrence in two rows.
- **S1 samples**: every sample the intake acknowledged before a kill is in the store: the
  acknowledgement means the record was in the spool file.
- **C1 commands**: every command ended; one killed mid-run is reported interrupted, never run
  twice.
- **N1 notifications**: every notification sent, once per key.
- **T1 torn tail**: a spool ending in a torn entry is read up to it; the agent starts, says how
  many bytes it dropped, and never crashes on it."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from agent.outbox.spoolfile import encode
from shared.domain.journal import Gap, JournalRecord
from tests.integration.crash.scenario import iterations, seeded, world

KILLS = iterations(10)
# Each kill costs a restart (a few seconds on a loaded machine); the budget grows with them.
pytestmark = pytest.mark.timeout(120 + 15 * KILLS)


def tear_tail(spool: Path) -> int:
    """Append the first half of a valid entry, as a write cut short by the kill would."""
    entry = encode(JournalRecord(seq=10**9, created_ms=1, body=Gap(10**9, 10**9, 1)))
    torn = entry[: len(entry) // 2]
    with spool.open("ab") as f:
        f.write(torn)
    return len(torn)


async def test_an_agent_killed_with_its_spool_open_replays_it_without_loss_or_gap(
    tmp_path: Path,
) -> None:
    seed, rng = seeded()
    async with world(tmp_path) as w:
        runs_before = w.generation()
        w.start_load()
        torn_at = rng.randrange(KILLS)
        torn = 0
        for i in range(KILLS):
            await asyncio.sleep(rng.uniform(0.2, 2.0))
            w.agent.kill()
            if i == torn_at:
                torn = tear_tail(w.agent.spool)
            w.agent.start()
            before = w.ledger().hwm

            async def caught_up(mark: int = before) -> bool:
                return await w.acked() > mark  # replayed, and streaming new records again

            await w.until(caught_up, what=f"the agent restarted after kill {i + 1}")
        await w.drain()
        log = w.agent.log_text()
        assert "Traceback" not in log, log[-3000:]
        assert f"dropping a torn entry of {torn} bytes" in log
        w.assert_held(seed, runs_before)
