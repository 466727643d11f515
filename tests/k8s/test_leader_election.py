"""Leader election between real agent processes on the real control plane, with a real master:
only the Lease holder streams (and listens for node daemons); a SIGTERMed leader hands over at
once, a killed one after the lease duration; a leader that loses its lease -- taken over, or
no longer renewable -- stops streaming and exits. The agents run with exactly the chart's
leader Role (create leases; get/update/patch the named one), so the verbs are proven too."""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from agent.kubeapi.transport import KubeAccess
from agent.leader.election import Elector, LeaseApi
from agent.leader.settings import LeaderElectionSettings
from master.datahub.cluster import ClusterState
from tests.harness import RunningMaster, add_cluster, eventually, master_settings, running_master
from tests.k8s.controlplane import AGENT_NAMESPACE, AGENT_SA, ControlPlane, free_port

pytestmark = pytest.mark.k8s

LEASE = "lookout-agent-leader"
CLUSTER = "edge"
REPO = Path(__file__).resolve().parents[2]


def leader_role(namespace: str) -> list[dict[str, Any]]:
    """The chart's leader Role and RoleBinding (templates/rbac.yaml), bound to the test
    agent's ServiceAccount: nothing else lets the agents touch leases."""
    return [
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": {"name": "lookout-agent-leader", "namespace": namespace},
            "rules": [
                {
                    "apiGroups": ["coordination.k8s.io"],
                    "resources": ["leases"],
                    "verbs": ["create"],
                },
                {
                    "apiGroups": ["coordination.k8s.io"],
                    "resources": ["leases"],
                    "resourceNames": [LEASE],
                    "verbs": ["get", "update", "patch"],
                },
            ],
        },
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "lookout-agent-leader", "namespace": namespace},
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": "lookout-agent-leader",
            },
            "subjects": [
                {"kind": "ServiceAccount", "name": AGENT_SA, "namespace": AGENT_NAMESPACE}
            ],
        },
    ]


@pytest.fixture
def lease_ns(k8s_cluster: ControlPlane, k8s_namespace: str) -> str:
    k8s_cluster.apply(leader_role(k8s_namespace))
    return k8s_namespace


@dataclass
class AgentProc:
    """One ``python -m agent`` process with leader election on."""

    identity: str
    proc: subprocess.Popen[bytes]
    log_path: Path
    intake_port: int

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def logged(self, text: str) -> bool:
        return text in self.log()

    def listening(self) -> bool:
        with socket.socket() as s:
            s.settimeout(1.0)
            return s.connect_ex(("127.0.0.1", self.intake_port)) == 0

    def exited(self) -> bool:
        return self.proc.poll() is not None


@dataclass
class Setup:
    cp: ControlPlane
    ns: str
    master: RunningMaster
    token: str
    tmp: Path

    @property
    def state(self) -> ClusterState:
        state = self.master.master.hub.cluster(CLUSTER)
        assert state is not None
        return state

    def start(self, identity: str, *, duration_s: float, renew_s: float = 1.0) -> AgentProc:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if not k.startswith("AGENT_")}
        env |= {
            "AGENT_CLUSTER_NAME": CLUSTER,
            "AGENT_MASTER_ADDRESS": self.master.address,
            "AGENT_TOKEN": self.token,
            "AGENT_PLAINTEXT": "true",
            "AGENT_HEARTBEAT_INTERVAL_S": "0.5",
            "AGENT_RECONNECT_MAX_S": "1",
            "AGENT_SHUTDOWN_GRACE_S": "4",
            "AGENT_SOURCES__KUBECONFIG": str(self.cp.agent_kubeconfig),
            "AGENT_METRICS_LISTEN": "127.0.0.1:0",  # two agents on one host: no fixed port
            "AGENT_SOURCES__NAMESPACES_INCLUDE": json.dumps([self.ns]),
            "AGENT_SOURCES__RECHECK_INTERVAL_S": "1",
            "AGENT_INTAKE__LISTEN": f"127.0.0.1:{port}",
            "AGENT_LEADER_ELECTION__ENABLED": "true",
            "AGENT_LEADER_ELECTION__LEASE_NAME": LEASE,
            "AGENT_LEADER_ELECTION__LEASE_NAMESPACE": self.ns,
            "AGENT_LEADER_ELECTION__IDENTITY": identity,
            "AGENT_LEADER_ELECTION__LEASE_DURATION_S": str(duration_s),
            "AGENT_LEADER_ELECTION__RENEW_INTERVAL_S": str(renew_s),
            "AGENT_LEADER_ELECTION__RETRY_PERIOD_S": "0.5",
        }
        log_path = self.tmp / f"{identity}.log"
        with log_path.open("wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "agent"],
                env=env,
                cwd=REPO,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        return AgentProc(identity, proc, log_path, port)

    def lease(self) -> dict[str, Any]:
        out = self.cp.kubectl("get", "lease", LEASE, "-n", self.ns, "-o", "json").stdout
        spec: dict[str, Any] = json.loads(out)["spec"]
        return spec

    async def sessions(self) -> list[str]:
        """Instance ids of every session the master accepted for the cluster, oldest first."""
        rows = await self.master.master.store.journal.sessions(CLUSTER)
        return [r.instance_id for r in reversed(rows)]

    async def create_crashing_pod(self, name: str) -> None:
        pod = {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {
                "name": name,
                "namespace": self.ns,
                "labels": {"app": name, "lookout.test/fault": "crashloop"},
            },
            "spec": {"containers": [{"name": "main", "image": "registry.local/app:1"}]},
        }
        await asyncio.to_thread(self.cp.apply, [pod])

    def crash_looping(self, pod: str) -> bool:
        return any(
            f.reason == "CrashLoopBackOff" and f.subject.kind == "Pod" and f.subject.name == pod
            for f in self.state.findings.values()
        )

    def mirrored(self, pod: str) -> bool:
        return (self.ns, pod) in self.state.resources.get("Pod", {})


@pytest.fixture
async def setup(tmp_path: Path, k8s_cluster: ControlPlane, lease_ns: str) -> AsyncIterator[Setup]:
    settings = master_settings(tmp_path / "m")
    token = await add_cluster(settings, CLUSTER)
    async with running_master(settings) as m:
        yield Setup(k8s_cluster, lease_ns, m, token, tmp_path)


@pytest.fixture
def procs() -> Iterator[list[AgentProc]]:
    """Agent processes a test started; any still running at the end are killed."""
    started: list[AgentProc] = []
    yield started
    for p in started:
        if p.proc.poll() is None:
            p.proc.kill()
        p.proc.wait(30)


async def exit_code(agent: AgentProc, timeout: float = 60.0) -> int:
    await eventually(agent.exited, timeout, f"{agent.identity} to exit")
    code = agent.proc.returncode
    assert code is not None
    return code


async def lead_and_stand_by(s: Setup, procs: list[AgentProc], duration_s: float) -> AgentProc:
    """Start agent-a, let it lead and stream, then start agent-b; returns agent-b once it is
    standing by."""
    a = s.start("agent-a", duration_s=duration_s)
    procs.append(a)
    await eventually(lambda: a.logged("became leader"), 60, "agent-a to lead")
    await eventually(lambda: s.state.stream_open, 60, "agent-a's stream")
    b = s.start("agent-b", duration_s=duration_s)
    procs.append(b)
    await eventually(
        lambda: b.logged(f"standing by: lease {s.ns}/{LEASE} is held by agent-a"),
        60,
        "agent-b to stand by",
    )
    return b


def sequence_is_clean(s: Setup) -> bool:
    seqs = [seq for cluster, seq in s.master.handled if cluster == CLUSTER]
    return bool(seqs) and all(x < y for x, y in itertools.pairwise(seqs))


async def test_only_the_lease_holder_streams_and_a_sigtermed_leader_hands_over_at_once(
    setup: Setup, procs: list[AgentProc], caplog: pytest.LogCaptureFixture
) -> None:
    s = setup
    # A long lease: a takeover within the test can only come from the release.
    b = await lead_and_stand_by(s, procs, duration_s=300)
    a = procs[0]
    await s.create_crashing_pod("before")
    await eventually(lambda: s.crash_looping("before"), 120, "the first finding")

    # One agent streams: one session at the master, the lease names it, only it listens.
    assert len(await s.sessions()) == 1
    assert s.lease()["holderIdentity"] == "agent-a"
    assert a.listening()
    assert not b.listening()
    assert not b.logged("connected to master")

    a.proc.send_signal(signal.SIGTERM)
    assert await exit_code(a) == 0
    assert a.logged(f"released lease {s.ns}/{LEASE}")
    # Taken because it was free, not because it expired (it would take 300 s to expire).
    await eventually(lambda: b.logged("became leader"), 60, "agent-b to lead")
    assert b.logged("(acquire; previous holder none)")
    assert s.lease()["holderIdentity"] == "agent-b"
    await eventually(b.listening, 30, "agent-b's intake port")

    # The follower continues the cluster's stream: snapshot, old and new findings, one
    # sequence space at the master with no errors.
    await s.create_crashing_pod("after")
    await eventually(lambda: s.crash_looping("after"), 120, "a finding from agent-b")
    await eventually(lambda: s.mirrored("after") and s.mirrored("before"), 60, "agent-b's state")
    assert s.crash_looping("before")
    sessions = await s.sessions()
    assert len(sessions) == 2
    assert len(set(sessions)) == 2  # two different processes, one after the other
    assert sequence_is_clean(s)
    assert not protocol_errors(caplog)

    # A standby told to stop leaves quietly: it never streamed and holds nothing to release.
    c = s.start("agent-c", duration_s=300)
    procs.append(c)
    await eventually(lambda: c.logged("is held by agent-b"), 60, "agent-c to stand by")
    c.proc.send_signal(signal.SIGTERM)
    assert await exit_code(c) == 0
    assert c.logged("stopped while standing by")
    assert not c.logged("connected to master")
    assert s.lease()["holderIdentity"] == "agent-b"


def protocol_errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """What the master said when it closed a stream for a protocol (e.g. sequence) error."""
    return [r.getMessage() for r in caplog.records if "closing stream" in r.getMessage()]


async def test_a_killed_leader_is_replaced_once_its_lease_expires(
    setup: Setup, procs: list[AgentProc], caplog: pytest.LogCaptureFixture
) -> None:
    s = setup
    b = await lead_and_stand_by(s, procs, duration_s=3)
    a = procs[0]
    await s.create_crashing_pod("before")
    await eventually(lambda: s.crash_looping("before"), 120, "the first finding")

    a.proc.kill()  # no release: the follower must wait for the lease to expire by its clock
    assert await exit_code(a) == -signal.SIGKILL
    await eventually(lambda: b.logged("became leader"), 60, "agent-b to lead")
    assert b.logged("(acquire; previous holder agent-a)")
    assert s.lease()["holderIdentity"] == "agent-b"
    await eventually(b.listening, 30, "agent-b's intake port")

    await s.create_crashing_pod("after")
    await eventually(lambda: s.crash_looping("after"), 120, "a finding from agent-b")
    await eventually(lambda: s.mirrored("after") and s.mirrored("before"), 60, "agent-b's state")
    assert len(set(await s.sessions())) == 2
    assert sequence_is_clean(s)
    assert not protocol_errors(caplog)


async def test_a_leader_whose_lease_is_taken_over_stops_streaming_and_exits(
    setup: Setup, procs: list[AgentProc]
) -> None:
    s = setup
    a = s.start("agent-a", duration_s=3)
    procs.append(a)
    await eventually(lambda: s.state.stream_open, 60, "agent-a's stream")
    assert a.listening()

    # An operator (or a split-brain peer) writes another holder into the Lease.
    s.cp.kubectl(
        "patch",
        "lease",
        LEASE,
        "-n",
        s.ns,
        "--type=merge",
        "-p",
        json.dumps({"spec": {"holderIdentity": "intruder"}}),
    )
    assert await exit_code(a) != 0
    assert a.logged(f"lost leadership: lease {s.ns}/{LEASE} now names intruder")
    await eventually(lambda: not s.state.stream_open, 30, "the master to see the stream end")
    assert not a.listening()
    assert s.lease()["holderIdentity"] == "intruder"  # it did not write the lease back


async def test_a_leader_that_cannot_renew_stops_before_its_lease_could_expire(
    setup: Setup, procs: list[AgentProc]
) -> None:
    s = setup
    a = s.start("agent-a", duration_s=3)
    procs.append(a)
    await eventually(lambda: s.state.stream_open, 60, "agent-a's stream")

    # The API server now refuses its renewals (403): the agent cannot prove it still leads.
    s.cp.kubectl("delete", "rolebinding", "lookout-agent-leader", "-n", s.ns)
    assert await exit_code(a) != 0
    assert a.logged(f"could not renew lease {s.ns}/{LEASE}")
    assert a.logged("Forbidden")
    await eventually(lambda: not s.state.stream_open, 30, "the master to see the stream end")
    # It gave up with the lease still naming it: nobody else could have streamed meanwhile.
    assert s.lease()["holderIdentity"] == "agent-a"


async def test_candidates_racing_for_the_lease_end_with_exactly_one_leader(
    k8s_cluster: ControlPlane, lease_ns: str
) -> None:
    """Four candidates in one process race to create the Lease, then (after the winner
    releases it) to take it over: the API server's 409s leave one leader each time."""
    access = await asyncio.to_thread(KubeAccess.from_files, kubeconfig=k8s_cluster.agent_kubeconfig)

    def candidate(i: int) -> Elector:
        settings = LeaderElectionSettings(
            enabled=True,
            lease_name=LEASE,
            lease_namespace=lease_ns,
            identity=f"racer-{i}",
            lease_duration_s=2,
            renew_interval_s=0.5,
            retry_period_s=0.1,
        )
        return Elector(LeaseApi(access, namespace=lease_ns, name=LEASE), settings)

    async def one_wins(racers: dict[asyncio.Task[bool], Elector]) -> Elector:
        done, _ = await asyncio.wait(racers, timeout=60, return_when=asyncio.FIRST_COMPLETED)
        assert len(done) == 1
        winner = racers.pop(done.pop())
        # The winner renews for several lease durations; nobody else gets in meanwhile.
        renewals = asyncio.Event()
        holding = asyncio.create_task(winner.hold(renewals))
        seen: set[str] = set()

        def renewed_eight_times() -> bool:
            if winner.observed is not None:
                seen.add(winner.observed.record.renew_time)
            return len(seen) >= 8

        await eventually(renewed_eight_times, 60, "eight renewals")
        assert [e.me.identity for e in racers.values() if e.leading] == []
        assert not any(t.done() for t in racers)
        renewals.set()
        await asyncio.wait_for(holding, 30)
        return winner

    async with access:
        stop = asyncio.Event()
        electors = [candidate(i) for i in range(4)]
        racers = {asyncio.create_task(e.acquire(stop)): e for e in electors}
        try:
            first = await one_wins(racers)
            await first.release()  # the other three race for the released lease
            second = await one_wins(racers)
            assert second is not first
            lease = await asyncio.to_thread(
                k8s_cluster.kubectl, "get", "lease", LEASE, "-n", lease_ns, "-o", "json"
            )
            assert json.loads(lease.stdout)["spec"]["leaseTransitions"] == 1
        finally:
            stop.set()
            await asyncio.gather(*racers)
