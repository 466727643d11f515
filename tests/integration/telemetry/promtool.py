"""The pinned promtool (built by scripts/promtool.sh from the Go module proxy, cached outside the
repository) and a lint of scraped exposition text with it. Never builds: that is the script's
job, run by ``make test`` in parallel with the Kubernetes binaries. Missing: a skip locally, a
failure in CI (``tests.required``)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.required import require_built


@pytest.fixture(scope="session")
def promtool() -> Path:
    return require_built("promtool", "promtool.sh", "promtool")


def lint(promtool: Path, text: str) -> str:
    """promtool's complaints about ``text`` ('' when it has none)."""
    out = subprocess.run(
        [str(promtool), "check", "metrics"],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return (out.stdout + out.stderr).strip() if out.returncode else ""
