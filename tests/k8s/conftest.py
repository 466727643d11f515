"""Fixtures for tests against the real control plane (see controlplane.py, harness.py; the
fixtures themselves live in fixtures.py so other suites can import them)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.k8s import harness
from tests.k8s.fixtures import k8s_cluster, k8s_namespace

__all__ = ["k8s_cluster", "k8s_namespace"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report = outcome.get_result()
    cp = harness.current()
    if report.failed and cp is not None:
        report.sections.append(("k8s component logs (tails)", cp.log_tail(30)))
