"""Fixtures for the deploy tests: a real `helm` (see helmtool.py). Without helm the tests skip with
the reason, except under CI=true, where a missing helm is a failure. The install test also uses
the control-plane fixtures of tests/k8s (imported here, so they are visible in this folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.deploy.helmtool import Helm, find_helm
from tests.k8s.fixtures import k8s_cluster, k8s_namespace
from tests.required import unavailable

__all__ = ["helm", "helm_bin", "k8s_cluster", "k8s_namespace"]


@pytest.fixture(scope="session")
def helm_bin() -> Path:
    helm = find_helm()
    if helm is None:
        reason = (
            "helm not found: set LOOKOUT_K8S_BIN to a dir with helm, or run scripts/k8s-bins.sh"
        )
        unavailable("helm", reason)
    return helm


@pytest.fixture(scope="session")
def helm(helm_bin: Path, tmp_path_factory: pytest.TempPathFactory) -> Helm:
    return Helm(helm_bin, tmp_path_factory.mktemp("helm-home"))
