"""Network faults between a real agent and the master, through a real Toxiproxy.

Peers: the master in-process (real gRPC, HTTP and SQLite), ``lookout-agent`` as a subprocess
(``python -m agent``) watching kubesim (a subprocess, with pod churn and a crash-looping pod),
and Toxiproxy (scripts/toxiproxy.sh) between them: the agent dials the proxy, the proxy the
master. For each fault — latency 500 ms ± 200 ms, bandwidth 64 KB/s, tiny segments, a silent
link, a reset storm, a partition — the cluster keeps changing while the fault is on (pods
created and deleted, crash-loop findings), then the fault heals and these must hold:

* the journal arrived with nothing lost and nothing twice: the sequence numbers the master
  handled are exactly 1..N, each once, no gap reported, the store's mark is N and the agent's
  spool is empty;
* the master's mirror converges to kubesim's pods (same set, each at least as new as kubesim
  had it when compared);
* the cluster's status went reconnecting -> offline and back to connected for the faults that
  cut the link, and never offline for those that only degrade it.

The seconds from heal to "connected, converged and drained" are printed per fault (and kept as
the test's ``recovery_s`` property); no wall-clock bound is asserted (the target lives in
bench/targets.py), only a generous one for eventual convergence.

The rig and the faults are in ``faults.py`` (``bench link_faults`` runs the same): there, why
the master's offline delays are shortened and why the agent keeps the product's backoff."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.integration.link.faults import (
    CLUSTER,
    CONVERGE_TIMEOUT_S,
    FAULTS,
    NS,
    Fault,
    Rig,
    inflict,
    rig,
    until,
)
from tests.toxiproxy import require_toxiproxy


@pytest.fixture(scope="module")
def toxiproxy_bin() -> Path:
    return require_toxiproxy()


@pytest.mark.timeout(240)
@pytest.mark.parametrize("fault", FAULTS, ids=[f.name for f in FAULTS])
async def test_the_link_recovers_from_a_fault_with_nothing_lost_or_twice(
    tmp_path: Path, toxiproxy_bin: Path, fault: Fault, record_property: Callable[[str, Any], None]
) -> None:
    async with rig(tmp_path, toxiproxy_bin) as r:
        got = await inflict(r, fault)
        record_property("recovery_s", round(got.recovery_s, 2))
        print(f"\n{fault.name}: connected, converged and drained {got.recovery_s:.1f} s after heal")

        seen = r.statuses_since(got.started)
        if fault.cuts:
            assert seen[0] == "connected" and seen[-1] == "connected", seen
            assert "reconnecting" in seen and "offline" in seen, seen
            assert seen.index("reconnecting") < seen.index("offline"), seen
        else:
            assert "offline" not in seen, seen
            assert r.status() == "connected"

        # Nothing lost, nothing twice: what the master handled is exactly 1..N, once each.
        seqs = [seq for _, seq in r.m.handled]
        assert len(seqs) > got.handled_before, "no journal record crossed the fault"
        assert sorted(seqs) == list(range(1, len(seqs) + 1)), "a record was lost or handled twice"
        assert seqs == sorted(seqs)
        journal = await r.m.master.store.journal.state(CLUSTER)
        assert (journal.hwm, journal.gaps_dropped) == (len(seqs), 0)
        assert r.state.gaps_dropped == 0
        # The findings of the pod that crash-looped during the fault reached the master.
        assert any(f"{fault.name}-crash" in f.subject.name for f in r.state.findings.values())
        pods = r.master_pods()
        assert all((NS, f"old-{i}") not in pods for i in range(3))
        assert all((NS, f"{fault.name}-{i}") in pods for i in range(5))


async def _generation(r: Rig, ns: str, name: str) -> int:
    got = await r.sim.get(f"/apis/apps/v1/namespaces/{ns}/deployments/{name}")
    got.raise_for_status()
    return int(got.json()["metadata"]["generation"])


def _restart(ns: str, name: str, timeout_s: float) -> dict[str, Any]:
    return {
        "type": "rollout_restart",
        "target": {"kind": "Deployment", "namespace": ns, "name": name},
        "timeout_s": timeout_s,
    }


@pytest.mark.timeout(180)
async def test_commands_sent_during_a_partition_time_out_or_run_exactly_once(
    tmp_path: Path, toxiproxy_bin: Path
) -> None:
    """Two rollout restarts asked while the link is partitioned: the one whose deadline passes
    during the partition ends ``timed_out`` and never runs, the other runs once after the heal
    (each run bumps the Deployment's generation: a second run would show)."""
    async with rig(tmp_path, toxiproxy_bin) as r:
        ns = "team-00"
        short, long = "svc-0000", "svc-0001"
        before = {d: await _generation(r, ns, d) for d in (short, long)}
        await r.proxy.disable()

        async def down() -> bool:
            return r.status() != "connected"

        await until(down, what="the master to see the link down", timeout=30)
        ids = {}
        for name, timeout_s in ((short, 3.0), (long, 120.0)):
            got = await r.http.post(
                f"/api/v1/clusters/{CLUSTER}/commands", json=_restart(ns, name, timeout_s)
            )
            assert got.status_code == 202, got.text
            ids[name] = got.json()["id"]

        async def terminal(cid: str) -> bool:
            return bool((await r.http.get(f"/api/v1/commands/{cid}")).json()["terminal"])

        await until(lambda: terminal(ids[short]), what="the short deadline", timeout=30)
        assert (await r.http.get(f"/api/v1/commands/{ids[long]}")).json()["state"] == "pending"
        await r.proxy.enable()
        await until(lambda: terminal(ids[long]), what="the long command", timeout=60)
        await until(r.recovered, what="recovery", timeout=CONVERGE_TIMEOUT_S)

        short_cmd = (await r.http.get(f"/api/v1/commands/{ids[short]}")).json()
        long_cmd = (await r.http.get(f"/api/v1/commands/{ids[long]}")).json()
        assert short_cmd["state"] == "timed_out", short_cmd
        assert long_cmd["state"] == "succeeded", long_cmd
        # The long one ran after the heal, on the same session the short one would have been
        # sent on: the agent had every chance to run it too, and did not.
        assert await _generation(r, ns, short) == before[short]
        assert await _generation(r, ns, long) == before[long] + 1
