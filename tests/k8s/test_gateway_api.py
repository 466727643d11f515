"""Gateway API kinds on a control plane without their CRDs (the test cluster installs none):
the real agent reports HTTPRoute and Gateway as disabled -- naming why, once, although it
keeps checking -- and carries on: every other source syncs and new objects reach the master."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client, config

from master.datahub.cluster import ClusterState
from tests.harness import add_cluster, agent_settings, eventually, master_settings, running_master
from tests.k8s.controlplane import ControlPlane
from tests.k8s.realagent import real_agent

pytestmark = pytest.mark.k8s


@pytest.fixture
def core_api(k8s_cluster: ControlPlane) -> Iterator[client.CoreV1Api]:
    api = config.new_client_from_config(str(k8s_cluster.admin_kubeconfig))
    yield client.CoreV1Api(api)
    api.close()


def _state_of(state: ClusterState, kind: str) -> str:
    s = state.sources.get(kind)
    return "" if s is None else s.state


async def test_absent_gateway_api_is_skipped_once_and_the_agent_carries_on(
    tmp_path: Path,
    k8s_cluster: ControlPlane,
    k8s_namespace: str,
    core_api: client.CoreV1Api,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="agent.sources.watching")
    ns = k8s_namespace
    m_settings = master_settings(tmp_path / "m")
    token = await add_cluster(m_settings, "edge")
    async with running_master(m_settings) as m:
        # Retried every 0.2 s, so a report per retry would show up many times below.
        settings = agent_settings(
            "edge",
            token,
            m.address,
            intake={"listen": "127.0.0.1:0"},
            sources={"namespaces_include": [ns], "forbidden_retry_s": 0.2},
        )
        async with real_agent(k8s_cluster, settings):
            await eventually(lambda: m.master.hub.cluster("edge") is not None, 60, "a session")
            state = m.master.hub.cluster("edge")
            assert state is not None
            for kind in ("HTTPRoute", "Gateway"):
                await eventually(lambda k=kind: _state_of(state, k) == "disabled", 60, kind)
                assert "CRD not installed" in state.sources[kind].message
            await eventually(lambda: _state_of(state, "Pod") == "synced", 60, "Pod synced")
            pod = {
                "metadata": {"name": "after"},
                "spec": {"containers": [{"name": "c", "image": "registry.local/app:1"}]},
            }
            await asyncio.to_thread(core_api.create_namespaced_pod, ns, pod)
            await eventually(
                lambda: any(k[-1] == "after" for k in state.resources.get("Pod", {})),
                60,
                "the new pod at the master",
            )
            await asyncio.sleep(1.0)  # several retry periods of the absent kinds
            assert _state_of(state, "HTTPRoute") == "disabled"
    skipped = [r for r in caplog.records if "httproutes" in r.getMessage()]
    assert len(skipped) == 1, [r.getMessage() for r in skipped]
