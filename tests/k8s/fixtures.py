"""The control-plane fixtures, importable by any suite's conftest (``tests/k8s``,
``tests/deploy``): conftest fixtures are visible only below their own folder, imported fixture
functions wherever they are imported. Both share ``harness``'s one control plane per session."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.k8s import harness
from tests.k8s.controlplane import ControlPlane


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
