"""Finding the binaries and sharing one control plane per pytest session.

Owns: the skip-or-fail rule (no binaries: skip with a clear message, but fail when ``CI=true``
or ``LOOKOUT_REQUIRE_K8S=1``), binary discovery (``LOOKOUT_K8S_BIN`` or
``scripts/k8s-bins.sh --check``, which never builds), and the one ``ControlPlane`` that both
``tests/k8s`` and ``tests/contract`` use, stopped when the session ends.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.k8s.controlplane import REPO, ControlPlane
from tests.required import required as peer_required
from tests.required import unavailable as peer_unavailable

REQUIRED = (
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubectl",
    "kwok",
)


class _Session:
    """Per-process state: the started control plane, or why starting it failed."""

    control_plane: ControlPlane | None = None
    failed: str | None = None


_session = _Session()


def required() -> bool:
    return peer_required("k8s")


def find_bin_dir() -> tuple[Path | None, str]:
    env = os.environ.get("LOOKOUT_K8S_BIN")
    if env:
        missing = [b for b in REQUIRED if not (Path(env) / b).is_file()]
        if missing:
            return None, f"LOOKOUT_K8S_BIN={env} lacks {', '.join(missing)}"
        return Path(env), ""
    try:
        out = subprocess.run(
            [str(REPO / "scripts" / "k8s-bins.sh"), "--check"],
            capture_output=True,
            text=True,
            timeout=60,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, f"scripts/k8s-bins.sh --check failed: {e}"
    if out.returncode != 0:
        return None, out.stderr.strip() or "scripts/k8s-bins.sh --check found no binaries"
    return Path(out.stdout.strip().splitlines()[-1]), ""


def unavailable(reason: str) -> None:
    msg = (
        f"real Kubernetes control plane unavailable: {reason}. Build the binaries with "
        "scripts/k8s-bins.sh (or set LOOKOUT_K8S_BIN)."
    )
    peer_unavailable("k8s", msg)


def shared_control_plane(config: pytest.Config, workdir: Path) -> ControlPlane:
    """Start the session's control plane once; later callers get the same one."""
    if _session.control_plane is not None:
        return _session.control_plane
    if _session.failed is not None:  # do not retry a broken start for every test
        unavailable(_session.failed)
    bin_dir, reason = find_bin_dir()
    if bin_dir is None:
        _session.failed = reason
        unavailable(reason)
    assert bin_dir is not None
    cp = ControlPlane(bin_dir=bin_dir, workdir=workdir, nodes=3)
    try:
        cp.start()
    except Exception as e:
        _session.failed = f"start-up failed: {e}"
        pytest.fail(_session.failed, pytrace=False)
    config.add_cleanup(cp.stop)
    _session.control_plane = cp
    return cp


def current() -> ControlPlane | None:
    return _session.control_plane
