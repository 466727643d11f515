"""A real remediation path: kubesim (the demo's workloads, crash-looping ``checkout`` among
them) and ``python -m agent`` as subprocesses, the master in-process with logins on (real
gRPC, HTTP, SQLite, command bus), and three people: the bootstrap admin and two operators.

The remediation service's clock is the test's to move (``Env.advance``): approval expiry and
the verification watch are minutes long by policy, and the service takes ``now`` from its
``clock_ms`` like every judgement in it, so the test moves time instead of sleeping."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from master.datahub.cluster import ClusterState
from master.remediation.service import RemediationService
from shared.clock import now_ms
from shared.domain.findings import Finding, Severity
from shared.domain.refs import ObjectRef
from tests.harness import RunningMaster, add_cluster, running_master
from tests.integration.people.conftest import ADMIN_PASSWORD, people_settings, token_of
from tests.integration.simulated import agent_env, kubesim

NS = "lookout-demo"
OPERATORS = {"otto": "otto-scales-things-2", "olga": "olga-approves-fixes-3"}


@pytest.fixture
def kubeconfig(tmp_path: Path) -> Iterator[Path]:
    with kubesim(tmp_path / "sim", "--crash-interval", "2") as path:
        yield path


@dataclass
class Env:
    master: RunningMaster
    http: httpx.AsyncClient
    tokens: dict[str, str]  # who -> access token
    offset_ms: list[int] = field(default_factory=lambda: [0])

    @property
    def service(self) -> RemediationService:
        svc = self.master.master.remediations
        assert svc is not None
        return svc

    @property
    def cluster(self) -> ClusterState:
        state = self.master.master.hub.cluster("edge")
        assert state is not None
        return state

    def advance(self, seconds: float) -> None:
        self.offset_ms[0] += int(seconds * 1000)

    def as_(self, who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[who]}"}

    async def call(
        self, who: str, method: str, path: str, *, prefer: str = "", **kw: Any
    ) -> httpx.Response:
        headers = self.as_(who) | ({"Prefer": prefer} if prefer else {})
        return await self.http.request(method, "/api/v1" + path, headers=headers, **kw)

    async def remediations(self, **params: Any) -> list[dict[str, Any]]:
        r = await self.call("admin", "GET", "/remediations", params={"cluster": "edge", **params})
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        return items

    async def get(self, rid: str) -> dict[str, Any]:
        r = await self.call("admin", "GET", f"/remediations/{rid}")
        assert r.status_code == 200, r.text
        body: dict[str, Any] = r.json()
        return body

    async def set_policy(self, rules: list[dict[str, Any]]) -> None:
        r = await self.call("admin", "PUT", "/remediation-policy", json={"rules": rules})
        assert r.status_code == 200, r.text


async def until(probe: Callable[[], Awaitable[Any]], *, what: str, timeout: float = 60.0) -> Any:
    """Poll ``probe`` until it returns something truthy (and return that)."""
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.2)


def stuck_rollout(name: str, *, at_ms: int) -> Finding:
    """A rollout-deadline finding on one of the demo's Deployments, as the agent reports it."""
    return Finding(
        fingerprint=f"test-stuck-{name}",
        reason="ProgressDeadlineExceeded",
        severity=Severity.WARNING,
        category="rollout",
        subject=ObjectRef("Deployment", NS, name),
        message=f"deployment {name} exceeded its progress deadline",
        first_seen_ms=at_ms,
        last_seen_ms=at_ms,
    )


@contextlib.asynccontextmanager
async def environment(tmp_path: Path, kubeconfig: Path) -> AsyncIterator[Env]:
    settings = people_settings(tmp_path / "m", remediation={"tick_s": 0.2})
    token = await add_cluster(settings, "edge")
    async with running_master(settings) as m:
        env_vars = agent_env(
            address=m.address, token=token, kubeconfig=kubeconfig,
            spool=tmp_path / "spool" / "spool.bin",
        )  # fmt: skip
        agent = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "agent", env=env_vars, stderr=subprocess.DEVNULL
        )
        try:
            base = f"http://127.0.0.1:{m.master.http_port}"
            async with httpx.AsyncClient(base_url=base, timeout=60) as http:
                admin = await token_of(http, "admin", ADMIN_PASSWORD)
                for name, password in OPERATORS.items():
                    r = await http.post(
                        "/api/v1/users",
                        json={"username": name, "password": password, "role": "operator"},
                        headers={"Authorization": f"Bearer {admin}"},
                    )
                    assert r.status_code == 201, r.text
                tokens = {"admin": admin}
                for name, password in OPERATORS.items():
                    tokens[name] = await token_of(http, name, password)
                env = Env(m, http, tokens)
                svc = env.service
                svc.clock_ms = lambda: now_ms() + env.offset_ms[0]

                def mirrored() -> bool:
                    state = m.master.hub.cluster("edge")
                    return state is not None and state.get("Deployment", NS, "checkout") is not None

                await until(_sync(mirrored), what="the demo's Deployments in the mirror")
                yield env
        finally:
            agent.terminate()
            await agent.wait()


def _sync(check: Callable[[], bool]) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return check()

    return probe


@pytest.fixture
async def env(tmp_path: Path, kubeconfig: Path) -> AsyncIterator[Env]:
    async with environment(tmp_path, kubeconfig) as e:
        yield e
