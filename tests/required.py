"""The one definition of "this peer must be here": in CI (``CI`` set to 1/true/yes, as CI
services set it) or when ``LOOKOUT_REQUIRE_<PEER>`` says so, a missing test peer fails the test
instead of skipping it, so CI cannot go green by skipping what it must run. Every guard that
finds a binary, a server or a browser uses ``unavailable``; the session hook in
``tests/conftest.py`` uses ``in_ci`` to refuse a CI run with skips. ``built`` /
``require_built`` find a binary a ``scripts/<peer>.sh`` built into ``~/.cache/lookout``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import NoReturn

import pytest

TRUE = ("1", "true", "yes")
REPO = Path(__file__).resolve().parents[1]


def env_flag(name: str) -> bool:
    return os.environ.get(name, "").strip().lower() in TRUE


def in_ci() -> bool:
    return env_flag("CI")


def required(peer: str) -> bool:
    """``peer``: K8S, MARIADB, BROWSER… (the ``LOOKOUT_REQUIRE_`` suffix)."""
    return in_ci() or env_flag(f"LOOKOUT_REQUIRE_{peer.upper()}")


def unavailable(peer: str, why: str) -> NoReturn:
    """Skip with ``why``, or fail with it where ``peer`` is required."""
    if required(peer):
        pytest.fail(f"{why} (CI / LOOKOUT_REQUIRE_{peer.upper()}=1: not skipping)", pytrace=False)
    pytest.skip(why)


def built(script: str, exe: str) -> Path | None:
    """``exe`` in the bin dir that ``scripts/<script> --check`` prints as its last line (the
    peer scripts' one contract: it never builds), or None when it is not built."""
    out = subprocess.run(
        [str(REPO / "scripts" / script), "--check"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    lines = out.stdout.strip().splitlines()
    if out.returncode == 0 and lines and (Path(lines[-1]) / exe).is_file():
        return Path(lines[-1]) / exe
    return None


def require_built(peer: str, script: str, exe: str) -> Path:
    """``built(script, exe)``, or ``unavailable(peer, …)`` saying how to build it."""
    found = built(script, exe)
    if found is None:
        unavailable(peer, f"{exe} is not built: run scripts/{script} (make test-bins does)")
    return found
