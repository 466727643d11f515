"""Fixtures that run every contract test against both backends ("kube" and "sim")."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from kubernetes import client

from tests.contract.backends import Backend, Simulator
from tests.k8s import harness

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
