"""The pinned promtool (built by scripts/promtool.sh from the Go module proxy, cached outside the
repository) and a lint of scraped exposition text with it. Never builds: that is the script's
job, run by ``make test`` in parallel with the Kubernetes binaries."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def find_promtool() -> Path | None:
    out = subprocess.run(
        [str(REPO / "scripts" / "promtool.sh"), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = out.stdout.strip().splitlines()
    if out.returncode == 0 and lines and (Path(lines[-1]) / "promtool").is_file():
        return Path(lines[-1]) / "promtool"
    return None


@pytest.fixture(scope="session")
def promtool() -> Path:
    found = find_promtool()
    if found is None:
        pytest.skip("promtool is not built: run scripts/promtool.sh (make test does)")
    return found


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
