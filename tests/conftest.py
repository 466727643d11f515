"""Suite-wide rules.

In CI (``CI=true``) a skipped test fails the run: every test here has a real peer that
``make test`` installs or builds (control plane, MariaDB, helm, grpcurl), so a skip there means
a setup step broke, and a green run that skipped them would hide it."""

from __future__ import annotations

import pytest

from tests.required import in_ci


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not in_ci() or exitstatus != 0:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", [])) if reporter is not None else 0
    if skipped:
        reporter.write_line(  # type: ignore[union-attr]
            f"CI: {skipped} test(s) were skipped; every test must run in CI", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
