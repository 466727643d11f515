"""SIGKILL of the real master process at seeded random moments while a real agent streams to
it over gRPC under mixed load (findings from kubesim's crash-looping pods, node metrics from a
metrics daemon and from this test, rollout_restart commands through the gateway, alert
transitions and their webhook notifications), restarted each time on the same data directory
and ports.

Invariants (checked after every kill on the durable store, and on the drained system):

Each kill lands while the master serves; one in four restarts is killed again at a random moment
of its start-up (opening the store, rebuilding alerts, the agent's hello), before it is ready.

- **J1 acknowledged is durable**: the store's journal mark never falls below what the agent saw
  acknowledged before the kill.
- **J2 exactly once**: with the agent drained, the mark lies within the agent's spool range and
  the master recorded no gap: the store holds seq 1..N, each handled once. No finding
  occurrence has two history rows, no finding is open in two.
- **S1 samples**: every node sample the agent's intake acknowledged is in the store; none that
  was never pushed is.
- **C1 commands**: every command the gateway acknowledged exists once (its idempotency key,
  retried across a crash, returned the same id), ended in a terminal state (none ``running``
  forever), never went through a state twice, and the Deployment restarted at most once per
  command that may have run.
- **N1 notifications**: every queued notification was sent and reached the receiver (which
  honours the idempotency key, so a resend after a crash is harmless), and no group was
  notified twice with the same alerts under different keys."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from tests.integration.crash import ledger
from tests.integration.crash.scenario import iterations, seeded, world

KILLS = iterations(20)
# Each kill costs a restart (a few seconds on a loaded machine); the budget grows with them.
pytestmark = pytest.mark.timeout(120 + 15 * KILLS)


async def test_a_master_killed_at_random_moments_loses_and_repeats_nothing_it_acknowledged(
    tmp_path: Path,
) -> None:
    seed, rng = seeded()
    async with world(tmp_path) as w:
        runs_before = w.generation()
        w.start_load()
        for _ in range(KILLS):
            await asyncio.sleep(rng.uniform(0.1, 1.5))
            acked = await w.acked()
            w.master.kill()
            durable = w.ledger()
            w.violations += ledger.journal_violations(
                durable, last_seq=durable.hwm, acked_before=acked
            )
            w.violations += ledger.finding_violations(durable)
            if rng.random() < 0.25:  # a crash point in start-up too: migrations, replay, hello
                w.master.start()
                await asyncio.sleep(rng.uniform(0.0, 2.0))
                w.master.kill()
            await w.master.up()
        await w.drain()
        w.assert_held(seed, runs_before)
