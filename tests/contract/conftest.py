"""Fixtures that run every contract test against both backends ("kube" and "sim")."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

_HERE = Path(__file__).resolve().parent
# Test helper modules live beside their tests (no packages under tests/): the shared harness
# from tests/k8s and this suite's own helpers.
sys.path[:0] = [str(_HERE), str(_HERE.parent / "k8s")]

import harness  # noqa: E402
from backends import Backend, Simulator  # noqa: E402
from kubernetes import client  # noqa: E402

_sims: dict[str, Simulator] = {}  # one simulator per session, started lazily


@pytest.fixture(scope="session", params=[pytest.param("kube", marks=pytest.mark.k8s), "sim"])
def backend(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Backend]:
    if request.param == "kube":
        cp = harness.shared_control_plane(request.config, tmp_path_factory.mktemp("k8s"))
        b = Backend(
            "kube",
            cp.admin_kubeconfig,
            "admin",
            cp.agent_kubeconfig,
            "agent",
            needs_default_sa=True,
        )
    else:
        if "sim" not in _sims:
            _sims["sim"] = Simulator(tmp_path_factory.mktemp("kubesim"))
            request.config.add_cleanup(_sims["sim"].stop)
        b = _sims["sim"].backend()
    yield b
    b.close()


@pytest.fixture
def core(backend: Backend) -> client.CoreV1Api:
    return client.CoreV1Api(backend.api())


@pytest.fixture
def apps(backend: Backend) -> client.AppsV1Api:
    return client.AppsV1Api(backend.api())


@pytest.fixture
def policy(backend: Backend) -> client.PolicyV1Api:
    return client.PolicyV1Api(backend.api())


@pytest.fixture
def ns(backend: Backend, core: client.CoreV1Api) -> Iterator[str]:
    name = backend.create_namespace(core)
    yield name
    core.delete_namespace(name)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    if not report.failed:
        return
    cp = harness.current()
    if cp is not None and "[kube" in item.nodeid:
        report.sections.append(("k8s component logs (tails)", cp.log_tail(30)))
    if "sim" in _sims and "[sim" in item.nodeid:
        log = _sims["sim"].log.read_text(errors="replace")[-4000:]
        report.sections.append(("kubesim log", log))
