"""MariaDB taken away from a real master for a while under load (a relay between them cut, so
every connection drops and new ones are refused), then given back on the same address.

Invariants:

- **O1 stops acknowledging**: while the store is away the agent's acknowledged mark does not
  move, though records keep arriving (its outbox grows).
- **O2 says so**: ``/readyz`` answers 503 ``store: unavailable``; the master logs the outage
  once per component that noticed it (the store's probe, the paused notification delivery),
  not once per commit, frame or redial, and no traceback; and logs when the store is back.
- **O3 keeps serving reads**: the cluster view (from the DataHub, not the store) answers 200.
- **O4 resumes without loss**: once the store is back, every sample the agent's intake
  acknowledged is stored, the mark catches up with the agent, no gap is recorded.

The outage lasts ``LOOKOUT_STORE_OUTAGE_S`` seconds (CI: 15; ``make chaos``: 60)."""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from pathlib import Path

import httpx
from sqlalchemy import select

from master.store import Store
from master.store.schema.tables import node_metrics_raw
from tests.integration.crash.load import SamplePusher
from tests.integration.crash.procs import ADMIN, Agent, Kubesim, Master, until
from tests.tcprelay import relayed

OUTAGE_S = float(os.environ.get("LOOKOUT_STORE_OUTAGE_S", "15"))
WAIT_S = 120.0


async def _stored_samples(dsn: str, node: str) -> set[int]:
    store = await Store.open(dsn)
    try:
        async with store.engine.connect() as conn:
            m = node_metrics_raw
            rows = await conn.execute(
                select(m.c.at_ms).where(m.c.cluster == "edge", m.c.node == node)
            )
            return {r[0] for r in rows}
    finally:
        await store.close()


async def test_a_master_without_its_database_holds_acks_serves_reads_and_resumes_without_loss(
    tmp_path: Path, mariadb_dsn: str
) -> None:
    async with relayed(mariadb_dsn) as (dsn, relay):
        sim = Kubesim(tmp_path)
        master = Master(tmp_path, MASTER_STORE_DSN=dsn)
        agent: Agent | None = None
        stop = asyncio.Event()
        try:
            await sim.up()
            token = await master.add_cluster("edge")
            await master.up()
            agent = Agent(tmp_path, master=master, token=token, kubeconfig=sim.kubeconfig)
            agent.start()
            pusher = SamplePusher(agent.intake, sim.nodes[1], every_s=0.05)
            push = asyncio.create_task(pusher.run(stop))

            async def box() -> dict[str, float]:
                assert agent is not None
                return await agent.outbox() or {"acked_seq": 0, "depth": 0, "last_seq": 0}

            async def streaming() -> bool:
                return (await box())["acked_seq"] > 20

            await until(streaming, what="the agent streaming", timeout=WAIT_S)
            async with httpx.AsyncClient(base_url=master.base, headers=ADMIN, timeout=10) as http:
                await relay.cut()
                started = asyncio.get_running_loop().time()

                async def not_ready() -> bool:
                    r = await http.get("/readyz")
                    return r.status_code == 503 and r.json().get("store") == "unavailable"

                await until(not_ready, what="/readyz to report the store", timeout=WAIT_S)
                held = await box()

                async def piled_up() -> bool:
                    return (await box())["last_seq"] >= held["last_seq"] + 50

                await until(piled_up, what="records arriving during the outage", timeout=WAIT_S)
                view = await http.get("/api/v1/clusters/edge")
                assert view.status_code == 200, view.text
                assert view.json()["resource_counts"].get("Pod", 0) > 0
                rest = OUTAGE_S - (asyncio.get_running_loop().time() - started)
                await asyncio.sleep(max(0.0, rest))  # the outage itself, not a check
                during = await box()
                assert during["acked_seq"] == held["acked_seq"], (held, during)
                assert during["last_seq"] > held["last_seq"]
                await relay.restore()

                async def ready() -> bool:
                    return (await http.get("/readyz")).status_code == 200

                await until(ready, what="/readyz after the store came back", timeout=WAIT_S)
                stop.set()
                await push

                async def caught_up() -> bool:
                    b = await box()
                    return b["depth"] == 0 and b["acked_seq"] >= during["last_seq"]

                await until(caught_up, what="the agent's backlog acknowledged", timeout=WAIT_S)
                cluster = (await http.get("/api/v1/clusters/edge")).json()
            stored = await _stored_samples(mariadb_dsn, pusher.node)
            missing = pusher.acked - stored
            assert not missing, f"{len(missing)} acknowledged samples lost"
            assert not stored - pusher.acked - pusher.maybe
            assert cluster["journal"]["gaps_dropped"] == 0
            log = master.log_text()
            assert "Traceback" not in log, log[-3000:]
            outage = Counter(
                line.split()[3]  # the logger's name
                for line in log.splitlines()
                if "cannot be reached" in line
            )
            # Once per component that noticed, not once per commit, frame or redial.
            assert outage["master.store.engine.probing:"] == 1, outage
            assert max(outage.values()) == 1, outage
            assert "answers again" in log
        finally:
            stop.set()
            for p in (agent, master, sim):
                if p is not None:
                    p.kill()
