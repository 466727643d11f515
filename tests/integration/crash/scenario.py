"""One crash test's world: kubesim, a master with a webhook route to a keyed receiver, an agent
with its spool on disk, a metrics daemon, and the test's own sample pusher and command sender —
started together, drained together, and judged by ``ledger`` at the end.

Iterations and the seed: ``LOOKOUT_CRASH_ITERATIONS`` overrides each test's CI count (``make
chaos`` runs many more), ``LOOKOUT_CRASH_SEED`` replays a run (every test logs the seed it
drew, and puts it in its failure message)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

from agent.outbox.spoolfile import SpoolFile
from tests.integration.crash import ledger
from tests.integration.crash.load import CommandSender, KeyedReceiver, SamplePusher
from tests.integration.crash.procs import (
    ADMIN,
    Agent,
    Check,
    Kubesim,
    Master,
    MetricsDaemon,
    Proc,
    until,
)

log = logging.getLogger(__name__)

ALERTING = """\
route:
  receiver: hook
  group_by: [alertname, cluster, namespace]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 24h
receivers:
  - name: hook
    webhook_configs:
      - url: {url}
"""
TARGET = {"kind": "Deployment", "namespace": "team-00", "name": "svc-0000"}
DRAIN_TIMEOUT_S = 120.0


def iterations(ci: int) -> int:
    return int(os.environ.get("LOOKOUT_CRASH_ITERATIONS", ci))


def seeded() -> tuple[int, random.Random]:
    seed = int(os.environ.get("LOOKOUT_CRASH_SEED", random.SystemRandom().randrange(2**32)))
    log.warning("crash test seed %d (LOOKOUT_CRASH_SEED=%d replays it)", seed, seed)
    return seed, random.Random(seed)


@dataclass
class World:
    tmp: Path
    sim: Kubesim
    master: Master
    agent: Agent
    daemon: MetricsDaemon
    receiver: KeyedReceiver
    pusher: SamplePusher
    sender: CommandSender
    violations: list[str] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def ledger(self) -> ledger.Ledger:
        return ledger.read(self.master.db, cluster="edge", node=self.pusher.node)

    def generation(self) -> int:
        path = "/apis/apps/v1/namespaces/{namespace}/deployments/{name}".format(**TARGET)
        meta = self.sim.get(path)["metadata"]
        assert isinstance(meta, dict)
        return int(meta["generation"])

    async def acked(self) -> int:
        """What the agent has seen acknowledged (0 while it does not answer)."""
        box = await self.agent.outbox()
        return int(box["acked_seq"]) if box else 0

    async def until(self, check: Check, *, what: str) -> None:
        await until(check, what=what, timeout=DRAIN_TIMEOUT_S)

    def start_load(self) -> None:
        self._tasks = [
            asyncio.create_task(self.pusher.run(self._stop)),
            asyncio.create_task(self.sender.run(self._stop)),
        ]

    async def drain(self) -> None:
        """Stop the load, let every command end and every notification go out, then stop the
        agent cleanly so its spool says exactly what the master acknowledged."""
        self._stop.set()
        await asyncio.gather(*self._tasks)

        def commands_done() -> bool:
            states = self.ledger().commands
            return all(states.get(i) in ledger.TERMINAL for i in self.sender.ids.values())

        def notified() -> bool:
            return all(s == "sent" for _, s, _, _ in self.ledger().notifications)

        def samples_in() -> bool:
            return not (self.pusher.acked - self.ledger().sample_ats)

        await until(commands_done, what="every command to end", timeout=DRAIN_TIMEOUT_S)
        await until(
            samples_in, what="every acknowledged sample in the store", timeout=DRAIN_TIMEOUT_S
        )

        async def quiet() -> bool:
            box = await self.agent.outbox()
            return box is not None and box["depth"] == 0

        await until(quiet, what="the agent's outbox to empty", timeout=DRAIN_TIMEOUT_S)
        self.daemon.stop()
        assert self.agent.stop() == 0, self.agent.log_text()[-3000:]
        # Last: the findings the agent sent up to its stop may still be turning into alerts.
        await until(notified, what="every notification to be sent", timeout=DRAIN_TIMEOUT_S)

    def assert_held(self, seed: int, runs_before: int) -> None:
        """The verdict: the load ran, and every invariant held (all violations listed)."""
        violations = self.judge(runs_before)
        assert self.sender.ids and self.pusher.acked and self.receiver.received, "no load ran"
        assert not violations, f"seed {seed}: " + "\n".join(violations)

    def judge(self, runs_before: int) -> list[str]:
        """Every invariant over the drained system (the agent stopped, the master up)."""
        acked, held = SpoolFile(self.agent.spool).load()
        last = held[-1].last_seq if held else (acked or 0)
        final = self.ledger()
        out = list(self.violations)
        # The agent stopped between the master's commit and its ack at most: the mark may be
        # anywhere from what the agent saw acknowledged to the last record it had.
        if not (acked or 0) <= final.hwm <= last:
            out.append(f"mark {final.hwm} outside the agent's spool range {acked}..{last}")
        out += ledger.journal_violations(final, last_seq=final.hwm)
        out += ledger.sample_violations(final, acked=self.pusher.acked, maybe=self.pusher.maybe)
        out += ledger.finding_violations(final)
        out += ledger.command_violations(
            final, wanted=self.sender.ids, runs=self.generation() - runs_before
        )
        delivered = [
            r.headers.get("X-Lookout-Idempotency-Key", "").encode() for r in self.receiver.received
        ]
        out += ledger.notification_violations(final, delivered=delivered)
        log.warning(
            "drained: %d journal records, %d samples acked (%d maybe), %d commands %s, "
            "%d notifications, %d requests at the receiver (%d resends), master started %d times, "
            "agent %d times",
            final.hwm,
            len(self.pusher.acked),
            len(self.pusher.maybe),
            len(self.sender.ids),
            dict(Counter(final.commands.values())),
            len(final.notifications),
            len(self.receiver.received),
            len(self.receiver.received) - len(self.receiver.by_key),
            self.master.starts,
            self.agent.starts,
        )
        return out


@contextlib.asynccontextmanager
async def world(tmp: Path) -> AsyncIterator[World]:
    receiver = KeyedReceiver()
    await receiver.start()
    alerting = tmp / "alerting.yaml"
    alerting.write_text(ALERTING.format(url=receiver.url()))
    sim = Kubesim(tmp)
    master = Master(tmp, alert_config=alerting)
    procs: list[Proc] = [master, sim]
    try:
        await sim.up()
        token = await master.add_cluster("edge")
        await master.up()
        agent = Agent(tmp, master=master, token=token, kubeconfig=sim.kubeconfig)
        agent.start()
        daemon = MetricsDaemon(tmp, agent=agent, node=sim.nodes[0])
        procs = [sim, master, agent, daemon]
        w = World(
            tmp=tmp,
            sim=sim,
            master=master,
            agent=agent,
            daemon=daemon,
            receiver=receiver,
            pusher=SamplePusher(agent.intake, sim.nodes[1]),
            sender=CommandSender(master.base, ADMIN, TARGET),
        )

        async def streaming() -> bool:
            return await w.acked() > 0

        await until(streaming, what="the agent's first acknowledged record")
        daemon.start()
        yield w
    finally:
        for p in reversed(procs):
            p.kill()
        await receiver.stop()
