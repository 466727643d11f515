"""Fixtures for tests against the real control plane (see controlplane.py, harness.py)."""

from __future__ import annotations

import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

# Helper modules live beside the tests (no packages under tests/, importlib import mode).
sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness
from controlplane import ControlPlane


@pytest.fixture(scope="session")
def k8s_cluster(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> ControlPlane:
    """The session's control plane: ``admin_kubeconfig``, ``agent_kubeconfig``, ``bin_dir``,
    ``kubectl()``, ``apply()``, ``create_namespace()``, ``logs()``."""
    return harness.shared_control_plane(request.config, tmp_path_factory.mktemp("k8s"))


@pytest.fixture
def k8s_namespace(k8s_cluster: ControlPlane, request: pytest.FixtureRequest) -> Iterator[str]:
    name = f"t-{request.node.name[:30].lower().replace('_', '-').strip('-')}-{uuid.uuid4().hex[:5]}"
    k8s_cluster.create_namespace(name)
    yield name
    k8s_cluster.delete_namespace(name)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    cp = harness.current()
    if report.failed and cp is not None:
        report.sections.append(("k8s component logs (tails)", cp.log_tail(30)))
